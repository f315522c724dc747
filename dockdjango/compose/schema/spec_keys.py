"""The keys Compose allows, read from Compose's own JSON Schema instead of written by hand.

``compose_spec.json`` beside this module is the Compose Specification's schema exactly as
the Compose binary this project is tested against embeds it and validates every file
with (the Compose Specification is Apache-2.0, as dockdjango is;
``tests/compose/test_spec_schema.py`` fails when the binary's copy changes). The
validate+canonicalise stage takes from it which keys each section may hold -- the top
level, a service, ``build``, ``healthcheck``, ``deploy``, a mount, a network, a volume,
a secret or config reference -- and keeps its own checks of values, each with a message
and a hint. A key a newer schema adds is then known here too: a service key dockdjango
does not model yet is kept as written (and ``up`` says it does not apply it).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "compose_spec.json"


@functools.cache
def compose_schema() -> dict[str, Any]:
    """The schema, read once."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text))


def keys_of(*path: str) -> tuple[str, ...]:
    """The property names the schema allows at ``path`` (``"service"`` is
    ``definitions.service``; further names walk its properties, through ``$ref``s, the
    object alternative of a ``oneOf`` and an array's items; ``"*"`` is a map's values)."""
    schema = compose_schema()
    node: Any = schema if not path else schema["definitions"].get(path[0], schema)
    if node is schema and path:
        node = schema["properties"][path[0]]
    for name in path[1:]:
        node = _object(node)
        node = _values(node) if name == "*" else node["properties"][name]
    return tuple(_object(node).get("properties", {}))


def _object(node: Any) -> dict[str, Any]:
    """The object schema ``node`` stands for (its ``$ref``, its object alternative, the
    items of an array of objects)."""
    for _ in range(10):  # refs chain a few deep at most
        if "$ref" in node:
            node = _deref(node)
        elif "properties" not in node and any(k in node for k in ("oneOf", "anyOf")):
            choices = [_deref(c) for c in node.get("oneOf") or node.get("anyOf")]
            node = next((c for c in choices if _is_object(c)), choices[-1])
        elif node.get("type") == "array" and "items" in node:
            node = node["items"]
        else:
            break
    return dict(node)


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    """The definition a ``$ref`` names, or ``node`` itself."""
    if "$ref" not in node:
        return node
    return dict(compose_schema()["definitions"][node["$ref"].rsplit("/", 1)[1]])


def _is_object(node: dict[str, Any]) -> bool:
    return "properties" in node or "patternProperties" in node or node.get("type") == "object"


def _values(node: dict[str, Any]) -> Any:
    """The schema of a map's values (``patternProperties``, else ``additionalProperties``)."""
    patterns = node.get("patternProperties") or {}
    named = [v for k, v in patterns.items() if k != "^x-"]
    return named[0] if named else node.get("additionalProperties", {})
