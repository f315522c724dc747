"""Each command imports what it needs and no more: the import budget of the command line.

Start-up is most of what a quick command costs (``benchmarks/cli_startup.py`` measures
it), and it creeps back one convenient import at a time. So every command runs here as a
user runs it, in a fresh interpreter, to the end of its work on a real stack, and the
modules it imported are checked against its budget: what it must never import, and at
most how many of dockdjango's own modules (a ceiling with some room, to be lowered as
imports are cut, never raised to make a test pass).

The commands that work from the containers' labels (``ps``, ``logs``, ``port``,
``exec``, ``stop``, ``start``, ``restart``, ``down``) read the compose file but build no
typed models (no pydantic), and those that only read (``ps``, ``logs``, ``port``,
``version``) do not import the Docker SDK when the engine is Docker on a local socket
(``dockdjango.engine.socket_client`` asks it); ``version`` reads no file; ``up`` with
nothing to change builds models but detects no Django project and generates no Dockerfile.
Third-party packages the Docker SDK itself imports are the SDK's business (with the ssh
extra installed it imports paramiko, cryptography and invoke in every process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dockdjango.cli import COMMAND_HOMES, COMMAND_MODULES, build_parser, command_of

IMAGE = "dockdjango/python:3.11-bookworm"
PROJECT_LABEL = "com.docker.compose.project"

# Runs the real entry point in a fresh interpreter, then prints the modules it imported.
PROBE = """
import json, runpy, sys
sys.argv = ["dockdjango", *json.loads(sys.argv[1])]
try:
    runpy.run_module("dockdjango", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stderr.write("MODULES=" + json.dumps([code, sorted(sys.modules)]) + "\\n")
"""

#: never for a command that works from labels: the typed models, image building,
#: detection, the ``up`` machinery, a terminal library on a pipe
FROM_LABELS = (
    "pydantic",
    "rich",
    "dockdjango.compose.models",
    "dockdjango.compose.project",
    "dockdjango.engine.up.converge",
    "dockdjango.engine.builds",
    "dockdjango.detection",
    "dockdjango.images",
    "dockdjango.api.images",
)


def imported(root: Path, *args: str) -> list[str]:
    """The modules ``dockdjango ARGS`` imported, run in ``root`` (it must succeed)."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "CI": "1"},
    )
    line = [ln for ln in run.stderr.splitlines() if ln.startswith("MODULES=")]
    assert line, run.stderr
    code, modules = json.loads(line[-1].removeprefix("MODULES="))
    assert code in (0, None), run.stderr
    return list(modules)


def over_budget(modules: list[str], never: tuple[str, ...], most: int) -> list[str]:
    """What breaks the budget: forbidden modules (or packages) imported, or too many of ours."""
    found = [m for m in modules if any(m == n or m.startswith(n + ".") for n in never)]
    ours = [m for m in modules if m.startswith("dockdjango")]
    if len(ours) > most:
        found.append(f"{len(ours)} dockdjango modules (at most {most})")
    return found


def test_every_command_has_its_home() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(COMMAND_HOMES) == set(sub.choices)
    assert set(COMMAND_HOMES.values()) <= set(COMMAND_MODULES)
    for command, home in COMMAND_HOMES.items():
        own = build_parser(command)
        only = next(a for a in own._actions if a.__class__.__name__ == "_SubParsersAction")
        assert command in only.choices, f"{command} is not defined in {home}"


def test_the_command_is_found_after_the_global_options() -> None:
    assert command_of(["-f", "a.yaml", "-p", "demo", "ps", "-a"]) == "ps"
    assert command_of(["--project-directory", "x", "--generated", "up"]) == "up"
    assert command_of(["--profile=dev", "down"]) == "down"
    # the top-level help and version list every command: no shortcut
    assert command_of(["-h", "ps"]) is None
    assert command_of(["--version"]) is None
    assert command_of([]) is None


