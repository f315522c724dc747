"""Explicit false and empty values hash as Compose hashes them, for every service key.

Compose hashes the JSON it prints, where a key that is false, "", [] or {} is left out
(Go's ``omitempty``) unless compose-go holds it in a pointer or a struct. A tool that
hashes ``tty: false`` or ``dns: []`` otherwise recreates the other tool's containers on
every ``up``. The keys and their JSON types come from the Compose Specification's schema,
so a key added there is checked here too. The oracle is the real Compose binary.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_oracle import CORPUS, clean_environ, compose_binary

from dockdjango.compose import load_project
from dockdjango.compose.confighash import service_hash

SCHEMA = CORPUS / "compose-spec" / "schema" / "compose-spec.json"
ZERO: dict[str, Any] = {
    "boolean": False,
    "string": "",
    "array": [],
    "object": {},
    "integer": 0,
    "number": 0,
}
#: (key, JSON type) whose zero value Compose v2.40.3 refuses (an empty number, size,
#: duration, boolean, file name, or a required sub-key missing): nothing to hash.
REFUSED_BY_COMPOSE = {
    *[
        (key, "string")
        for key in (
            "attach cgroup container_name cpu_count cpu_percent cpu_period cpu_quota "
            "cpu_rt_period cpu_rt_runtime cpu_shares cpus env_file extends gpus image init "
            "label_file mem_limit mem_reservation mem_swappiness memswap_limit "
            "oom_kill_disable oom_score_adj pids_limit privileged pull_policy read_only "
            "scale shm_size stdin_open stop_grace_period tty"
        ).split()
    ],
    ("extends", "object"),
    ("provider", "object"),
}


def _types(node: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
    """The JSON types a schema node allows, through ``$ref``, ``oneOf`` and ``anyOf``."""
    if "$ref" in node:
        return _types(definitions[node["$ref"].rsplit("/", 1)[1]], definitions)
    kind = node.get("type")
    found = {kind} if isinstance(kind, str) else set(kind or ())
    for alternative in [*node.get("oneOf", ()), *node.get("anyOf", ())]:
        found |= _types(alternative, definitions)
    return found


def _zero_cases() -> dict[str, tuple[str, Any]]:
    """Service name -> (key, zero value), one per key and JSON type of the schema."""
    schema = json.loads(SCHEMA.read_text())
    definitions = schema["definitions"]
    cases = {}
    for key, node in sorted(definitions["service"]["properties"].items()):
        for kind in sorted(_types(node, definitions) & set(ZERO)):
            if (key, kind) not in REFUSED_BY_COMPOSE:
                cases[f"{key.replace('_', '-')}-{kind}"] = (key, ZERO[kind])
    return cases


def test_explicit_false_and_empty_values_hash_as_compose(tmp_path: Path) -> None:
    binary = compose_binary()
    if binary is None or not SCHEMA.exists():
        pytest.skip("needs the Compose binary and the Compose Specification's schema")
    cases = _zero_cases()
    assert len(cases) > 60  # every service key, not a sample
    services = {name: {"image": "x", key: value} for name, (key, value) in cases.items()}
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump({"name": "ddtest-zero", "services": services}))
    theirs = _compose_hashes(binary, path)
    ours = _our_hashes(path)
    differ = sorted(f"{cases[n][0]}: {cases[n][1]!r}" for n in cases if ours[n] != theirs[n])
    assert differ == []
    assert set(ours) == set(theirs) == set(cases)


# Zero values inside the structs of a service: left out by Compose except where the field
# is itself a struct (``bind: {}``, ``placement: {}``) or a map entry (``A: ""``).
NESTED = """
name: ddtest-zero
services:
  health:
    image: x
    healthcheck: {test: ["CMD", "true"], disable: false, retries: 0}
  health-empty:
    image: x
    healthcheck: {disable: false}
  ports:
    image: x
    ports: [{target: 80, protocol: "", mode: "", app_protocol: "", name: ""}]
  mounts:
    image: x
    volumes:
      - {type: volume, source: data, target: /d, read_only: false,
         volume: {nocopy: false, subpath: ""}}
      - {type: bind, source: /tmp, target: /t, read_only: false,
         bind: {create_host_path: false, propagation: ""}}
      - {type: tmpfs, target: /r, tmpfs: {size: 0}}
  logging:
    image: x
    logging: {driver: "", options: {}}
  deploy:
    image: x
    deploy: {labels: {}, resources: {limits: {}, reservations: {}}, placement: {constraints: []}}
  networks:
    image: x
    networks:
      default: {aliases: [], ipv4_address: "", ipv6_address: "", link_local_ips: [],
                priority: 0, driver_opts: {}}
  maps:
    image: x
    environment: {A: ""}
    labels: {a: ""}
  secrets:
    image: x
    secrets: [{source: s, target: ""}]
volumes: {data: {}}
secrets: {s: {file: ./compose.yaml}}
"""


def test_zero_values_inside_structs_hash_as_compose(tmp_path: Path) -> None:
    binary = compose_binary()
    if binary is None:
        pytest.skip("needs the Compose binary")
    path = tmp_path / "compose.yaml"
    path.write_text(NESTED)
    assert _our_hashes(path) == _compose_hashes(binary, path)


def _compose_hashes(binary: str, path: Path) -> dict[str, str]:
    """``docker-compose config --hash '*'``: service -> hash (the file must be accepted)."""
    proc = subprocess.run(
        [binary, "-f", str(path), "config", "--hash", "*"],
        cwd=path.parent,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(line.split() for line in proc.stdout.splitlines())


def _our_hashes(path: Path) -> dict[str, str]:
    project = load_project([str(path)], project_name="ddtest-zero")
    return {name: service_hash(svc) for name, svc in project.services.items()}
