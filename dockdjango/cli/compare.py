"""`dockdjango compare`: a project as a virtualenv and as a container, measured side by side."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dockdjango.cli.table import Command, json_option, option


def run_compare(args: argparse.Namespace) -> int:
    """Measure, then print the table (or JSON) and write the chart if asked."""
    from pathlib import Path

    from dockdjango.api.compare.compare_chart import plot
    from dockdjango.api.compare.side_by_side import compare_project, default_project, table_rows
    from dockdjango.cli.output import note, print_json, print_table
    from dockdjango.errors import DockdjangoError

    project = Path(args.project_dir) if args.project_dir else default_project()
    if not project.is_dir():
        raise DockdjangoError(
            f"{project}: no such directory", hint="pass the directory holding requirements.txt"
        )
    if args.plot and Path(args.plot).suffix.lower() not in {".png", ".svg"}:
        raise DockdjangoError(
            f"{args.plot}: the chart must be a .png or .svg file", hint="e.g. --plot compare.svg"
        )
    with _progress() as log:
        result = compare_project(
            project,
            python=args.python,
            tag=args.tag,
            run_tests=not args.no_tests,
            log=log,
            cold=not args.warm_only,
        )
    if args.plot:
        note(f"chart written to {plot(result, args.plot)}")
    if args.json:
        print_json(result.to_json())
        return 0
    print_table(
        ["", "virtualenv", "docker (dockdjango)"],
        table_rows(result),
        title=f"{result.project}  (image {result.image})",
    )
    return 0


#: Log lines that start a phase of the measurement (the API's other lines are details).
_PHASES = ("virtualenv", "docker")


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """A log callback: a live status line on a terminal, plain lines on stderr otherwise."""
    import sys

    from dockdjango.cli.output import is_tty, note

    if not is_tty(sys.stderr):
        # Plain: the phases only; pip's and the builder's chatter would bury them (a failed
        # step's own output comes with its error anyway).
        yield lambda message: note(message) if message.startswith(_PHASES) else None
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True)
    with console.status("measuring") as status:

        def log(message: str) -> None:
            # Phase lines (they name a side) stay in the scroll-back; build chatter only
            # updates the status line.
            if message.startswith(_PHASES):
                console.print(f"[dim]•[/dim] {escape(message)}")
            # pip prints "psycopg[binary]": escaped, or rich would take it for markup.
            status.update(escape(message[:100]))

        yield log


COMMANDS = (
    Command(
        "compare",
        "set a project up as a virtualenv and as a container; compare, measured",
        run_compare,
        # Raw formatting keeps the examples' layout, so the description is wrapped here.
        description=textwrap.fill(
            "Set PROJECT_DIR up both ways on this machine -- a virtualenv with "
            "`pip install -r requirements.txt`, and the image `dockdjango build` makes plus a "
            "container -- and print what was measured: set-up time cold and warm, disk used, "
            "the Python and OS each runs, the system libraries (glibc, OpenSSL, libpq) against "
            "the image's, whether tests get a real PostgreSQL, what makes the set-up "
            "reproducible, and the project's test suite in each. Nothing is estimated. The "
            "image is kept (tag dockdjango-compare/<dir>:latest) so later warm builds reuse it.",
            width=80,
        ),
        options=(
            option(
                "project_dir",
                nargs="?",
                metavar="PROJECT_DIR",
                help="a directory with requirements.txt (default: examples/library)",
            ),
            json_option("every measurement"),
            option("--plot", metavar="FILE", help="also write a chart to FILE (.png or .svg)"),
            option(
                "--python",
                metavar="PATH",
                help="interpreter for the virtualenv (default: the one running dockdjango)",
            ),
            option("--tag", metavar="IMAGE", help="tag for the image (default derived from dir)"),
            option("--no-tests", action="store_true", help="do not run the test suites"),
            option(
                "--warm-only",
                action="store_true",
                help="measure only the warm set-up (no build without cache, one venv install)",
            ),
        ),
        examples=(
            "dockdjango compare                      # the Library example",
            "dockdjango compare path/to/project --json > compare.json",
            "dockdjango compare --plot compare.svg   # also draw a chart (PNG or SVG)",
            "dockdjango compare --no-tests           # skip running the test suites",
        ),
    ),
)
