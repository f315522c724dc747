"""The parse stage: YAML to a plain tree whose containers remember where each entry came from.

Mappings become `Tree` (a dict) and sequences `Seq` (a list); each records the `Origin`
(file, line) of itself and of every entry, so any later stage can raise a `SpecError`
that says ``compose.yaml:14: services.web.ports[0]: ...`` even after merging files.
Scalars stay plain Python values. Anchors, aliases and ``<<`` merge keys are resolved by
the YAML loader; Compose's ``!reset`` and ``!override`` tags are recorded on the parent.
"""

from __future__ import annotations

import os
import re
from typing import Any, NamedTuple

import yaml

from dockdjango.errors import SpecError

try:  # the C parser is several times faster; the constructor stays ours either way
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader


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


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader building `Tree`/`Seq` with origins; one instance per document."""

    display_name = "<string>"

    def _origin(self, node: yaml.Node) -> Origin:
        return Origin(self.display_name, node.start_mark.line + 1)

    def construct_tree(self, node: yaml.MappingNode) -> Tree:
        tree = Tree(origin=self._origin(node))
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self._key(key_node)
            if key in seen:  # keys merged in with `<<` may be overridden; written ones not
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} already defined", key_node.start_mark
                )
            seen.add(key)
        self.flatten_mapping(node)  # resolves `<<: *anchor` merge keys, as Compose does
        for key_node, value_node in node.value:
            key = self._key(key_node)
            tree[key] = self.construct_object(value_node, deep=True)
            tree.origins[key] = self._origin(key_node)
            if value_node.tag == "!reset":
                tree.resets.add(key)
            elif value_node.tag == "!override":
                tree.overrides.add(key)
        return tree

    def _key(self, node: yaml.Node) -> str:
        """Compose allows only string keys: ``123:`` or ``true:`` is an error, as there."""
        if not isinstance(node, yaml.ScalarNode) or node.tag in _NON_STRING_TAGS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"non-string key {getattr(node, 'value', '?')!r} (quote it to make it a string)",
                node.start_mark,
            )
        return str(node.value)

    def construct_seq(self, node: yaml.SequenceNode) -> Seq:
        seq = Seq(origin=self._origin(node))
        for item in node.value:
            seq.append(self.construct_object(item, deep=True))
            seq.origins.append(self._origin(item))
        return seq

    def construct_tagged(self, node: yaml.Node) -> Any:
        """``!reset`` / ``!override``: the value as if untagged (the parent records the tag)."""
        if isinstance(node, yaml.MappingNode):
            return self.construct_tree(node)
        if isinstance(node, yaml.SequenceNode):
            return self.construct_seq(node)
        if node.tag == "!reset":
            return None
        return self.construct_scalar(node)  # type: ignore[arg-type]


_NON_STRING_TAGS = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
# YAML 1.2, as Compose reads it: only true/false are booleans (`yes`, `on` stay strings).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_tree)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_seq)
_Loader.add_constructor("!reset", _Loader.construct_tagged)
_Loader.add_constructor("!override", _Loader.construct_tagged)
# Compose (YAML 1.2 core schema) reads dates and timestamps as strings, not datetimes.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _BaseLoader.construct_yaml_str)


def parse_text(text: str, display_name: str) -> Tree:
    """Parse one compose document; an empty document is an empty mapping."""
    loader = _Loader(text)
    loader.display_name = display_name
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(
            f"invalid YAML: {problem}",
            file=display_name,
            line=line,
            hint="check indentation and quoting near that line",
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", file=display_name) from None
    finally:
        loader.dispose()
    if data is None:
        raise SpecError(
            "the file is empty",
            file=display_name,
            hint="a compose file needs at least `services:`",
        )
    if not isinstance(data, Tree):
        raise SpecError(
            f"the top level must be a mapping, not {type_name(data)}",
            file=display_name,
            line=1,
            hint="a compose file starts with keys like `services:`",
        )
    return data


def parse_file(path: str) -> Tree:
    """Read and parse the compose file at ``path`` (absolute)."""
    shown = display_path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise SpecError(
            "file not found", file=shown, hint="check the -f path or run from the project"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read file: {exc}", file=shown) from None
    return parse_text(text, shown)


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