@pytest.mark.parametrize("package", ["dockdjango", "dockdjango.compose", "dockdjango.api.images"])
def test_lazy_exports_all_resolve(package: str) -> None:
    import importlib

    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_the_stack_api_imports_no_models() -> None:
    # what the label commands stand on: Stack, the loader up to its last stage, lifecycle
    code = (
        "import sys, dockdjango.api.stack.stack, dockdjango.compose.loader.pipeline; "
        "print(sorted({'pydantic', 'dockdjango.compose.models'} & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "[]", run.stderr


@pytest.fixture(scope="module")
def stack_dir(engine, base_image, tmp_path_factory):
    """A directory with a one-service compose file, brought up once (and down after)."""
    from dockdjango.engine.project.lifecycle import down

    root = tmp_path_factory.mktemp("budget")
    name = f"ddtest-budget-{os.getpid()}"
    (root / "compose.yaml").write_text(
        f"name: {name}\nservices:\n  web:\n    image: {IMAGE}\n    init: true\n"
        '    command: ["python3", "-m", "http.server", "8000"]\n'
        '    ports: ["127.0.0.1::8000"]\n'
    )
    up = subprocess.run(
        [sys.executable, "-m", "dockdjango", "up", "-d"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert up.returncode == 0, up.stderr
    yield root
    down(engine, name, volumes=True)


#: never for a command that only reads containers on a local Docker engine (the socket
#: client answers): the Docker SDK and what it stands on
NO_SDK = ("docker", "requests", "urllib3")


@pytest.mark.engine
@pytest.mark.parametrize("args", [("ps",), ("logs",), ("port", "web", "8000")], ids=lambda a: a[0])
def test_reading_commands_need_no_sdk(stack_dir, args) -> None:
    from dockdjango.engine.socket_client import open_local

    if open_local() is None:
        pytest.skip("the engine is not Docker on a local socket: the SDK's path answers")
    modules = imported(stack_dir, *args)
    # 70 for every label command when the SDK answered them all
    assert over_budget(modules, FROM_LABELS + NO_SDK, most=55) == []


@pytest.mark.engine
@pytest.mark.parametrize(
    "args",
    [
        ("ps",),
        ("logs",),
        ("port", "web", "8000"),
        ("exec", "-T", "web", "true"),
        ("stop",),
        ("start",),
        ("restart",),
    ],
    ids=lambda a: a[0],
)
def test_commands_from_labels_build_no_models(stack_dir, args) -> None:
    modules = imported(stack_dir, *args)
    assert over_budget(modules, FROM_LABELS, most=70) == []


@pytest.mark.engine
def test_stop_start_restart_and_down_need_no_sdk(engine, base_image, tmp_path) -> None:
    from dockdjango.engine.project.lifecycle import down
    from dockdjango.engine.socket_client import open_local

    if open_local() is None:
        pytest.skip("the engine is not Docker on a local socket: the SDK's path answers")
    name = f"ddtest-budget-down-{os.getpid()}"
    (tmp_path / "compose.yaml").write_text(
        f"name: {name}\nservices:\n  web:\n    image: {IMAGE}\n    init: true\n"
        '    command: ["sleep", "100000"]\n'
    )
    try:
        up = subprocess.run(
            [sys.executable, "-m", "dockdjango", "up", "-d"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert up.returncode == 0, up.stderr
        # one module more than the reading commands: what stop, start and down decide
        for command in ("stop", "start", "restart", "down"):
            modules = imported(tmp_path, command)
            assert over_budget(modules, FROM_LABELS + NO_SDK, most=56) == [], command
        assert engine.api.containers(all=True, filters={"label": f"{PROJECT_LABEL}={name}"}) == []
    finally:
        down(engine, name, volumes=True)


@pytest.mark.engine
def test_up_with_nothing_to_change_detects_nothing(stack_dir) -> None:
    never = (
        "rich",
        "dockdjango.detection.detect",
        "dockdjango.images.dockerfile",
        "dockdjango.images.stackfile",
        "dockdjango.api.images.project_images",
        "dockdjango.engine.builds",
    )
    modules = imported(stack_dir, "up", "-d")
    # 87 when this budget was set; since then up says which database a branch gets
    # (api.database, 8 modules) and seeds and identifies engines: 115
    assert over_budget(modules, never, most=120) == []


@pytest.mark.engine
def test_version_reads_no_file(stack_dir) -> None:
    # (not yaml: with the ssh extra installed, the Docker SDK imports paramiko, whose
    # invoke brings a YAML library of its own)
    never = ("pydantic", "rich", "dockdjango.compose", "dockdjango.api.stack")
    from dockdjango.engine.socket_client import open_local

    if open_local() is not None:  # Docker on a local socket: the socket client asks it
        never += NO_SDK
    assert over_budget(imported(stack_dir, "version"), never, most=20) == []


@pytest.mark.engine
def test_down_last(stack_dir) -> None:
    # after the others (the module's tests run in order): down removes the stack
    assert over_budget(imported(stack_dir, "down"), FROM_LABELS, most=70) == []


def test_the_top_level_help_needs_no_command_s_options(capsys) -> None:
    # `--help` builds only the list of commands; it must print what the full parser does
    from dockdjango.cli import main

    for argv in (["--help"], ["-f", "x.yaml", "-h"], ["--version"]):
        printed = []
        for parser in (build_parser(), build_parser(listing=True)):
            with pytest.raises(SystemExit) as done:
                parser.parse_args(argv)
            assert done.value.code == 0
            printed.append(capsys.readouterr().out)
        assert printed[0] == printed[1]
        assert "port" in printed[1] if argv != ["--version"] else printed[1].startswith("dock")
    assert main([]) == 2  # no command: the same help, and the usage error's exit code
    assert "  port " in capsys.readouterr().out
