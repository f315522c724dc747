"""Every project option with every command that has a project: resolved once, as Compose
resolves it (no engine needed).

Each command's own parser reads the options (before the command and after it), and the
one resolution the command runs (``cli.project_options.resolve``) must find the same
project: the files, the directory, the ``.env`` or ``--env-file`` variables, the name and
the profiles. ``config`` is then compared with Docker Compose's for each option; the
engine side (up, ps, exec ... in a sub directory) is in tests/engine/test_project_options_engine.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockdjango.cli import build_parser
from dockdjango.cli.project_options import resolve
from dockdjango.cli.table import merge_global_options
from tests.compose.compose_oracle import clean_environ, compose_binary

COMPOSE = """\
services:
  web:
    image: busybox
    environment:
      WHERE: ${WHERE:-unset}
  debug:
    image: busybox
    profiles: [debug]
"""

#: Each command that takes a project, with the arguments it needs besides the options.
COMMANDS = {
    "up": [],
    "down": [],
    "ps": [],
    "logs": [],
    "exec": ["web", "true"],
    "port": ["web", "8000"],
    "stop": [],
    "start": [],
    "restart": [],
    "config": [],
    "run": ["web", "true"],
    "watch": [],
    "deploy": ["--swarm"],
    "undeploy": [],
    "kube": [],
}

#: option -> (its arguments, what the resolved project must show)
OPTIONS = {
    "project-directory": (["--project-directory", "sub"], {"dir": "sub", "WHERE": "dotenv"}),
    "file": (["--file", "sub/compose.yaml"], {"dir": "sub", "WHERE": "dotenv"}),
    "env-file": (
        ["--project-directory", "sub", "--env-file", "sub/alt.env"],
        {"dir": "sub", "WHERE": "env-file"},
    ),
    "project-name": (["--project-directory", "sub", "-p", "demo"], {"name": "demo"}),
    "profile": (["--project-directory", "sub", "--profile", "debug"], {"debug": True}),
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project in ``sub/`` (with its .env and another env file); the command runs one
    directory above it, where there is no compose file."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "compose.yaml").write_text(COMPOSE)
    (sub / ".env").write_text("WHERE=dotenv\n")
    (sub / "alt.env").write_text("WHERE=env-file\n")
    monkeypatch.chdir(tmp_path)
    for name in ("COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_FILE", "WHERE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _parsed(argv: list[str]):
    parser = build_parser()
    args = parser.parse_args(argv)
    merge_global_options(parser, args)
    return args


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_option_resolves_the_same_project_for_each_command(
    workspace: Path, command: str, option: str, before: bool
) -> None:
    flags, expected = OPTIONS[option]
    # --file, not -f: logs takes -f as --follow, as Compose's does
    rest = COMMANDS[command]
    argv = [*flags, command, *rest] if before else [command, *flags, *rest]
    options = resolve(_parsed(argv))
    sub = workspace / "sub"
    assert options.located.files == (str(sub / "compose.yaml"),)
    assert options.project_dir == str(sub)
    assert not options.zero_config
    project = options.load()
    assert project.working_dir == str(sub)
    assert project.name == expected.get("name", "sub")
    assert project.services["web"].environment["WHERE"] == expected.get("WHERE", "dotenv")
    assert ("debug" in project.services) is expected.get("debug", False)


def test_with_no_option_the_project_is_not_found_one_level_up(workspace: Path) -> None:
    from dockdjango.errors import SpecError

    options = resolve(_parsed(["up"]))
    assert options.located.files == ()
    with pytest.raises(SpecError, match="no compose file found in"):
        options.load()


def test_a_django_project_in_the_project_directory_is_zero_config(workspace: Path) -> None:
    django = workspace / "site"
    django.mkdir()
    (django / "manage.py").write_text("")
    options = resolve(_parsed(["--project-directory", "site", "up"]))
    assert options.zero_config
    assert options.project_dir == str(django)
    assert options.name == "site"
    # --generated ignores the compose file that is there
    assert resolve(_parsed(["--project-directory", "sub", "--generated", "ps"])).zero_config


@pytest.mark.skipif(compose_binary() is None, reason="needs the docker-compose binary")
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_config_with_each_option_prints_what_compose_prints(workspace: Path, option: str) -> None:
    flags, _ = OPTIONS[option]
    env = clean_environ()
    theirs = subprocess.run(
        [str(compose_binary()), *flags, "config", "--format", "json"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    ours = subprocess.run(
        [sys.executable, "-m", "dockdjango", *flags, "config", "--format", "json"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    mine, compose = json.loads(ours.stdout), json.loads(theirs.stdout)
    assert mine["name"] == compose["name"]
    assert mine["services"] == compose["services"]


def test_kube_with_every_option_through_the_cli(workspace: Path) -> None:
    """``kube`` needs no engine: the whole command, as a user types it."""
    flags = ["--project-directory", "sub", "--env-file", "sub/alt.env", "-p", "demo"]
    run = subprocess.run(
        [sys.executable, "-m", "dockdjango", *flags, "kube", "--profile", "debug"],
        cwd=workspace,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "name: debug" in run.stdout  # the profile's service
    assert "env-file" in run.stdout  # WHERE, from --env-file
    assert "demo" in run.stdout  # -p
