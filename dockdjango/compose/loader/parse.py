"""The parse stage: a compose file's bytes to a `Tree`, read as Compose's YAML library reads it.

- Bytes are decoded as Compose does: UTF-8 (a byte-order mark is skipped) or UTF-16 with a
  byte-order mark; anything else is an error naming the line of the first bad byte.
- Scalars follow `dockdjango.compose.loader.scalars` (YAML 1.2 as Compose reads it: ``yes`` is a
  string, ``017`` and ``0x1F`` are integers, ``1:20`` is text, a bare date is a timestamp).
- Before any value is built, the document's node graph is checked
  (:mod:`~dockdjango.compose.loader.node_checks`): no alias cycle, at most `MAX_DEPTH`
  deep, at most `MAX_VALUES` values with every alias expanded (a "billion laughs" alias
  bomb fails in milliseconds instead of filling memory), no key written twice.
- **Copy on alias**: every alias (and every ``<<: *anchor`` merge) gets its own copy of
  the anchored values, so no later stage can change one service by changing another, and
  nothing is interpolated or un-escaped twice.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import yaml

from dockdjango.compose.loader.node_checks import MAX_DEPTH, MAX_VALUES, check_graph
from dockdjango.compose.loader.scalars import Timestamp, parse_timestamp, resolve_plain
from dockdjango.compose.loader.tree import Origin, Seq, Tree, display_path, type_name
from dockdjango.errors import SpecError

__all__ = ["MAX_DEPTH", "MAX_VALUES", "decode", "parse_file", "parse_text", "read_compose_text"]

try:  # the C parser is several times faster; the constructor stays ours either way
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader

_PLAIN_TAG = "tag:dockdjango,2025:plain"  # a plain scalar that may be a number or a time
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader building `Tree`/`Seq` with origins; one instance per document."""

    display_name = "<string>"

    def _origin(self, node: yaml.Node) -> Origin:
        return Origin(self.display_name, node.start_mark.line + 1)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Copy on alias: a node reached again through an alias is built anew."""
        self.constructed_objects.pop(node, None)
        return super().construct_object(node, deep=True)

    def construct_tree(self, node: yaml.MappingNode) -> Tree:
        tree = Tree(origin=self._origin(node))
        self.flatten_mapping(node)  # `<<: *anchor` merges (duplicates were checked before)
        for key_node, value_node in node.value:
            key = self._key(key_node)
            tree[key] = self.construct_object(value_node)  # written keys win over merged
            tree.origins[key] = self._origin(key_node)
            tree.resets.discard(key)
            tree.overrides.discard(key)
            if value_node.tag == "!reset":
                tree.resets.add(key)
            elif value_node.tag == "!override":
                tree.overrides.add(key)
        return tree

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Resolve ``<<`` merge keys in ``node``: keys written here win, then the merge
        sources in the order listed (YAML's rule, and Compose's; PyYAML lets the last win)."""
        sources: list[list[tuple[yaml.Node, yaml.Node]]] = []
        own = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node))
                continue
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in items:
                if not isinstance(source, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"`<<` merges a mapping or a list of mappings, not {source.id}",
                        source.start_mark,
                    )
                self.flatten_mapping(source)
                sources.append(source.value)
        node.value = [pair for pairs in reversed(sources) for pair in pairs] + own

    def _key(self, node: yaml.Node) -> str:
        """Compose allows only string keys: ``123:`` or ``true:`` is an error, as there."""
        value = self.construct_object(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"non-string key {getattr(node, 'value', '?')!r} (quote it to make it a string)",
                node.start_mark,
            )
        return value

    def construct_seq(self, node: yaml.SequenceNode) -> Seq:
        seq = Seq(origin=self._origin(node))
        for item in node.value:
            seq.append(self.construct_object(item))
            seq.origins.append(self._origin(item))
        return seq

    def construct_plain(self, node: yaml.ScalarNode) -> Any:
        """A plain scalar starting like a number: a timestamp, a number, or else text."""
        text = str(node.value)
        return parse_timestamp(text) or resolve_plain(text)

    def construct_tagged(self, node: yaml.Node) -> Any:
        """``!reset`` / ``!override``: the value as if untagged (the parent records the tag)."""
        if isinstance(node, yaml.MappingNode):
            return self.construct_tree(node)
        if isinstance(node, yaml.SequenceNode):
            return self.construct_seq(node)
        if node.tag == "!reset" or not isinstance(node, yaml.ScalarNode):
            return None
        return self.construct_scalar(node)  # a tagged scalar is text, as in Compose


