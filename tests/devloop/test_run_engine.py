"""``Stack.run`` on the real engine: one-off containers as Compose makes them."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest
import requests

from dockdjango.api.stack.stack import Stack
from dockdjango.engine import labels as L
from tests.stacks import IMAGE

from .ptyrun import Terminal

pytestmark = pytest.mark.engine


COMPOSE = f"""
services:
  db:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec python3 -m http.server 8000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 250ms
      retries: 100
  web:
    image: {IMAGE}
    init: true
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1::8000"]
    restart: unless-stopped
    environment:
      GREETING: hello
    depends_on:
      db: {{condition: service_healthy}}
"""


def serving(url: str, timeout: float = 300.0) -> bool:
    """True once ``url`` answers 200 (the server may still be starting; the timeout is a
    hang guard)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    return False


def oneoffs(engine, project: str) -> list[dict]:
    return engine.api.containers(
        all=True, filters={"label": [f"{L.PROJECT}={project}", f"{L.ONEOFF}=True"]}
    )


def test_run_starts_healthy_deps_passes_exit_code_and_rm_leaves_nothing(
    project_dir, engine, unique_name
):
    stack = Stack.load(project_dir(COMPOSE) / "compose.yaml", client=engine)
    probe = (
        "import os, socket, sys, urllib.request as u;"
        "print(os.environ['GREETING'], os.environ['EXTRA']);"
        "print(u.urlopen('http://db:8000/', timeout=5).status);"
        "sys.exit(7)"
    )
    result = stack.run("web", ["python3", "-c", probe], environment={"EXTRA": "x"}, remove=True)
    assert result.exit_code == 7
    assert result.stdout.splitlines() == ["hello x", "200"]  # db was up and answering
    db = engine.api.inspect_container(f"{unique_name}-db-1")
    assert db["State"]["Health"]["Status"] == "healthy"
    assert oneoffs(engine, unique_name) == []  # --rm: nothing left
    # the service itself was not started: run starts dependencies only
    assert stack.ps("web") == []


def test_run_without_rm_is_a_compose_one_off(project_dir, engine, unique_name):
    stack = Stack.load(project_dir(COMPOSE) / "compose.yaml", client=engine)
    stack.up("web")
    result = stack.run("web", "sh -c 'echo out; echo err >&2; exit 3'", remove=False, deps=False)
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    (found,) = oneoffs(engine, unique_name)
    data = engine.api.inspect_container(found["Id"])
    labels = data["Config"]["Labels"]
    assert data["Name"] == f"/{result.container}"
    assert result.container.startswith(f"{unique_name}-web-run-")
    assert labels[L.SERVICE] == "web" and len(labels["com.docker.compose.slug"]) == 64
    assert L.CONTAINER_NUMBER not in labels
    assert data["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")
    assert not data["HostConfig"]["PortBindings"]  # ports are the service's, not the run's
    aliases = next(iter(data["NetworkSettings"]["Networks"].values()))["Aliases"]
    assert "web" not in aliases  # the one-off never answers for the service
    # ... and the real web still does, on its published port
    host, port = stack.port("web", 8000)
    assert serving(f"http://{host}:{port}/")
    # Compose's own `ps` does not list it as a service container either
    assert [r.name for r in stack.ps()] == [f"{unique_name}-db-1", f"{unique_name}-web-1"]


def test_run_feeds_stdin_and_closes_it(project_dir, engine):
    stack = Stack.load(project_dir(COMPOSE) / "compose.yaml", client=engine)
    result = stack.run(
        "web",
        ["python3", "-c", "import sys; print(sys.stdin.read().upper())"],
        stdin=b"line one\nline two\n",
        deps=False,
    )
    assert result.exit_code == 0
    assert result.stdout == "LINE ONE\nLINE TWO\n\n"


def test_pdb_driven_through_run_with_a_tty(project_dir, engine, unique_name):
    root = project_dir(COMPOSE)
    script = textwrap.dedent(
        f"""
        from dockdjango.api.stack.stack import Stack
        stack = Stack.load({str(root / "compose.yaml")!r})
        code = "x = 41\\nbreakpoint()\\nprint('answer', x + 1)\\n"
        raise SystemExit(stack.run("web", ["python3", "-c", code], tty=True, deps=False).exit_code)
        """
    )
    term = Terminal([sys.executable, "-c", script])
    try:
        term.expect("(Pdb)", timeout=300)
        term.send("p x * 2\r")
        term.expect("82")
        term.send("x = 1\r")
        term.send("c\r")
        term.expect("answer 2")
        assert term.wait() == 0
    finally:
        term.close()
    assert oneoffs(engine, unique_name) == []
