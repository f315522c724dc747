"""The contract every command keeps, checked through the real CLI (a subprocess each).

Bad input: exit code 1, nothing on stdout, ``error: ...`` (what and where) then ``hint: ...``
on stderr, never a traceback. Usage errors: exit code 2. ``--json``: one JSON document on
stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

BAD_PORT = """services:
  web:
    image: example
    ports:
      - "99999:80"
"""

SMALL = """services:
  web:
    image: example:1
    ports:
      - "127.0.0.1:8080:80"
"""


def dockdjango(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI; plain output (no terminal), as in a script or CI."""
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "CI": "1"},
    )


@pytest.fixture
def bad_compose(tmp_path: Path) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(BAD_PORT)
    return path


def _assert_explained_error(run: subprocess.CompletedProcess[str], *expected: str) -> None:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 1, run.stderr
    assert run.stdout == "", run.stdout
    assert "Traceback" not in run.stderr
    assert lines and lines[0].startswith("error: "), run.stderr
    assert any(line.startswith("hint: ") for line in lines), run.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["config", "-f", "{missing}"],
        ["up", "-f", "{missing}"],
        ["down", "-f", "{missing}"],
        ["ps", "-f", "{missing}", "--json"],
        ["logs", "--file", "{missing}"],
    ],
    ids=lambda a: a[0],
)
def test_a_missing_compose_file_is_named(args: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope" / "compose.yaml")
    run = dockdjango(*(a.replace("{missing}", missing) for a in args))
    _assert_explained_error(run, missing)


@pytest.mark.parametrize("command", ["config", "exec"])
def test_an_invalid_compose_file_names_file_line_and_field(command: str, bad_compose) -> None:
    args = (
        ["exec", "-f", str(bad_compose), "web", "true"]
        if command == "exec"
        else [
            "config",
            "-f",
            str(bad_compose),
        ]
    )
    run = dockdjango(*args)
    _assert_explained_error(run, "compose.yaml:5:", "services.web.ports[0]", "99999")


@pytest.mark.parametrize("command", ["build", "explain", "dockerfile", "compare"])
def test_a_missing_project_directory_is_named(command: str, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-project")
    _assert_explained_error(dockdjango(command, missing), missing)


@pytest.mark.parametrize("command", ["up", "ps", "build", "compare", "config", "prune"])
def test_an_unknown_option_is_a_usage_error(command: str) -> None:
    run = dockdjango(command, "--no-such-option")
    assert run.returncode == 2
    assert "unrecognized arguments: --no-such-option" in run.stderr
    assert "Traceback" not in run.stderr


def test_config_json_is_one_document(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(SMALL)
    run = dockdjango("config", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["services"]["web"]["image"] == "example:1"
    assert data["services"]["web"]["ports"][0]["published"] == "8080"


@pytest.mark.engine
def test_ps_json_of_a_stack_with_nothing_running_is_an_empty_list(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(SMALL)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    run = dockdjango("ps", "-p", project, "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


@pytest.mark.parametrize(
    "args",
    [["up"], ["down"], ["ps"], ["logs"], ["exec", "web", "true"], ["build", "."]]
    + [["explain", "."], ["compare", "."]],
    ids=lambda a: a[0],
)
def test_no_engine_is_one_line_naming_the_address(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(SMALL)
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    socket = tmp_path / "no-engine.sock"
    run = subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "CI": "1", "DOCKER_HOST": f"unix://{socket}"},
    )
    _assert_explained_error(run, f"cannot reach the Docker engine at unix://{socket}")


SERVER = """services:
  web:
    image: dockdjango/python:3.11-bookworm
    command: ["python3", "-m", "http.server", "8000"]
    ports:
      - "127.0.0.1::8000"
    labels:
      org.dockdjango.test: "1"
"""


@pytest.mark.engine
def test_ps_json_shape_of_a_running_stack(tmp_path: Path, base_image: str) -> None:
    (tmp_path / "compose.yaml").write_text(SERVER)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    try:
        up = dockdjango("up", "-d", "-p", project, cwd=tmp_path)
        assert up.returncode == 0, up.stderr
        run = dockdjango("ps", "-p", project, "--json", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        rows = json.loads(run.stdout)
        assert len(rows) == 1
        row = rows[0]
        assert {"name", "service", "state", "ports"} <= set(row)
        assert (row["service"], row["state"]) == ("web", "running")
        assert row["name"] == f"{project}-web-1"
        assert "->8000/tcp" in row["ports"]
    finally:
        down = dockdjango("down", "-p", project, cwd=tmp_path)
        assert down.returncode == 0, down.stderr
