"""Printing a project back out: Compose escapes literal ``$`` as ``$$`` so it reloads the same."""

from __future__ import annotations

from typing import Any


def escape_dollars(data: Any) -> Any:
    """``data`` with every ``$`` in string values (not keys) doubled, as Compose prints it."""
    if isinstance(data, str):
        return data.replace("$", "$$")
    if isinstance(data, dict):
        return {k: escape_dollars(v) for k, v in data.items()}
    if isinstance(data, list):
        return [escape_dollars(v) for v in data]
    return data


def unescape_dollars(data: Any) -> Any:
    """The inverse of `escape_dollars`: ``$$`` in string values back to ``$``."""
    if isinstance(data, str):
        return data.replace("$$", "$")
    if isinstance(data, dict):
        return {k: unescape_dollars(v) for k, v in data.items()}
    if isinstance(data, list):
        return [unescape_dollars(v) for v in data]
    return data
