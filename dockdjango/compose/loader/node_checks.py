"""The parse stage's checks of a document's node graph, before any value is built: an
alias may not point into its own anchor (a cycle), nesting is at most `MAX_DEPTH` deep,
the document with every alias expanded holds at most `MAX_VALUES` values (so a "billion
laughs" alias bomb fails in milliseconds instead of filling memory), and no mapping
writes a key twice.
"""

from __future__ import annotations

from typing import Any

import yaml

from dockdjango.errors import SpecError

#: The most values a document may hold with its aliases expanded (the largest compose
#: file in our corpus of real ones has about 600).
MAX_VALUES = 100_000
#: The deepest nesting of mappings and lists a document may have (real files: about 10).
MAX_DEPTH = 100
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_graph(root: yaml.Node, display_name: str) -> None:
    """No alias cycle, bounded depth and expanded size, no key written twice in a mapping.
    Most documents are trees (no alias), checked in one quick pass; one with an alias, or
    past a limit, takes the full pass, which finds and words every error."""
    mappings: list[yaml.MappingNode] = []
    if _plain_tree_within_limits(root, mappings):
        for node in mappings:
            _check_duplicate_keys(node, display_name)
        return
    _check_aliased_graph(root, display_name)


def _plain_tree_within_limits(root: yaml.Node, mappings: list[yaml.MappingNode]) -> bool:
    """No node reached twice (no alias), within the limits; ``mappings`` gets the mappings
    in the full pass's visiting order (so the first duplicate key found is the same)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if id(node) in seen or level > MAX_DEPTH or len(seen) >= MAX_VALUES:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            mappings.append(node)
            stack.extend((child, level + 1) for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, level + 1) for child in node.value)
    return True


def _check_aliased_graph(root: yaml.Node, display_name: str) -> None:
    """One pass over the node graph (each node once, however often aliased), computing
    every node's size with its aliases expanded."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]

    def fail(node: yaml.Node, message: str, hint: str) -> SpecError:
        return SpecError(message, file=display_name, line=node.start_mark.line + 1, hint=hint)

    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_VALUES:
                raise fail(
                    node,
                    f"with its aliases expanded, this holds more than {MAX_VALUES:,} values",
                    "a YAML alias bomb? Write the values out, or alias fewer times",
                )
            if depth[key] > MAX_DEPTH:
                raise fail(
                    node,
                    f"mappings and lists are nested more than {MAX_DEPTH} levels deep here",
                    "flatten the structure",
                )
            continue
        if key in size:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node, display_name)
        for child in _children(node):
            if id(child) in open_nodes:
                raise fail(
                    node,
                    "an alias refers to the anchor that contains it (a cycle)",
                    "an alias can only repeat a value defined before and outside it",
                )
            if id(child) not in size:
                stack.append((child, False))


def _check_duplicate_keys(node: yaml.MappingNode, display_name: str) -> None:
    """Keys written twice in one mapping are an error (keys merged in with `<<` may be
    overridden)."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue
        if key_node.value in seen:
            raise SpecError(
                f"invalid YAML: mapping key {key_node.value!r} already defined",
                file=display_name,
                line=key_node.start_mark.line + 1,
                hint="remove one of the two entries",
            )
        seen.add(key_node.value)
