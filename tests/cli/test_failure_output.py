"""A failed build shows the failing step's own last lines above the one-line error, on every
command that builds; ``--verbose`` shows all that were kept, and no hint ever points at
lines that are not printed."""

from __future__ import annotations

import pytest

from dockdjango.cli import build_parser, print_error
from dockdjango.cli.output import build_output_lines
from dockdjango.errors import SHOWN_BUILD_LINES, BuildError, DockdjangoError


def failed(lines: int) -> BuildError:
    return BuildError(
        "service web: step [runtime 4/7] `RUN pip install -r requirements.txt` failed: exit 1",
        step="RUN pip install -r requirements.txt",
        output=[f"line {i}" for i in range(1, lines + 1)],
        hint="fix the instruction, or the files it reads",
    )


def test_the_last_lines_come_first_then_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(failed(143))
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"last {SHOWN_BUILD_LINES} of 143 output lines of "
        "`RUN pip install -r requirements.txt` (all of them: --verbose):"
    )
    assert err[1 : 1 + SHOWN_BUILD_LINES] == [f"  | line {i}" for i in range(124, 144)]
    assert err[-2].startswith("error: service web: step [runtime 4/7]")
    assert err[-1] == "hint: fix the instruction, or the files it reads"


def test_verbose_shows_every_kept_line(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(failed(143), verbose=True)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "output of `RUN pip install -r requirements.txt` (143 lines):"
    assert len([line for line in err if line.startswith("  | ")]) == 143


def test_a_step_that_printed_nothing_and_other_errors_print_no_block() -> None:
    assert build_output_lines(failed(0)) == []
    assert build_output_lines(BuildError("Dockerfile:1: FROM x: not present locally")) == []
    assert build_output_lines(DockdjangoError("anything")) == []


@pytest.mark.parametrize("command", ["up", "run", "watch", "build"])
def test_every_command_that_builds_takes_verbose_before_or_after(command: str) -> None:
    parser = build_parser()
    extra = ["web"] if command == "run" else []  # after it: the command run's own words
    after = parser.parse_args([command, "--verbose", *extra])
    before = parser.parse_args(["--verbose", command, *extra])
    neither = parser.parse_args([command, *extra])
    assert after.verbose and before.verbose and not neither.verbose


def test_no_hint_in_the_code_points_at_lines_above() -> None:
    """The engine's error is shown by callers that may not print its lines (a script)."""
    from pathlib import Path

    import dockdjango

    root = Path(dockdjango.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "lines are above" not in text, path
