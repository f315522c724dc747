"""A reusable app that reads its own installed metadata, as many packages do."""

from importlib.metadata import version

VERSION = version("shelf")
