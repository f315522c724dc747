"""A failed build shows its cause on every command that builds, TTY or not.

Through the real CLI and engine: a failing ``RUN`` (30 lines of output, then exit 3)
under ``up``, ``run`` and ``build``, plain and on a terminal, ``--verbose`` for all of
them; a failing dependency install (a requirement no index has) under zero-config
``up``; a failing ``FROM`` (an image nothing serves). Every time the error line names
the step, the step's own last lines are above it when it printed any, and no hint
refers to lines that were not printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from .ptyrun import Terminal

pytestmark = pytest.mark.engine

LOUD = "RUN for i in $(seq 1 30); do echo line $i; done; exit 3"
COMPOSE = "services:\n  app:\n    build: .\n    init: true\n    command: ['sleep', '1000000']\n"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        cwd=root,
        env={**os.environ, "CI": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def block(stderr: str) -> list[str]:
    """The output lines printed above the error (``  | ...``)."""
    return [line[4:] for line in stderr.splitlines() if line.startswith("  | ")]


def assert_no_dangling_hint(stderr: str) -> None:
    for line in stderr.splitlines():
        assert "above" not in line or not line.startswith("hint:"), line


@pytest.fixture
def failing(project_dir, base_image):
    return project_dir(COMPOSE, files={"Dockerfile": f"FROM {base_image}\n{LOUD}\n"})


def test_a_failing_run_step_shows_its_last_lines_on_up_run_and_build(failing):
    for args in (["up", "-d"], ["run", "--rm", "app", "true"], ["build", "."]):
        run = cli(failing, *args)
        assert run.returncode == 1, (args, run.stderr)
        assert "Traceback" not in run.stderr
        lines = run.stderr.splitlines()
        head = next(i for i, line in enumerate(lines) if line.startswith("last 20 of 30"))
        assert lines[head] == (
            "last 20 of 30 output lines of `RUN for i in $(seq 1 30); do echo line $i; done; "
            "exit 3` (all of them: --verbose):"
        ), args
        assert block(run.stderr) == [f"line {i}" for i in range(11, 31)], args
        error = next(line for line in lines if line.startswith("error: "))
        assert lines.index(error) > head  # the lines come first, the error under them
        assert "`RUN for i in $(seq 1 30)" in error and "exit code: 3" in error, error
        assert_no_dangling_hint(run.stderr)

    verbose = cli(failing, "up", "-d", "--verbose")
    assert block(verbose.stderr) == [f"line {i}" for i in range(1, 31)]


def test_on_a_terminal_the_lines_are_there_too(failing):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    term = Terminal([sys.executable, "-m", "dockdjango", "up", "-d"], cwd=str(failing), env=env)
    try:
        assert term.wait(timeout=600) == 1
    finally:
        term.close()
    text = term.output.decode(errors="replace").replace("\r", "")
    assert "last 20 of 30 output lines of" in text
    assert "  | line 11\n" in text and "  | line 30\n" in text and "  | line 10\n" not in text
    assert "error: service app: step" in text


def test_a_failing_dependency_install_names_the_requirement(tmp_path, base_image, engine):
    from django_projects import REQUIREMENTS, startproject

    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    wanted = REQUIREMENTS + "ddtest-no-such-package-anywhere==1.0\n"
    root = startproject(tmp_path / "site", requirements=wanted)
    try:
        run = cli(root, "-p", name, "up", "-d")
        assert run.returncode == 1, run.stderr
        error = next(line for line in run.stderr.splitlines() if line.startswith("error: "))
        assert error.startswith("error: service web: installing requirements.txt failed: "), error
        assert "ddtest-no-such-package-anywhere" in error, error
        shown = block(run.stderr)
        assert 0 < len(shown) <= 20
        assert any("ddtest-no-such-package-anywhere" in line for line in shown), shown
        assert_no_dangling_hint(run.stderr)
    finally:
        cli(root, "-p", name, "down", "-v")


def test_a_failing_from_names_the_file_and_line(project_dir):
    root = project_dir(COMPOSE, files={"Dockerfile": "# base\nFROM ddtest-nobody-has-this:1\n"})
    up = cli(root, "up", "-d")
    assert up.returncode == 1
    errors = [line for line in up.stderr.splitlines() if line.startswith(("error:", "hint:"))]
    assert errors[0].startswith("error: service app: Dockerfile:2: FROM ddtest-nobody-has-this:1: ")
    assert "--generated" in errors[1]
    assert block(up.stderr) == []  # nothing printed, so nothing pointed at
    build = cli(root, "build", ".")
    assert build.returncode == 1
    error = next(line for line in build.stderr.splitlines() if line.startswith("error: "))
    assert "ddtest-nobody-has-this:1" in error, build.stderr
    assert_no_dangling_hint(build.stderr)
