"""SIGTERM during `dockdjango build` cleans up as Ctrl-C does; helper containers are pruned.

Real processes, real engine: a build kept busy by a slow ``RUN`` is sent SIGTERM; a
process that made a helper container is killed with SIGKILL before it could remove it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from docker.errors import ImageNotFound

from dockdjango.engine.testing.sessions import HELPER, OWNER_PID, find_leftovers, remove_leftovers

pytestmark = pytest.mark.engine

HANG_GUARD = 600  # seconds: a guard against a hung test, never a speed check


def _processes_running(marker: str) -> list[int]:
    """Pids on this host whose command line holds ``marker`` (the build's RUN step)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _read_until(proc: subprocess.Popen[str], marker: str) -> list[str]:
    """Lines of ``proc``'s stderr up to the first holding ``marker``."""
    assert proc.stderr is not None
    lines: list[str] = []
    while not any(marker in line for line in lines):
        line = proc.stderr.readline()
        if not line:
            pytest.fail(f"the build ended before its slow step: {''.join(lines)[-2000:]}")
        lines.append(line)
    return lines


def test_sigterm_during_build_cancels_it_and_exits_143(
    engine, base_image, tmp_path, unique_name, cleanup_images
) -> None:
    seconds = f"1000.{uuid.uuid4().int % 10**6}"  # `sleep` takes it, and it marks the step
    (tmp_path / "Dockerfile").write_text(
        # the step prints "slow-step-42" once it runs (its header shows the unexpanded text)
        f"FROM {base_image}\nRUN echo slow-step-$((6*7)) && sleep {seconds}\n"
    )
    (tmp_path / "manage.py").write_text("")
    tag = f"{unique_name}:sigterm"
    cleanup_images.append(tag)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockdjango", "build", ".", "-f", "Dockerfile", "-t", tag],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _read_until(proc, "slow-step-42")
        running_step = _processes_running(f"sleep {seconds}")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=HANG_GUARD)
        assert proc.returncode == 143, err
        assert "Traceback" not in err
        assert err.splitlines()[-1] == "terminated (SIGTERM)"
        with pytest.raises(ImageNotFound):
            engine.api.inspect_image(tag)
        mine = {"label": f"{OWNER_PID}={proc.pid}"}
        assert engine.api.containers(all=True, filters=mine) == []
        # The engine runs the step's process on this host: it is stopped, not left to finish
        # for nobody (checked only where this host's process list shows it).
        deadline = time.monotonic() + HANG_GUARD
        while running_step and _processes_running(f"sleep {seconds}"):
            assert time.monotonic() < deadline, "the cancelled build's step still runs"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


MAKE_HELPER = """
import sys
from dockdjango.engine.client import connect
from dockdjango.engine.testing.sessions import helper_labels
client = connect()
created = client.api.create_container(sys.argv[1], ["true"], labels=helper_labels("read-file"))
print(created["Id"], flush=True)
sys.stdin.read()  # wait here: killed before it can remove the container
"""


def test_a_killed_processs_helper_container_is_pruned(engine, base_image) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", MAKE_HELPER, base_image],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    container = proc.stdout.readline().strip()
    try:
        assert container, "the helper process made no container"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        labels = engine.api.inspect_container(container)["Config"]["Labels"]
        assert labels[HELPER] == "read-file" and labels[OWNER_PID] == str(proc.pid)
        left = [e for e in find_leftovers(engine) if container in e.containers]
        assert len(left) == 1 and left[0].session.startswith("helper-")
        assert remove_leftovers(engine, left) == 1
        assert engine.api.containers(all=True, filters={"id": container}) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if container:
            try:
                engine.api.remove_container(container, force=True)
            except Exception:  # removed by the test itself
                pass
