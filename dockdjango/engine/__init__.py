"""The only package that imports ``docker``: client, images, builds, stacks."""
