"""Shared output helpers for command modules: one look for every command.

Conventions every command follows (so scripts and people get the same thing everywhere):

- results go to stdout; progress and notes go to stderr, so ``--json`` output and pipes
  stay clean;
- ``--json`` (added with :func:`add_json_flag`) prints one JSON document, indented, keys
  sorted, and nothing else on stdout;
- tables use ``rich`` only on a terminal; when stdout is not a TTY (a pipe, a file, CI)
  they are plain columns separated by two or more spaces, easy to ``awk``;
- every command's ``--help`` ends with examples and the exit codes (:func:`epilog`);
- a command's output ends with only what is so: a failed build shows what the failing step
  printed (:func:`build_output_lines`: its last lines, ``--verbose`` all that were kept),
  above the one-line error, and nothing when it printed nothing, so no message points at
  lines that are not there; ``up`` prints an announced URL only once it answered 2xx/3xx,
  and for one that did not, a ``warning:`` saying what it got (:func:`answer_lines`).

Only the standard library is imported at module level: ``rich`` is imported inside the
functions that draw on a terminal, so ``dockdjango --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import IO, Any

EXIT_CODES = (
    "exit codes: 0 ok, 1 error (explained on one line), 2 usage error, 130 interrupted, "
    "143 terminated (SIGTERM)"
)
#: The help of every command's ``--json`` flag (``{what}``: what is printed).
JSON_HELP = "print {what} as JSON on stdout (nothing else is printed there)"


def epilog(*examples: str) -> str:
    """A help epilog: ``examples:`` with one indented line each, then the exit codes.

    Pass ``formatter_class=argparse.RawDescriptionHelpFormatter`` to ``add_parser`` so the
    lines keep their layout.
    """
    lines = ["examples:", *(f"  {e}" for e in examples), "", EXIT_CODES]
    return "\n".join(lines)


def add_json_flag(parser: argparse.ArgumentParser, what: str = "the result") -> None:
    """The one ``--json`` flag: machine-readable output on stdout instead of a table."""
    parser.add_argument(
        "--json",
        action="store_true",
        help=JSON_HELP.format(what=what),
    )


def is_tty(stream: IO[str] | None = None) -> bool:
    """True when ``stream`` (default stdout) is a terminal and ``NO_COLOR``/``CI`` are unset."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def print_json(data: Any, stream: IO[str] | None = None) -> None:
    """One indented JSON document with sorted keys, then a newline."""
    import json

    stream = stream or sys.stdout
    if isinstance(data, str):
        # Already JSON (e.g. a model's to_json()): re-dump so the format is the same.
        data = json.loads(data)
    stream.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows as columns padded to the widest cell, two spaces apart, headers first."""
    table = [list(headers), *([str(c) for c in r] for r in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    lines = []
    for r in table:
        cells = [c.ljust(w) for c, w in zip(r, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    stream: IO[str] | None = None,
) -> None:
    """A table: ``rich`` on a terminal, :func:`plain_table` otherwise."""
    stream = stream or sys.stdout
    if not is_tty(stream):
        if title:
            stream.write(title + "\n")
        stream.write(plain_table(headers, rows) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, title=title, title_justify="left", header_style="bold")
    for r in rows:
        table.add_row(*(str(c) for c in r))
    Console(file=stream).print(table)


def note(message: str) -> None:
    """A progress or status line on stderr (never mixed into stdout results)."""
    print(message, file=sys.stderr, flush=True)


def build_output_lines(exc: BaseException, *, verbose: bool = False) -> list[str]:
    """The lines to print above ``exc``'s error line (none unless it is a failed build step
    that printed something)."""
    from dockdjango.errors import SHOWN_BUILD_LINES, BuildError

    if not isinstance(exc, BuildError) or not exc.output:
        return []
    shown = exc.tail(None if verbose else SHOWN_BUILD_LINES)
    total = len(exc.output)
    step = f"`{first_line(exc.step)}`" if exc.step else "the failing step"
    if len(shown) < total:
        head = f"last {len(shown)} of {total} output lines of {step} (all of them: --verbose):"
    else:
        head = f"output of {step} ({total} line{'s' if total != 1 else ''}):"
    return [head, *(f"  | {line}" for line in shown)]


def first_line(text: str, width: int = 70) -> str:
    """The first line of ``text``, its spaces collapsed, cut at ``width`` with an ellipsis."""
    line = " ".join(text.split("\n", 1)[0].split())
    return line if len(line) <= width else line[: width - 1] + "…"


def answer_lines(
    name: str, links: Sequence[Any], answers: Sequence[Any]
) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines) for the stack ``name``'s ``links`` and their ``answers``."""
    good = [a.link for a in answers if a.ok]
    notes = [link for link in links if link.label == "note"]
    out: list[str] = []
    if good:
        width = max(len(link.label) for link in good)
        out = [f"{name} is up:"]
        out += [f"  {link.label:<{width}}  {link.url}" for link in good]
        out += [f"  {link.url}" for link in notes]
    errors = [f"warning: {a.line()}" for a in answers if not a.ok]
    return out, errors
