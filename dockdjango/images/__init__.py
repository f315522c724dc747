"""Planning images: base images, Dockerfiles, build contexts, cache plans (pure, no ``docker``)."""
