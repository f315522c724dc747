"""The command line as a user meets it, no engine needed: help, start-up, bad input.

Start-up is checked functionally, not by timing: ``--help`` for the program and for every
command must not import the heavy libraries (docker, rich, pydantic, yaml, matplotlib),
which is what keeps it fast. ``benchmarks/cli_startup.py`` measures the time itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dockdjango.cli import build_parser

#: Commands whose --help still lacks examples (owned by other modules; reported to the lead).
KNOWN_WITHOUT_EXAMPLES: set[str] = set()

HEAVY = ("docker", "rich", "pydantic", "yaml", "requests", "matplotlib", "django")

# Runs the real entry point (``python -m dockdjango ARGS``) in-process of a fresh interpreter,
# then reports which heavy top-level packages got imported.
PROBE = """
import json, runpy, sys
sys.argv = ["dockdjango", *json.loads(sys.argv[1])]
try:
    runpy.run_module("dockdjango", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[-1])))
sys.stderr.write("HEAVY=" + json.dumps(heavy) + "\\n")
"""


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(sub.choices)


def _heavy_after(args: list[str]) -> list[str]:
    # argv[1] is the CLI arguments; the probe appends the heavy list as the last argv item.
    code = PROBE.replace("json.loads(sys.argv[-1])", json.dumps(list(HEAVY)))
    run = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = [ln for ln in run.stderr.splitlines() if ln.startswith("HEAVY=")]
    assert line, run.stderr
    return list(json.loads(line[-1].removeprefix("HEAVY=")))


def test_top_level_help_imports_nothing_heavy() -> None:
    assert _heavy_after(["--help"]) == []


@pytest.mark.parametrize("command", _commands())
def test_command_help_imports_nothing_heavy(command: str) -> None:
    assert _heavy_after([command, "--help"]) == [], f"`dockdjango {command} --help`"


def test_every_command_has_help_with_examples() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = {a.dest: a.help for a in sub._choices_actions}
    missing = []
    for name, cmd in sub.choices.items():
        if not helps.get(name):
            missing.append(f"{name}: no one-line help")
        if "examples:" not in (cmd.epilog or "") and name not in KNOWN_WITHOUT_EXAMPLES:
            missing.append(f"{name}: no examples in --help (see dockdjango.cli.output.epilog)")
    # Reported as a list so every command that needs work shows at once.
    assert not missing, missing


def test_known_gaps_are_still_gaps() -> None:
    """When a command in KNOWN_WITHOUT_EXAMPLES gains examples, drop it from the set."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    known = [n for n in KNOWN_WITHOUT_EXAMPLES if n in sub.choices]
    fixed = [n for n in known if "examples:" in (sub.choices[n].epilog or "")]
    assert not fixed, f"{fixed} now have examples: remove them from KNOWN_WITHOUT_EXAMPLES"


def test_version_prints_the_package_version_and_exits_0() -> None:
    from importlib.metadata import version

    run = subprocess.run(
        [sys.executable, "-m", "dockdjango", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"dockdjango {version('dockdjango')}\n"


def test_no_command_prints_help_and_exits_2() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dockdjango"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "usage: dockdjango" in run.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["compare", "/no/such/dir"], 1, "error: /no/such/dir: no such directory"),
        (
            ["compare", "--plot", "chart.pdf"],
            1,
            "error: chart.pdf: the chart must be a .png or .svg file",
        ),
        (["compare", "--frobnicate"], 2, "unrecognized arguments: --frobnicate"),
        (["no-such-command"], 2, "invalid choice: 'no-such-command'"),
    ],
)
def test_bad_input_is_one_line_with_the_documented_exit_code(args, code, message) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dockdjango", *args], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == code, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_compare_refuses_a_directory_with_no_python_project(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dockdjango", "compare", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert f"error: {tmp_path}: no Python project found" in run.stderr
    assert "hint: add a requirements.txt" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("command", ["dockerfile", "build", "explain", "init", "detect", "up"])
def test_commands_that_detect_take_the_flags_their_hints_name(command: str) -> None:
    """Detection's hints say `--python X.Y` (and --settings, --manage): each command that
    detects a project takes them."""
    args = build_parser().parse_args(
        [command, "--python", "3.13", "--settings", "s.settings", "--manage", "src/manage.py"]
    )
    assert (args.python, args.settings, args.manage) == ("3.13", "s.settings", "src/manage.py")


def test_dockerfile_honours_python_where_the_project_asks_for_one_not_here(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "site"\nversion = "1"\nrequires-python = "==3.10.*"\n'
        'dependencies = ["Django>=5.2,<6"]\n'
    )
    (tmp_path / "manage.py").write_text("import os\n")
    refused = subprocess.run(
        [sys.executable, "-m", "dockdjango", "dockerfile", "--offline", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 1 and "--python X.Y" in refused.stderr
    given = subprocess.run(
        [sys.executable, "-m", "dockdjango", "dockerfile", "--offline", "--python", "3.13",
         str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert given.returncode == 0, given.stderr
    assert "Python 3.13 as set by --python" in given.stderr
    assert "FROM dockdjango/python:3.13-trixie AS common" in given.stdout
