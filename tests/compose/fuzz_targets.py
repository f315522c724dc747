"""What the fuzz suite drives a document through, and what it checks each outcome for.

A `Target` is one dockdjango command run in-process through the real CLI entry point
(``dockdjango.cli.main``), with stdout/stderr captured and the environment fixed: any
exception escaping ``main`` is what a user would see as a traceback. ``config`` is the
first target, compared with Compose; ``up --dry-run`` the second, which plans against the
real engine (nothing is created, built or pulled) and must refuse on one line too.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from dockdjango.cli import main

PROJECT = "fuzz"


@dataclass(frozen=True)
class Outcome:
    """One run of a target: exit code, output, and the traceback if one escaped."""

    code: int | None
    stdout: str
    stderr: str
    traceback: str = ""


@dataclass(frozen=True)
class Target:
    """A CLI command a compose file is given to: ``argv`` before ``-f FILE``."""

    name: str
    argv: tuple[str, ...]
    #: whether its accepted output is compared with ``docker compose config``
    compare_with_compose: bool
    #: whether it asks the engine too, whose refusals (an image no registry serves) are
    #: about the machine, not a line of the file: one error line and a hint, still
    asks_engine: bool = False

    def run(self, path: Path, env: dict[str, str], *extra: str) -> Outcome:
        """Run the command on ``path`` with exactly ``env`` as the process environment."""
        argv = [*self.argv, "-f", str(path), "-p", PROJECT, *extra]
        out, err = io.StringIO(), io.StringIO()
        with (
            mock.patch.dict(os.environ, env, clear=True),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code: int | None = main(argv)
            except SystemExit as exc:  # argparse: usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException:  # noqa: BLE001 - this is exactly what we look for
                return Outcome(None, out.getvalue(), err.getvalue(), traceback.format_exc())
        return Outcome(code, out.getvalue(), err.getvalue())


TARGETS = {
    "config": Target("config", ("config", "--format", "json"), compare_with_compose=True),
    "up --dry-run": Target(
        "up --dry-run", ("up", "--dry-run"), compare_with_compose=False, asks_engine=True
    ),
}

_ERROR = re.compile(r"^error: (?P<file>\S*compose\.yaml):(?P<line>[0-9]+): \S")


def check_outcome(outcome: Outcome, target: Target | None = None) -> list[str]:
    """What is wrong with an outcome: a traceback, an exit code other than 0/1, an error
    that is not one line naming file:line (then a hint), or stray output."""
    if outcome.traceback:
        return [f"traceback:\n{outcome.traceback}"]
    problems = []
    if outcome.code not in (0, 1):
        problems.append(f"exit code {outcome.code}")
    lines = outcome.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    others = [line for line in lines if not line.startswith(("error: ", "hint: ", "warning: "))]
    if others:
        problems.append(f"stray stderr lines: {others[:3]}")
    if outcome.code == 1:
        if len(errors) != 1:
            problems.append(f"{len(errors)} error lines: {lines}")
        elif not _ERROR.match(errors[0]) and not (target and target.asks_engine):
            problems.append(f"error does not name file:line: {errors[0]}")
        elif lines.index(errors[0]) + 1 >= len(lines) or not lines[-1].startswith("hint: "):
            problems.append(f"error without a hint: {errors[0]}")
    elif errors:
        problems.append(f"exit 0 with an error: {errors}")
    return problems


def printed_document(target: Target, outcome: Outcome, path: Path, env: dict[str, str]) -> Any:
    """The document ``config`` printed: its JSON, or its YAML when the project holds what
    JSON cannot (``.inf`` in an extension; Compose's JSON printer fails there too)."""
    if outcome.code == 0:
        return json.loads(outcome.stdout)
    if "JSON cannot hold" in outcome.stderr:
        from dockdjango.compose.loader.parse import parse_text

        again = Target(target.name, ("config",), target.compare_with_compose).run(path, env)
        return json.loads(json.dumps(parse_text(again.stdout, "<ours>")))
    return None
