"""With no engine at the address, every entry point says so in one sentence."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dockdjango.errors import EngineUnavailable

NOWHERE = "unix:///tmp/dockdjango-no-such-engine.sock"


def test_api_raises_engine_unavailable_naming_the_socket(monkeypatch):
    from dockdjango.engine.client import connect

    monkeypatch.setenv("DOCKER_HOST", NOWHERE)
    with pytest.raises(EngineUnavailable) as err:
        connect()
    assert NOWHERE in str(err.value)
    assert "ensure-docker.sh" in (err.value.hint or "")


@pytest.mark.parametrize("command", [["base"], ["version"]])
def test_cli_prints_one_line_and_exits_1(command):
    env = dict(os.environ, DOCKER_HOST=NOWHERE)
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    combined = proc.stderr + proc.stdout
    assert f"cannot reach the Docker engine at {NOWHERE}" in combined
