"""Compose-compatible names for a stack's containers, networks and volumes.

Docker Compose v2 names things ``<project>-<service>-<n>`` (containers) and
``<project>_<key>`` (networks and volumes, unless the file gives a ``name:``). Using the
same names is half of what makes a stack one stack whichever tool brought it up.
"""

from __future__ import annotations

import re

_INVALID = re.compile(r"[^a-z0-9_-]")
_LEADING = re.compile(r"^[^a-z0-9]+")


def normalize_project_name(name: str) -> str:
    """Lower-case ``name`` and drop what Compose does not allow in a project name.

    Compose accepts ``[a-z0-9_-]`` starting with a letter or digit; a directory called
    ``My App`` becomes the project ``myapp``.
    """
    return _LEADING.sub("", _INVALID.sub("", name.lower()))


def container_name(project: str, service: str, number: int) -> str:
    """``<project>-<service>-<n>``, the name Compose gives a service's n-th container."""
    return f"{project}-{service}-{number}"


def resource_name(project: str, key: str, explicit: str | None = None) -> str:
    """A network's or volume's engine name: its ``name:`` if set, else ``<project>_<key>``."""
    return explicit or f"{project}_{key}"


def default_image_name(project: str, service: str) -> str:
    """The tag Compose gives an image it builds for a service with no ``image:``."""
    return f"{project}-{service}"
