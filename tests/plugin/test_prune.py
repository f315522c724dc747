"""Leftovers of killed sessions: a real pytest process killed with SIGKILL, then pruned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.plugin.conftest import BASE, inner_env, session_objects, web_compose

pytestmark = pytest.mark.engine

HOLDER = f"""
import os, time

def test_hold(dockdjango_stack, container, dockdjango_session):
    container("{BASE}", command=["sleep", "300"])
    with open(os.environ["READY_FILE"] + ".tmp", "w") as f:
        f.write(dockdjango_session.id)
    os.replace(os.environ["READY_FILE"] + ".tmp", os.environ["READY_FILE"])
    time.sleep(300)
"""


def start_holder(directory: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start an inner pytest session that holds a stack and a container; wait until it does."""
    ready = directory / f"{name}.ready"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_hold.py"],
        cwd=directory,
        env=inner_env(READY_FILE=str(ready)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600  # a hang guard, not a speed check
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the holder session did not start (exit {proc.returncode})")
        time.sleep(0.1)
    return proc, ready.read_text()


def prune_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", "prune", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def holder_dir(pytester: pytest.Pytester) -> Path:
    pytester.makefile(".yaml", compose=web_compose())
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    (pytester.path / "test_hold.py").write_text(HOLDER)
    return pytester.path


def test_a_sigkilled_sessions_containers_are_pruned_by_the_next_session(
    pytester: pytest.Pytester, holder_dir: Path, engine, base_image
) -> None:
    proc, session = start_holder(holder_dir, "killed")
    names = session_objects(engine, session)
    assert len(names) == 2, names  # the stack's web and the one-off container
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sorted(session_objects(engine, session)) == sorted(names)  # leaked, as promised

    dry = prune_cli("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"would remove session {session} (owner pid {proc.pid} is gone)" in dry.stdout
    assert sorted(session_objects(engine, session)) == sorted(names)

    # The next session that touches Docker prunes first.
    pytester.makepyfile(test_next="def test_next(docker_client, dockdjango_session):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_next.py")
    result.assert_outcomes(passed=1)
    assert session_objects(engine, session) == []
    flt = {"label": [f"dev.dockdjango.session={session}"]}
    assert not engine.api.networks(filters=flt)


def test_prune_by_hand_spares_live_sessions(holder_dir: Path, engine, base_image) -> None:
    live, live_session = start_holder(holder_dir, "live")
    try:
        dead, dead_session = start_holder(holder_dir, "dead")
        os.kill(dead.pid, signal.SIGKILL)
        dead.wait()
        result = prune_cli()
        assert result.returncode == 0, result.stderr
        assert f"removed session {dead_session}" in result.stdout
        assert live_session not in result.stdout
        assert session_objects(engine, dead_session) == []
        assert len(session_objects(engine, live_session)) == 2
    finally:
        live.send_signal(signal.SIGINT)  # a normal interrupted run: its own finalizers clean up
        live.wait(timeout=600)  # its finalizers stop a stack and a container
    deadline = time.monotonic() + 300
    while session_objects(engine, live_session) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session_objects(engine, live_session) == []
