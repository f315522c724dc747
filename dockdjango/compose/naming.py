"""Project names, as Compose derives and checks them."""

from __future__ import annotations

import re

_VALID = re.compile(r"[a-z0-9][a-z0-9_-]*")


def normalize_project_name(name: str) -> str:
    """A directory name made into a project name: lowercase, only ``[a-z0-9_-]``, starting
    with a letter or digit (``Weird.Dir_X`` -> ``weirddir_x``)."""
    cleaned = re.sub(r"[^a-z0-9_-]", "", name.lower())
    return cleaned.lstrip("_-")


def is_valid_project_name(name: str) -> bool:
    """True if ``name`` may be used as given (``-p``, ``name:``, ``COMPOSE_PROJECT_NAME``)."""
    return bool(_VALID.fullmatch(name))
