"""Health gates by exec: dockdjango runs a container's healthcheck itself, as the daemon does.

The pure part (which command, which timeout) runs without a daemon; the rest on the real
engine: a gate opens long before the engine's first check, the engine then agrees, a test
that passes too late or as the wrong user is no pass, and an engine that never runs the
check (simulated by an interval of an hour) still gets its gate.
"""

from __future__ import annotations

import time

import pytest

from dockdjango.api.stack.stack import Stack
from dockdjango.engine.probes import (
    DEFAULT_TIMEOUT,
    probe_command,
    probe_timeout,
    run_probe,
)
from dockdjango.engine.project.lifecycle import down
from dockdjango.errors import ServiceError

IMAGE = "dockdjango/python:3.11-bookworm"


def _inspect(test: list[str] | None, **config: object) -> dict[str, object]:
    health = {"Test": test} if test is not None else None
    return {"Id": "x", "Config": {"Healthcheck": health, **config}, "State": {}}


def test_the_command_is_the_daemons():
    assert probe_command(_inspect(["CMD", "pg_isready", "-U", "app"])) == [
        "pg_isready",
        "-U",
        "app",
    ]
    assert probe_command(_inspect(["CMD-SHELL", "curl -f localhost"])) == [
        "/bin/sh",
        "-c",
        "curl -f localhost",
    ]
    # CMD-SHELL goes through the container's own SHELL when its image sets one
    shell = _inspect(["CMD-SHELL", "exit 0"], Shell=["/bin/bash", "-o", "pipefail", "-c"])
    assert probe_command(shell) == ["/bin/bash", "-o", "pipefail", "-c", "exit 0"]
    # nothing to run: no healthcheck, a disabled one, or an empty test
    assert probe_command(_inspect(None)) is None
    assert probe_command(_inspect(["NONE"])) is None
    assert probe_command(_inspect(["CMD"])) is None


def test_the_timeout_is_the_daemons():
    assert probe_timeout({"Config": {"Healthcheck": {"Timeout": 1_500_000_000}}}) == 1.5
    assert probe_timeout({"Config": {"Healthcheck": {"Timeout": 0}}}) == DEFAULT_TIMEOUT
    assert probe_timeout({"Config": {}}) == DEFAULT_TIMEOUT


def _stack(tmp_path, engine, name: str, services: str) -> Stack:
    (tmp_path / "compose.yaml").write_text(f"name: {name}\nservices:{services}")
    return Stack.load(tmp_path / "compose.yaml", client=engine)


@pytest.fixture
def cleanup(engine, unique_name):
    yield
    down(engine, unique_name, volumes=True)


# db is ready 1 s after it starts; the engine first checks it after its interval
GATED = f"""
  db:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: {{interval}}
      retries: 3
  web:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
    depends_on:
      db: {{{{condition: service_healthy}}}}
"""


@pytest.mark.engine
def test_the_gate_opens_at_the_first_pass_and_the_engine_agrees(
    engine, base_image, unique_name, tmp_path, cleanup
):
    stack = _stack(tmp_path, engine, unique_name, GATED.format(interval="6s"))
    events = []
    stack.up(timeout=60, on_progress=events.append)
    health = engine.api.inspect_container(f"{unique_name}-db-1")["State"]["Health"]
    db_started = _started(engine, f"{unique_name}-db-1")
    # web started before the engine's first check of db (6 s after db started): the gate
    # was opened by dockdjango's own run of the test, once db was ready (1 s after start)
    web_started = _started(engine, f"{unique_name}-web-1")
    assert db_started + 1 <= web_started < db_started + 6, (db_started, web_started)
    healthy = [e for e in events if e.action == "healthy" and e.name.endswith("db-1")]
    assert healthy
    if health["Status"] == "starting":  # up said so: the check was its own
        assert healthy[0].detail == "healthcheck run by dockdjango"
    # the daemon's own check, at its interval, says the same: no false "healthy"
    deadline = time.monotonic() + 20
    while health["Status"] == "starting" and time.monotonic() < deadline:
        time.sleep(0.2)
        health = engine.api.inspect_container(f"{unique_name}-db-1")["State"]["Health"]
    assert health["Status"] == "healthy", health


def _started(engine, name: str) -> float:
    """When a container started, in seconds since the epoch (the engine's clock)."""
    from datetime import datetime

    text = engine.api.inspect_container(name)["State"]["StartedAt"]
    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00").timestamp()


@pytest.mark.engine
def test_an_engine_that_never_checks_still_gates(
    engine, base_image, unique_name, tmp_path, cleanup
):
    # an hour's interval: the engine runs no check during the test, as Podman without
    # systemd runs none at all; the gate opens on dockdjango's probes alone
    stack = _stack(tmp_path, engine, unique_name, GATED.format(interval="1h"))
    result = stack.up(timeout=60)
    assert result.services["web"] == ("created", "new")
    db = engine.api.inspect_container(f"{unique_name}-db-1")
    assert db["State"]["Health"]["Log"] in (None, [])


@pytest.mark.engine
def test_a_pass_too_late_or_never_is_no_pass(engine, base_image, unique_name, tmp_path, cleanup):
    stack = _stack(
        tmp_path,
        engine,
        unique_name,
        f"""
  slow:
    image: {IMAGE}
    init: true
    user: "1000"
    working_dir: /tmp
    environment: {{PROBE_WANTS: here}}
    command: ["sleep", "1000000"]
    healthcheck:
      test: ["CMD-SHELL", "sleep 2; exit 0"]
      timeout: 1s
      interval: 1h
""",
    )
    with pytest.raises(ServiceError) as err:
        stack.up(timeout=4)
    # exit 0, but after its 1 s timeout: the daemon counts that as a failure, and so do we
    assert str(err.value).startswith("service slow did not become healthy in time"), err.value
    assert "exceeded timeout" in str(err.value)
    # the probe runs as the daemon's does: the container's user, directory and environment
    slow = engine.api.inspect_container(f"{unique_name}-slow-1")
    check = 'test "$(id -u)" = 1000 && test "$PWD" = /tmp && test "$PROBE_WANTS" = here'
    slow["Config"]["Healthcheck"]["Test"] = ["CMD-SHELL", check]
    passed = run_probe(engine, slow)
    assert passed is not None and passed.passed, passed
    slow["Config"]["Healthcheck"]["Test"] = ["CMD-SHELL", "echo as $(id -u); exit 3"]
    failed = run_probe(engine, slow)
    assert failed is not None and failed.exit_code == 3 and failed.summary() == "exit 3: as 1000"