# YAML 1.2 as Compose reads it: only true/false are booleans (`yes`, `on` stay strings),
# numbers and timestamps follow `scalars`, `=` is a plain string.
_Loader.yaml_implicit_resolvers = {}
for _first, _resolvers in _BaseLoader.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag in (_NULL_TAG, _MERGE_TAG):
            _Loader.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, _regexp))
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(_PLAIN_TAG, re.compile(r"^[-+.0-9]"), list("-+.0123456789"))
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_tree)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_seq)
_Loader.add_constructor(_PLAIN_TAG, _Loader.construct_plain)
_Loader.add_constructor("!reset", _Loader.construct_tagged)
_Loader.add_constructor("!override", _Loader.construct_tagged)


def decode(data: bytes, display_name: str) -> str:
    """A compose file's text: UTF-8 (BOM skipped) or UTF-16 with a BOM, as Compose reads it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SpecError(
                "invalid UTF-16 text",
                file=display_name,
                hint="save the file as UTF-8",
            ) from None
    if b"\x00" in data:
        start = data.index(b"\x00")
        raise SpecError(
            "the file holds NUL bytes (UTF-16 text without a byte-order mark?)",
            file=display_name,
            line=data.count(b"\n", 0, start) + 1,
            hint="save the file as UTF-8",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise SpecError(
            f"not UTF-8 text: byte 0x{data[start]:02x} at column {column}",
            file=display_name,
            line=line,
            hint="save the file as UTF-8 (Compose reads UTF-8, or UTF-16 with a byte-order mark)",
        ) from None


def read_compose_text(path: str) -> str:
    """The text of the compose file at ``path``, decoded as `parse_file` decodes it."""
    shown = display_path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise SpecError(
            "file not found", file=shown, hint="check the -f path or run from the project"
        ) from None
    except OSError as exc:
        raise SpecError(
            f"cannot read file: {exc.strerror or exc}",
            file=shown,
            hint="check the path and its permissions",
        ) from None
    return decode(data, shown)


def parse_file(path: str) -> Tree:
    """Read and parse the compose file at ``path`` (absolute)."""
    return parse_text(read_compose_text(path), display_path(path))


def parse_text(text: str, display_name: str) -> Tree:
    """Parse one compose document; an empty document is an error, as in Compose."""
    loader = _Loader(text)
    loader.display_name = display_name
    try:
        node = loader.get_single_node()
        if node is not None:
            check_graph(node, display_name)
        data = loader.construct_document(node) if node is not None else None
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
    except yaml.reader.ReaderError as exc:
        line = _line_at(text, exc.position)
        raise SpecError(
            f"invalid YAML: character U+{exc.character:04X} is not allowed ({exc.reason})",
            file=display_name,
            line=line,
            hint="remove it, or write it as an escape inside double quotes",
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise SpecError(
            f"invalid YAML: {message}",
            file=display_name,
            line=1,
            hint="check indentation and quoting",
        ) from None
    finally:
        loader.dispose()
    if data is None or data == {}:  # Compose refuses `{}` as empty too
        raise SpecError(
            "the file is empty",
            file=display_name,
            line=1,
            hint="a compose file needs at least `services:`",
        )
    if isinstance(data, dict) and set(data) == {"version"}:  # Compose: "empty compose file"
        raise SpecError(
            "the file holds only `version`, so it is empty",
            file=display_name,
            line=getattr(data.where("version") if isinstance(data, Tree) else None, "line", 1),
            hint="a compose file needs at least `services:` (Compose ignores `version`)",
        )
    if not isinstance(data, Tree):
        raise SpecError(
            f"the top level must be a mapping, not {type_name(data)}",
            file=display_name,
            line=1,
            hint="a compose file starts with keys like `services:`",
        )
    return _dates(data, "", extension=False)


def _line_at(text: str, position: Any) -> int | None:
    """The line of a reader error's position (libyaml counts UTF-8 bytes, PyYAML characters)."""
    if not isinstance(position, int):
        return None
    if _BaseLoader is not yaml.SafeLoader:
        return text.encode("utf-8", "surrogatepass").count(b"\n", 0, position) + 1
    return text.count("\n", 0, position) + 1


def _dates(value: Tree | Seq, path: str, *, extension: bool) -> Any:
    """Unquoted dates: kept (as Compose prints them) under ``x-`` keys, an error elsewhere,
    as Compose's schema allows no timestamp outside extensions."""
    items: Any = value.items() if isinstance(value, Tree) else enumerate(value)
    for key, item in list(items):
        if isinstance(value, Tree):
            sub = f"{path}.{key}" if path else str(key)
            inside = extension or key.startswith("x-")
        else:
            sub, inside = f"{path}[{key}]", extension
        if isinstance(item, Timestamp):
            if not inside:
                _date_error(item, value.where(key), sub)
            value[key] = str(item)
        elif isinstance(item, Tree | Seq):
            _dates(item, sub, extension=inside)
    return value


def _date_error(item: Timestamp, origin: Origin | None, path: str) -> None:
    raise SpecError(
        f"{item.text} is read as a date, not text",
        file=origin.file if origin else None,
        line=origin.line if origin else None,
        path=path,
        hint=f'quote it: "{item.text}"',
    )
