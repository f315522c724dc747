"""The CLI as a table: each command is one row, its options a tuple, its work one function.

A command module lists its rows in ``COMMANDS`` and registers them with
:func:`add_commands`; ``dockdjango.cli`` builds the parser from every module's rows. A
new command is a new row (and a ``run_*`` function), not another page of ``add_parser``
calls::

    COMMANDS = (
        Command(
            "port",
            "print the host address where a service's port is published",
            run_port,
            options=(*project_options(), option("service", help="service name")),
            examples=("dockdjango port web 8000",),
        ),
    )

Only the standard library is imported here, so ``dockdjango --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dockdjango.cli.output import JSON_HELP, epilog


@dataclass(frozen=True)
class Option:
    """One ``add_argument`` call: the flags (or a positional's name) and its settings."""

    flags: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add this option to ``parser``."""
        parser.add_argument(*self.flags, **self.settings)


def option(*flags: str, **settings: Any) -> Option:
    """An :class:`Option`, written like ``add_argument``: ``option("-v", "--volumes", ...)``."""
    return Option(flags, dict(settings))


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, one-line help, the function it runs and its options.

    ``description`` defaults to the help as a sentence; ``examples`` end ``--help`` (with
    the exit codes). ``run`` takes the parsed arguments and returns the exit code.
    """

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    options: tuple[Option, ...] = ()
    examples: tuple[str, ...] = ()
    description: str | None = None

    def add_to(self, sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
        """Add this command's parser to the sub-parsers ``sub``."""
        parser: argparse.ArgumentParser = sub.add_parser(
            self.name,
            help=self.help,
            description=self.description or self.help[0].upper() + self.help[1:] + ".",
            epilog=epilog(*self.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for opt in self.options:
            opt.add_to(parser)
        parser.set_defaults(func=self.run)
        return parser


def add_commands(sub: argparse._SubParsersAction, commands: Iterable[Command]) -> None:  # type: ignore[type-arg]
    """Add every row of a command table, in order (the order ``--help`` lists them in)."""
    for command in commands:
        command.add_to(sub)


def project_options(*, short_file: bool = True) -> tuple[Option, ...]:
    """``-f/--file``, ``-p/--project-name`` and ``--profile``, as the stack commands take them.

    ``logs`` keeps ``-f`` for ``--follow``, as Compose's does (``short_file=False``).
    """
    flags = ("-f", "--file") if short_file else ("--file",)
    return (
        option(
            *flags, dest="files", action="append", metavar="FILE", help="compose file (repeatable)"
        ),
        option(
            "-p", "--project-name", dest="project_name", help="project name (default: directory)"
        ),
        option("--profile", dest="profiles", action="append", default=[], help="enable a profile"),
    )


def json_option(what: str = "the result") -> Option:
    """The one ``--json`` flag: machine-readable output on stdout instead of a table."""
    return option("--json", action="store_true", help=JSON_HELP.format(what=what))
