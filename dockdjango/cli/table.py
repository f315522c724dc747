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
from argparse import SUPPRESS
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from dockdjango.cli.output import JSON_HELP, epilog


# NamedTuples rather than dataclasses: ``dataclasses`` imports ``inspect`` (and ``ast``,
# ``dis``, ``tokenize``), a good part of what ``dockdjango --help`` would cost.
class Option(NamedTuple):
    """One ``add_argument`` call: the flags (or a positional's name) and its settings."""

    flags: tuple[str, ...]
    settings: dict[str, Any]

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add this option to ``parser``."""
        parser.add_argument(*self.flags, **self.settings)


def option(*flags: str, **settings: Any) -> Option:
    """An :class:`Option`, written like ``add_argument``: ``option("-v", "--volumes", ...)``."""
    return Option(flags, dict(settings))


class Command(NamedTuple):
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
        takes = {o.settings.get("dest") for o in self.options} & set(PROJECT_DEFAULTS)
        parser.set_defaults(func=self.run, takes_project=frozenset(takes))
        return parser


def add_commands(sub: argparse._SubParsersAction, commands: Iterable[Command]) -> None:  # type: ignore[type-arg]
    """Add every row of a command table, in order (the order ``--help`` lists them in)."""
    for command in commands:
        command.add_to(sub)


#: Compose's global project flags: (flags, settings), taken before the command (as in
#: Compose) and, for the stack commands, after it too. ``dest`` is the same either way;
#: :func:`merge_global_options` joins the two.
PROJECT_FLAGS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (
        ("-f", "--file"),
        dict(dest="files", action="append", metavar="FILE", help="compose file (repeatable)"),
    ),
    (
        ("-p", "--project-name"),
        dict(
            dest="project_name",
            metavar="NAME",
            help="project name (default: the project directory's name)",
        ),
    ),
    (
        ("--profile",),
        dict(
            dest="profiles",
            action="append",
            metavar="PROFILE",
            help="enable a profile (repeatable)",
        ),
    ),
    (
        ("--env-file",),
        dict(
            dest="env_files",
            action="append",
            metavar="FILE",
            help="read variables from FILE instead of the project's .env (repeatable)",
        ),
    ),
    (
        ("--project-directory",),
        dict(
            dest="project_directory",
            metavar="DIR",
            help="the project directory (default: the first compose file's directory)",
        ),
    ),
    (
        ("--generated",),
        dict(
            dest="generated",
            action="store_true",
            help="use what dockdjango generates, not the project's own files: the Dockerfile "
            "it writes for every build, and (stack commands) the stack it detects in the "
            "Django project instead of a compose file -- what `dockdjango init` writes; the "
            "default when there is no compose file",
        ),
    ),
    # The old spellings, kept working (not listed): one way to ask, documented as one.
    (("--generated-dockerfile",), dict(dest="generated", action="store_true", help=SUPPRESS)),
)
#: How a refused project option is named in the usage error.
PROJECT_FLAG_NAMES = {
    "files": "-f/--file",
    "project_name": "-p/--project-name",
    "profiles": "--profile",
    "env_files": "--env-file",
    "project_directory": "--project-directory",
    "generated": "--generated",
}
#: What a project option is when given nowhere.
PROJECT_DEFAULTS: dict[str, Any] = {
    "files": None,
    "project_name": None,
    "profiles": [],
    "env_files": [],
    "project_directory": None,
    "generated": False,
}
GLOBAL_PREFIX = "global_"


def project_options(
    *, short_file: bool = True, only: Iterable[str] | None = None
) -> tuple[Option, ...]:
    """Compose's project flags (``-f``, ``-p``, ``--profile``, ``--env-file``,
    ``--project-directory``) and ``--generated``, as a command takes them after its name.

    ``logs`` keeps ``-f`` for ``--follow``, as Compose's does (``short_file=False``);
    ``only`` names the ones a command takes (their ``dest``), when not all of them.
    Defaults are left unset here, so the same flags given before the command are not
    overwritten (see :func:`merge_global_options`).
    """
    out = []
    wanted = set(PROJECT_DEFAULTS) if only is None else set(only)
    for flags, settings in PROJECT_FLAGS:
        if settings["dest"] not in wanted:
            continue
        if flags[0] == "-f" and not short_file:
            flags = flags[1:]
        out.append(option(*flags, default=argparse.SUPPRESS, **settings))
    return tuple(out)


def add_project_options(
    parser: argparse.ArgumentParser, *, short_file: bool = True, only: Iterable[str] | None = None
) -> None:
    """:func:`project_options` for a parser made without a :class:`Command` row."""
    chosen = project_options(short_file=short_file, only=only)
    for opt in chosen:
        opt.add_to(parser)
    parser.set_defaults(takes_project=frozenset(o.settings["dest"] for o in chosen))


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Compose's project flags before the command: ``dockdjango -f x.yaml -p demo up``."""
    group = parser.add_argument_group("project options (as in Compose; also after the command)")
    for flags, settings in PROJECT_FLAGS:
        settings = {**settings, "dest": GLOBAL_PREFIX + settings["dest"]}
        group.add_argument(*flags, default=argparse.SUPPRESS, **settings)


