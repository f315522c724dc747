"""The loader's tree: containers that remember where each entry came from.

Mappings are `Tree` (a dict) and sequences `Seq` (a list); each records the `Origin`
(file, line) of itself and of every entry, so any stage can raise a `SpecError` that
says ``compose.yaml:14: services.web.ports[0]: ...`` even after merging files. Scalars
are plain Python values. Compose's ``!reset`` and ``!override`` tags are recorded on the
parent. `dockdjango.compose.loader.parse` builds these from YAML.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from dockdjango.errors import SpecError


class Origin(NamedTuple):
    """Where a node was written: a file as the user named it, and a 1-based line."""

    file: str
    line: int


class Tree(dict[Any, Any]):
    """A mapping that knows its own origin and each key's origin (and reset/override tags)."""

    __slots__ = ("origin", "origins", "resets", "overrides")

    def __init__(self, *args: Any, origin: Origin | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origin = origin
        self.origins: dict[Any, Origin] = {}
        self.resets: set[Any] = set()
        self.overrides: set[Any] = set()

    def where(self, key: Any) -> Origin | None:
        """Origin of ``key``'s value, falling back to this mapping's own origin."""
        return self.origins.get(key, self.origin)


class Seq(list[Any]):
    """A sequence that knows its own origin and each item's origin."""

    __slots__ = ("origin", "origins")

    def __init__(self, *args: Any, origin: Origin | None = None) -> None:
        super().__init__(*args)
        self.origin = origin
        self.origins: list[Origin | None] = []

    def where(self, index: int) -> Origin | None:
        """Origin of item ``index``, falling back to this sequence's own origin."""
        if 0 <= index < len(self.origins) and self.origins[index] is not None:
            return self.origins[index]
        return self.origin


def copy_tree(value: Any) -> Any:
    """A deep copy of ``value`` that keeps origins and tags and shares no container with it,
    so a stage may change the copy without changing any other part of the document."""
    if isinstance(value, Tree):
        tree = Tree(((k, copy_tree(v)) for k, v in value.items()), origin=value.origin)
        tree.origins = dict(value.origins)
        tree.resets, tree.overrides = set(value.resets), set(value.overrides)
        return tree
    if isinstance(value, Seq):
        seq = Seq((copy_tree(v) for v in value), origin=value.origin)
        seq.origins = list(value.origins)
        return seq
    if isinstance(value, dict):
        return {k: copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_tree(v) for v in value]
    return value


def where(container: Any, key: Any = None) -> Origin | None:
    """Best known origin of ``container[key]`` (or of the container when key is None)."""
    if isinstance(container, Tree | Seq):
        return container.origin if key is None else container.where(key)
    return None


def spec_error(
    message: str, origin: Origin | None, path: str, *, hint: str | None = None
) -> SpecError:
    """A `SpecError` at ``origin`` for the dotted ``path``."""
    return SpecError(
        message,
        file=origin.file if origin else None,
        line=origin.line if origin else None,
        path=path or None,
        hint=hint,
    )


def display_path(path: str) -> str:
    """A file path as we show it: relative to the current directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return path
    return path if rel.startswith("..") else rel


def type_name(value: Any) -> str:
    """A YAML-ish name for the type of ``value``, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
