"""What ``up`` and ``stop`` print when something is wrong, through the real CLI and engine:
a failing service's last output (even one line, whatever its exit code), a health-check
timeout whose hint says where the output is, and an unknown service named as such."""

from __future__ import annotations

import pytest
from cli_run import cli

from dockdjango.engine.project.lifecycle import down
from tests.stacks import IMAGE

pytestmark = pytest.mark.engine


# one line of output, then the process is ended by SIGTERM: exit code 143. Its health
# check never passes, so `up` is still waiting when it ends, however fast that is.
QUITS = f"""
  quits:
    image: {IMAGE}
    init: true
    command:
      - python3
      - -c
      - "import os, signal; print('about to stop', flush=True); os.kill(os.getpid(), 15)"
    healthcheck:
      test: ["CMD", "false"]
      interval: 250ms
      retries: 1000
"""
SLOW = f"""
  slow:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "echo starting up; exec sleep 1000000"]
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 250ms
      retries: 100
"""
SLEEPER = f"""
  web:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
"""


@pytest.fixture
def project(engine, base_image, unique_name, tmp_path):
    """``project(services_yaml)`` -> the directory holding its compose.yaml; removed after."""

    def make(services: str):
        (tmp_path / "compose.yaml").write_text(f"name: {unique_name}\nservices:{services}")
        return tmp_path

    yield make
    down(engine, unique_name, volumes=True)


def _block(stderr: str, service: str) -> list[str]:
    """The lines of the ``last output of SERVICE:`` block."""
    lines = stderr.splitlines()
    start = lines.index(f"last output of {service}:")
    return [line for line in lines[start + 1 :] if line.startswith("  ")]


def test_a_service_ended_by_sigterm_gets_its_last_output_block(project):
    run = cli(project(QUITS), "up", "-d")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert _block(run.stderr, "quits") == ["  about to stop"]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["error: service quits exited with code 143; last log line: about to stop"]


def test_a_health_timeout_prints_the_output_its_hint_points_to(project):
    run = cli(project(SLOW), "up", "-d", "--timeout", "3")
    assert run.returncode == 1, run.stderr
    assert _block(run.stderr, "slow") == ["  starting up"]
    lines = run.stderr.splitlines()
    error = next(line for line in lines if line.startswith("error: "))
    assert error.startswith("error: service slow did not become healthy in time")
    hint = lines[lines.index(error) + 1]
    assert hint.startswith("hint: ") and "below" not in hint
    assert "dockdjango logs slow" in hint


def test_stop_of_an_unknown_service_names_the_services_there_are(
    engine, project, unique_name, tmp_path_factory
):
    root = project(SLEEPER)
    assert cli(root, "up", "-d").returncode == 0
    run = cli(root, "stop", "ghost")
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == (
        f"error: no such service: ghost (the services of {unique_name}: web)"
    )
    (container,) = engine.api.containers(filters={"name": f"{unique_name}-web-1"})
    assert container["State"] == "running"  # nothing was stopped
    # with no compose file, by project name: the services the engine has
    elsewhere = tmp_path_factory.mktemp("no-compose-file")
    by_name = cli(elsewhere, "-p", unique_name, "stop", "ghost", "web")
    assert by_name.returncode == 1
    assert by_name.stderr.startswith(
        f"error: no such service: ghost (the services of {unique_name}: web)"
    )
    for command in ("start", "restart", "ps", "logs"):
        assert cli(root, command, "ghost").returncode == 1