def merge_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Join the project flags given before the command with those given after it: lists
    add up (before first), single values after the command win. A command that takes no
    project flags refuses them (a usage error, exit 2)."""
    given = {
        k[len(GLOBAL_PREFIX) :]: v for k, v in vars(args).items() if k.startswith(GLOBAL_PREFIX)
    }
    for key in list(vars(args)):
        if key.startswith(GLOBAL_PREFIX):
            delattr(args, key)
    takes: frozenset[str] = getattr(args, "takes_project", frozenset())
    refused = sorted({PROJECT_FLAG_NAMES[k] for k in given if k not in takes})
    if refused:
        command = getattr(args, "command", "this command")
        if not takes:
            parser.error(f"{command} takes no project options ({', '.join(refused)})")
        taken = ", ".join(PROJECT_FLAG_NAMES[k] for k in sorted(takes))
        parser.error(f"{command} takes no {', '.join(refused)} (it takes {taken})")
    for key, default in PROJECT_DEFAULTS.items():
        if key not in takes:
            continue
        before, after = given.get(key), getattr(args, key, None)
        if isinstance(default, list) or key == "files":
            merged = [*(before or []), *(after or [])]
            value: Any = merged if merged or key != "files" else None
        else:
            value = after if after is not None else before
        setattr(args, key, value if value is not None else default)


#: ``--verbose``: before the command (every command) or after a command that builds.
VERBOSE_HELP = (
    "show more of what failed: a failing build step's whole kept output, not its last 20 lines"
)


def verbose_option() -> Option:
    """``--verbose`` after a command that builds; unset here, so the flag given before the
    command is not overwritten."""
    return option("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)


def old_spelling(flag: str, dest: str) -> Option:
    """A flag kept working under an old name, not listed in ``--help`` (the new one is)."""
    return option(flag, dest=dest, action="store_true", default=argparse.SUPPRESS, help=SUPPRESS)


def json_option(what: str = "the result") -> Option:
    """The one ``--json`` flag: machine-readable output on stdout instead of a table."""
    return option("--json", action="store_true", help=JSON_HELP.format(what=what))


def port_target(text: str) -> tuple[int, str]:
    """``8000`` or ``53/udp`` as (port, protocol); anything else is a usage error."""
    number, _, protocol = text.partition("/")
    if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a container port: write PORT or PORT/PROTOCOL, e.g. 8000 or 53/udp"
        )
    if protocol.lower() not in ("", "tcp", "udp", "sctp"):
        raise argparse.ArgumentTypeError(f"{text!r}: the protocol is tcp, udp or sctp")
    return int(number), protocol.lower() or "tcp"


def index_option() -> Option:
    """``--index``: which container of a scaled service."""
    return option("--index", type=int, default=1, help="which container of the service (default 1)")


def stop_timeout_option() -> Option:
    """``-t/--timeout`` of stop and restart."""
    return option(
        "-t",
        "--timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help="seconds to wait before killing (default: each service's stop_grace_period)",
    )
