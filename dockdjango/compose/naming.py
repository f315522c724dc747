"""Names as Compose derives them: projects, containers, networks, volumes, built images.

Docker Compose v2 names things ``<project>-<service>-<n>`` (containers) and
``<project>_<key>`` (networks and volumes, unless the file gives a ``name:``). Using the
same names is half of what makes a stack one stack whichever tool brought it up; the
loader, the models and the engine all take them from here.
"""

from __future__ import annotations

import re

_VALID = re.compile(r"[a-z0-9][a-z0-9_-]*")

#: The network a service joins when it names none (``<project>_default``).
DEFAULT_NETWORK = "default"


def normalize_project_name(name: str) -> str:
    """A directory name made into a project name: lowercase, only ``[a-z0-9_-]``, starting
    with a letter or digit (``Weird.Dir_X`` -> ``weirddir_x``, ``My App`` -> ``myapp``)."""
    cleaned = re.sub(r"[^a-z0-9_-]", "", name.lower())
    return cleaned.lstrip("_-")


def is_valid_project_name(name: str) -> bool:
    """True if ``name`` may be used as given (``-p``, ``name:``, ``COMPOSE_PROJECT_NAME``)."""
    return bool(_VALID.fullmatch(name))


def container_name(project: str, service: str, number: int) -> str:
    """``<project>-<service>-<n>``, the name Compose gives a service's n-th container."""
    return f"{project}-{service}-{number}"


def resource_name(
    project: str, key: str, explicit: str | None = None, *, external: bool = False
) -> str:
    """A network's, volume's, secret's or config's engine name: its ``name:`` if set, the
    key itself when it is external, else ``<project>_<key>``."""
    if explicit:
        return explicit
    return key if external else f"{project}_{key}"


def default_image_name(project: str, service: str) -> str:
    """The tag Compose gives an image it builds for a service with no ``image:``."""
    return f"{project}-{service}"
