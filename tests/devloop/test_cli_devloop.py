"""The daily loop through the real CLI (``python -m dockdjango``, a process each), on the
real engine: attached ``up`` and its two Ctrl-Cs, ``run --rm``, ``watch``, pdb in ``run``,
and Compose's global options before the command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dockdjango.api.stack.stack import Stack
from dockdjango.engine import labels as L
from tests.stacks import IMAGE

from .ptyrun import Terminal

pytestmark = pytest.mark.engine

PY = sys.executable

TWO = f"""
services:
  db:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "echo db says hello; exec sleep 1000000"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 250ms
  web:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "i=0; while true; do i=$$((i+1)); echo web line $$i; sleep 0.2; done"]
    depends_on:
      db: {{condition: service_healthy}}
"""


class Background:
    """``python -m dockdjango ARGS`` in its own process group, output collected."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [PY, "-m", "dockdjango", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as a shell gives a job
            env={**os.environ, "CI": "1"},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _read(stream, sink: list[str]) -> None:
        for raw in iter(stream.readline, b""):
            sink.append(raw.decode("utf-8", "replace").rstrip("\n"))

    # Hang guards, not speed checks: generous, so a loaded machine does not fail them.
    def wait_for(self, check, timeout: float = 300.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.proc.poll() is not None and not check():
                break
            time.sleep(0.05)
        raise AssertionError(
            f"no {what}; exit={self.proc.poll()}\nstdout:\n"
            + "\n".join(self.out[-30:])
            + "\nstderr:\n"
            + "\n".join(self.err[-30:])
        )

    def interrupt(self) -> None:
        """Ctrl-C at a terminal: SIGINT to the whole foreground process group."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def terminate(self) -> None:
        """What a process manager sends: SIGTERM to the process alone."""
        self.proc.send_signal(signal.SIGTERM)

    def finish(self, timeout: float = 300.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def background():
    started: list[Background] = []

    def start(args: list[str], cwd: Path) -> Background:
        started.append(Background(args, cwd))
        return started[-1]

    yield start
    for b in started:
        if b.proc.poll() is None:
            os.killpg(b.proc.pid, signal.SIGKILL)
            b.proc.wait()


def cli(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "dockdjango", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=300,
        env={**os.environ, "CI": "1"},
    )


def states(engine, project: str) -> dict[str, str]:
    found = engine.api.containers(all=True, filters=L.project_filter(project))
    return {c["Names"][0].lstrip("/"): c["State"] for c in found}


def exit_codes(engine, project: str) -> dict[str, int]:
    found = engine.api.containers(all=True, filters=L.project_filter(project))
    return {
        c["Names"][0].lstrip("/"): engine.api.inspect_container(c["Id"])["State"]["ExitCode"]
        for c in found
    }


def test_attached_up_streams_every_service_and_ctrl_c_stops_the_stack(
    project_dir, engine, unique_name, background
):
    root = project_dir(TWO)
    up = background(["up"], root)
    up.wait_for(lambda: any(line.startswith("db-1") for line in up.out), what="db output")
    up.wait_for(lambda: sum("web line" in line for line in up.out) >= 3, what="web output")
    assert "db-1   | db says hello" in up.out  # prefixed, padded to the longest name
    assert "web-1  | web line 1" in up.out  # from its first line
    assert states(engine, unique_name) == {
        f"{unique_name}-db-1": "running",
        f"{unique_name}-web-1": "running",
    }
    up.interrupt()
    assert up.finish() == 130
    assert any("Gracefully stopping" in line for line in up.err)
    assert set(states(engine, unique_name).values()) == {"exited"}
    # stopped by the signal (init passes SIGTERM on), not killed (137) when the stop
    # timeout ran out
    codes = exit_codes(engine, unique_name)
    assert len(codes) == 2 and 137 not in codes.values(), codes
    assert "Traceback" not in "\n".join(up.err)


def test_sigterm_stops_the_attached_stack_and_exits_143(
    project_dir, engine, unique_name, background
):
    root = project_dir(TWO)
    up = background(["up"], root)
    up.wait_for(lambda: sum("web line" in line for line in up.out) >= 2, what="web output")
    up.terminate()
    assert up.finish() == 143
    assert any("Gracefully stopping" in line for line in up.err)
    assert set(states(engine, unique_name).values()) == {"exited"}
    assert "Traceback" not in "\n".join(up.err)


STUBBORN = "; ".join(
    [
        "import signal, time",
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
        "print('ignoring TERM', flush=True)",
        "time.sleep(1e6)",
    ]
)


def test_second_ctrl_c_kills(project_dir, engine, unique_name, background):
    stubborn = f"""
services:
  stubborn:
    image: {IMAGE}
    stop_grace_period: 1h
    command: ["python3", "-c", "{STUBBORN}"]
"""
    up = background(["up"], project_dir(stubborn))
    up.wait_for(lambda: any("ignoring TERM" in line for line in up.out), what="start")
    up.interrupt()
    up.wait_for(lambda: any("Gracefully stopping" in line for line in up.err), what="first ^C")
    time.sleep(1)
    up.interrupt()
    # the grace period is an hour: only the kill can end it within the hang guard
    assert up.finish() == 130
    assert any("exited with code 137" in line for line in up.out)


def test_run_rm_returns_the_exit_code_and_leaves_no_container(project_dir, engine, unique_name):
    root = project_dir(TWO)
    done = cli("run", "--rm", "web", "sh", "-c", "echo out; echo err >&2; exit 5", cwd=root)
    assert done.returncode == 5, done.stderr
    assert done.stdout == b"out\n"
    assert b"err\n" in done.stderr
    # its dependency was started for it and is still running; no one-off container is left
    assert states(engine, unique_name) == {f"{unique_name}-db-1": "running"}
    piped = cli("run", "--rm", "--no-deps", "-T", "web", "wc", "-l", cwd=root, stdin=b"a\nb\nc\n")
    assert (piped.returncode, piped.stdout.strip()) == (0, b"3")


def test_pdb_driven_through_run(project_dir, engine, unique_name):
    root = project_dir(TWO)
    code = "x = 41\nbreakpoint()\nprint('answer', x + 1)\n"
    term = Terminal(
        [PY, "-m", "dockdjango", "run", "--rm", "web", "python3", "-c", code], cwd=str(root)
    )
    try:
        term.expect("(Pdb)", timeout=300)
        term.send("p x + 1\r")
        term.expect("42")
        term.send("x = 99\r")
        term.send("c\r")
        term.expect("answer 100")
        assert term.wait() == 0
    finally:
        term.close()
    assert f"{unique_name}-web-run" not in " ".join(states(engine, unique_name))


WATCHED = """
services:
  app:
    build: .
    init: true
    command: ["sleep", "infinity"]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /srv/src
        - action: rebuild
          path: requirements.txt
"""


def test_watch_syncs_an_edit_a_delete_and_rebuilds_on_requirements(
    project_dir, engine, unique_name, background
):
    root = project_dir(
        WATCHED,
        {
            "Dockerfile": f"FROM {IMAGE}\nCOPY requirements.txt /srv/requirements.txt\n"
            "COPY src /srv/src\n",
            "requirements.txt": "django==5.2\n",
            "src/views.py": "v = 1\n",
            "src/old.py": "gone soon\n",
        },
    )
    watch = background(["watch"], root)
    watch.wait_for(lambda: any("watching" in line for line in watch.err), what="watching")
    stack = Stack.load(root / "compose.yaml", client=engine)
    first = stack.container_id("app")

    def content(path: str) -> str | None:
        out = stack.exec("app", ["cat", path])
        return out.stdout if out.exit_code == 0 else None

    (root / "src" / "views.py").write_text("v = 2\n")
    watch.wait_for(lambda: content("/srv/src/views.py") == "v = 2\n", what="the edit synced")
    (root / "src" / "old.py").unlink()
    watch.wait_for(lambda: content("/srv/src/old.py") is None, what="the delete synced")
    (root / "requirements.txt").write_text("django==5.2.1\n")
    watch.wait_for(lambda: any("rebuilt" in line for line in watch.err), what="a rebuild")
    assert stack.container_id("app") != first
    assert content("/srv/requirements.txt") == "django==5.2.1\n"
    watch.interrupt()
    assert watch.finish() == 130
    # the watch ended; the stack keeps running, as with Compose
    assert states(engine, unique_name) == {f"{unique_name}-app-1": "running"}


def test_global_options_before_the_command(project_dir, engine, unique_name, tmp_path):
    root = project_dir(TWO)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = "ddtest-other"
    (elsewhere / "vars.env").write_text(f"COMPOSE_PROJECT_NAME={other}\n")
    up = cli("-f", str(root / "compose.yaml"), "-p", unique_name, "up", "-d", cwd=elsewhere)
    assert up.returncode == 0, up.stderr
    # after the command too, as Compose accepts; --env-file is read for interpolation
    ps = cli("ps", "--json", "-f", str(root / "compose.yaml"), "-p", unique_name, cwd=elsewhere)
    assert {r["service"] for r in json.loads(ps.stdout)} == {"db", "web"}
    name = cli("--env-file", "vars.env", "-f", str(root / "compose.yaml"), "config", cwd=elsewhere)
    assert name.returncode == 0, name.stderr
    assert f"name: {other}" in name.stdout.decode()
    refused = cli("-p", unique_name, "base", cwd=elsewhere)
    assert refused.returncode == 2 and b"takes no project options" in refused.stderr
