"""`dockdjango db snapshot/restore/list/drop/reset`: the stack's PostgreSQL database.

Thin shells over ``Stack.db`` (:mod:`dockdjango.api.database`): each command finds the
stack as ``up`` does (``-f``, ``-p`` ...), runs on its running database service, and
prints what it did; notes (connections closed) go to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from dockdjango.cli.output import epilog
from dockdjango.cli.project_options import find_stack
from dockdjango.cli.table import (
    Command,
    Option,
    add_commands,
    json_option,
    option,
    project_options,
)

if TYPE_CHECKING:
    from dockdjango.api.database import StackDatabase


def _database(args: argparse.Namespace) -> StackDatabase:
    """``Stack.db`` of the stack the command line names, notes printed to stderr."""
    db = find_stack(args).db
    db.say = lambda line: print(f"  {line}", file=sys.stderr)
    return db


def run_snapshot(args: argparse.Namespace) -> int:
    """Take a snapshot; say its name, size and how long it took."""
    from dockdjango.api.database import human_size

    db = _database(args)
    started = time.monotonic()
    snap = db.snapshot(args.name, replace=args.replace, spare=args.spare)
    took = time.monotonic() - started
    print(
        f"snapshot {snap.name} of {db.target.database}: {human_size(snap.size)}, {took:.1f} s"
        f" (restore: dockdjango db restore {snap.name})"
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Restore a snapshot; say how (swap of a ready copy, or a copy then a swap)."""
    db = _database(args)
    done = db.restore(args.name, spare=args.spare)
    how = "ready copy swapped in" if done.instant else "copied, then swapped in"
    print(f"{db.target.database} restored to snapshot {done.snapshot}: {how}, {done.seconds:.1f} s")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """A table (or JSON) of the snapshots, with size and age."""
    from dockdjango.api.database import human_age, human_size
    from dockdjango.cli.output import print_json, print_table

    db = _database(args)
    snaps = db.snapshots()
    if args.json:
        print_json(
            [
                {
                    "name": s.name,
                    "size": s.size,
                    "created": s.info.get("created"),
                    "branch": s.info.get("branch", ""),
                    "database": s.datname,
                }
                for s in snaps
            ]
        )
        return 0
    if not snaps:
        print(f"no snapshots of {db.target.database} (take one: dockdjango db snapshot NAME)")
        return 0
    print_table(
        ["NAME", "SIZE", "CREATED", "BRANCH"],
        [
            [s.name, human_size(s.size), human_age(s.created), s.info.get("branch") or "-"]
            for s in snaps
        ],
    )
    return 0


def run_drop(args: argparse.Namespace) -> int:
    """Remove snapshots."""
    from dockdjango.api.database import human_size

    db = _database(args)
    for name in args.names:
        snap = db.drop(name)
        print(f"dropped snapshot {snap.name} ({human_size(snap.size)} freed)")
    return 0


def run_reset(args: argparse.Namespace) -> int:
    """Reset to a snapshot, or to an empty database, migrated, fixtures loaded."""
    db = _database(args)
    started = time.monotonic()
    db.reset(snapshot=args.snapshot)
    took = time.monotonic() - started
    what = f"snapshot {args.snapshot}" if args.snapshot else "a fresh, migrated database"
    print(f"{db.target.database} reset to {what} ({took:.1f} s)")
    return 0


def _spare() -> Option:
    return option(
        "--no-spare",
        dest="spare",
        action="store_false",
        help="do not keep a ready copy of this snapshot (which makes its next restore "
        "instant, for the snapshot's size again on disk)",
    )


DB_COMMANDS = (
    Command(
        "snapshot",
        "snapshot the stack's database (a template copy: seconds, whatever the size)",
        run_snapshot,
        options=(
            *project_options(),
            option("name", nargs="?", help="snapshot name (default: the git branch and time)"),
            option("--replace", action="store_true", help="replace a snapshot of that name"),
            _spare(),
        ),
        examples=("dockdjango db snapshot before-refactor", "dockdjango db snapshot"),
    ),
    Command(
        "restore",
        "bring the database back to a snapshot, atomically (never replays SQL)",
        run_restore,
        options=(*project_options(), option("name", help="snapshot name"), _spare()),
        examples=("dockdjango db restore before-refactor",),
    ),
    Command(
        "list",
        "list the database's snapshots with size and age",
        run_list,
        options=(*project_options(), json_option("the snapshots")),
        examples=("dockdjango db list", "dockdjango db list --json"),
    ),
    Command(
        "drop",
        "remove snapshots",
        run_drop,
        options=(*project_options(), option("names", nargs="+", metavar="NAME", help="snapshots")),
        examples=("dockdjango db drop before-refactor",),
    ),
    Command(
        "reset",
        "reset the database: to a snapshot, or empty, migrated, with the project's fixtures",
        run_reset,
        options=(
            *project_options(),
            option("--snapshot", metavar="NAME", help="restore this snapshot instead"),
        ),
        examples=("dockdjango db reset", "dockdjango db reset --snapshot before-refactor"),
    ),
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``db`` and its commands."""
    parser = sub.add_parser(
        "db",
        help="the stack's database: snapshot, restore, list, drop, reset",
        description="Snapshots of the stack's PostgreSQL database, kept in the same server "
        "(they survive `down`, `down -v` removes them and says so), restored atomically by "
        "swapping names. Per-branch databases: x-dockdjango: {database: {per_branch: true}}.",
        epilog=epilog(
            "dockdjango db snapshot before-refactor",
            "dockdjango db restore before-refactor",
            "dockdjango db list",
            "dockdjango db reset",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="db_command", metavar="COMMAND")
    add_commands(commands, DB_COMMANDS)
    parser.set_defaults(func=lambda _args: _usage(parser), takes_project=False)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def before_up(args: argparse.Namespace, stack: Any) -> None:
    """What ``up`` does with the database before the app starts: its service running,
    this git branch's own database (when per-branch databases are on), and a warning
    when the migrations applied and those in the code differ. Silent for a stack with
    no PostgreSQL service, or when ``up`` was limited to services that do not use it."""
    db = stack.db
    found = db.found
    if found is None:
        return
    if (
        args.services
        and found.service not in stack.project.with_selected_services(args.services).services
    ):
        return
    if not any(row.state == "running" for row in stack.ps(found.service)):
        from dockdjango.cli.stack_progress import Progress

        with Progress() as progress:
            stack.up(found.service, wait=True, on_progress=progress, timeout=args.timeout)
    db.say = lambda line: print(f"  {line}", file=sys.stderr)
    for warning, line in db.before_up():
        print(f"{'!' if warning else '✓'} {line}", file=sys.stderr)
    if db.needs_first_migration:
        warning = db.migrate_first()
        if warning:
            print(f"! {warning}", file=sys.stderr)


def before_down(stack: Any) -> None:
    """``down -v``: name the snapshots and branch databases the data volume takes with it."""
    from dockdjango.api.database import human_size

    db = stack.db
    found = db.found
    if found is None:
        return
    seen = db.kept_on_volume()
    if not seen or not seen[0]:
        return
    kept, live = seen
    names = ", ".join(
        f"{k.name} ({human_size(k.size)})"
        if k.kind == "snapshot"
        else f"branch {k.name}'s database"
        for k in kept
    )
    when = "" if live else " (as the server last listed them)"
    print(f"! deleting volume {found.volume} deletes with it{when}: {names}", file=sys.stderr)
