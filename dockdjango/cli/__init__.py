"""`dockdjango` / `python -m dockdjango`: parse arguments, call the API, print.

Each command group lives in its own module under ``dockdjango.cli``: a table
``COMMANDS`` of ``Command`` rows (``dockdjango.cli.table``: name, help, options, examples,
the ``run_*`` function), or a ``register(subparsers)`` function that adds its commands.
Command modules import only the standard library at top level; the API and ``rich`` are
imported inside the run functions so ``dockdjango --help`` stays fast. Modules here
import ``dockdjango.api`` and ``dockdjango.errors`` only; ``project_options`` turns the
project options of a command line into a `Stack`.

Exit codes: 0 success; 1 an error dockdjango explains (bad input, engine unreachable, a
failed build or service); 2 bad command-line usage; 130 interrupted (Ctrl-C); 143
terminated (SIGTERM, which cleans up as Ctrl-C does: see ``dockdjango.cli.signals``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from dockdjango.cli.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, sigterm_unwinds
from dockdjango.cli.table import (
    PROJECT_FLAGS,
    VERBOSE_HELP,
    add_commands,
    add_global_options,
    merge_global_options,
)

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "dockdjango.cli.stack_commands",
    "dockdjango.cli.init",
    "dockdjango.cli.devloop",
    "dockdjango.cli.db_commands",
    "dockdjango.cli.images",
    "dockdjango.cli.config",
    "dockdjango.cli.base",
    "dockdjango.cli.prune",
    "dockdjango.cli.compare",
    "dockdjango.cli.deploy_commands",
)

#: The module of each command, so that a command line imports and registers only its
#: own module (``tests/cli/test_import_budget.py`` keeps this in step with the tables;
#: a command missing here still works, through the full parser, only slower).
COMMAND_HOMES: dict[str, str] = {
    **dict.fromkeys(
        ("up", "down", "ps", "logs", "exec", "stop", "start", "restart", "port"),
        "dockdjango.cli.stack_commands",
    ),
    **dict.fromkeys(("init", "detect"), "dockdjango.cli.init"),
    **dict.fromkeys(("run", "watch"), "dockdjango.cli.devloop"),
    "db": "dockdjango.cli.db_commands",
    **dict.fromkeys(("build", "dockerfile", "explain"), "dockdjango.cli.images"),
    "config": "dockdjango.cli.config",
    **dict.fromkeys(("base", "version"), "dockdjango.cli.base"),
    "prune": "dockdjango.cli.prune",
    "compare": "dockdjango.cli.compare",
    **dict.fromkeys(("deploy", "undeploy", "kube"), "dockdjango.cli.deploy_commands"),
}

EPILOG = """examples:
  dockdjango up                   start the stack in ./compose.yaml, follow every service's
                                  output; Ctrl-C stops it (twice: kills it)
  dockdjango up -d                start it in the background, return once healthy
  dockdjango init                 write compose.yaml + Dockerfile for a Django project
  dockdjango up --build           rebuild what changed, recreate only what must follow
  dockdjango watch                keep the running stack in step with the files you edit
  dockdjango run --rm web python manage.py migrate
  dockdjango explain              which build steps will reuse the layer cache, and why not
  dockdjango exec web python manage.py migrate
  dockdjango db snapshot NAME     snapshot the stack's database; `db restore NAME` brings it back
  dockdjango down                 remove containers and networks; named volumes are kept
  dockdjango config               the resolved compose project, like `docker compose config`
  dockdjango base                 build the registry-free Debian base image if missing
  dockdjango compare              a virtualenv and a container side by side, measured

exit codes: 0 ok, 1 error (explained on one line), 2 usage error, 130 interrupted,
143 terminated (SIGTERM)"""


def build_parser(command: str | None = None, *, listing: bool = False) -> argparse.ArgumentParser:
    """The argument parser, with every command module registered; with ``command`` (a
    command's name), only the module that defines it; with ``listing``, every command by
    name and help only (what the top-level ``--help`` shows: building every command's
    options took most of its time), so it parses no command line."""
    parser = argparse.ArgumentParser(
        prog="dockdjango",
        description="A reproducible Docker dev environment for Django projects.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # no prefixes of the global flags: `dockerfile --generate` is that command's own
        allow_abbrev=False,
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="print dockdjango's version and exit"
    )
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    add_global_options(parser)
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND")
    if listing:
        sub = _Listing(sub)
    home = COMMAND_HOMES.get(command or "")
    for name in (home,) if home else COMMAND_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "COMMANDS"):
            add_commands(sub, module.COMMANDS)
        else:
            module.register(sub)
    return parser


class _Listing:
    """Stands in for the sub-parsers while only the list of commands is wanted: each
    command is added by name and help, and what its module then does to its parser
    (options, defaults, sub-commands) is absorbed by an :class:`_Absorbed`."""

    def __init__(self, sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        self._sub = sub

    def add_parser(self, name: str, **settings: Any) -> _Absorbed:
        self._sub.add_parser(name, help=settings.get("help"), add_help=False)
        return _Absorbed()


class _Absorbed:
    """Takes any call and gives itself back: a command's parser while only listing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


def _listing_only(argv: Sequence[str]) -> bool:
    """Whether a command line with no command can only print the top-level help or the
    version (and so needs no command's options)."""
    return "--" not in argv and (not argv or any(a in ("-h", "--help", "--version") for a in argv))


class _Version(argparse.Action):
    """``--version``: ``dockdjango 0.1.0``, from the installed package's metadata (read
    only when asked, so ``--help`` stays fast)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kw: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("dockdjango")
        except PackageNotFoundError:  # run from a checkout that was never installed
            number = "(not installed: no package metadata)"
        print(f"dockdjango {number}")
        parser.exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. Errors are printed on one line, never raised."""
    words = sys.argv[1:] if argv is None else list(argv)
    command = command_of(words)
    parser = build_parser(command, listing=command is None and _listing_only(words))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    merge_global_options(parser, args)
    from dockdjango.errors import DockdjangoError

    try:
        with sigterm_unwinds():
            return int(args.func(args) or 0)
    except DockdjangoError as exc:
        print_error(exc, verbose=bool(getattr(args, "verbose", False)))
        return 1
    except Terminated:
        print("terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


_TAKES_VALUE = {
    flag
    for flags, settings in PROJECT_FLAGS
    if "store_true" not in str(settings.get("action"))
    for flag in flags
}


def command_of(argv: Sequence[str]) -> str | None:
    """The command a command line names (``ps`` in ``-f x.yaml ps -a``); None when there is
    none, or when the top-level ``--help``/``--version`` comes first (they need every
    command's module)."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help", "--version", "--"):
            return None
        if word in _TAKES_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def print_error(exc: Exception, *, verbose: bool = False) -> None:
    """`error: <what and where>` then, if known, `hint: <what to do>`, on stderr; a failed
    build's step output comes first (its last lines; with ``verbose``, all that were kept)."""
    from dockdjango.cli.output import build_output_lines

    for line in build_output_lines(exc, verbose=verbose):
        print(line, file=sys.stderr)
    message = " ".join(str(exc).split("\n")[:1])
    print(f"error: {message}", file=sys.stderr)
    hint = getattr(exc, "hint", None)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
