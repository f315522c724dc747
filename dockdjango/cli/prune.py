"""`dockdjango prune`: remove what killed test sessions left behind."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from dockdjango.cli.table import Command, option

if TYPE_CHECKING:
    from dockdjango.api.connection import DockerClient


def run_prune(args: argparse.Namespace) -> int:
    """List (and unless --dry-run remove) leftovers; one line per session."""
    from dockdjango.api.testing import connect, find_leftovers, remove_leftovers

    client = connect()
    leftovers = find_leftovers(client, include_kept=args.reused)
    if args.images:
        prune_images(client, args.dry_run)
    if not leftovers:
        print("nothing to prune: no leftovers of finished or killed test sessions")
        return 0
    verb = "would remove" if args.dry_run else "removed"
    total = 0
    for entry in leftovers:
        why = "kept by --dockdjango-reuse" if entry.kept else f"owner pid {entry.owner_pid} is gone"
        parts = [
            f"{len(entry.containers)} container(s)",
            f"{len(entry.networks)} network(s)",
            f"{len(entry.volumes)} volume(s)",
        ]
        if not args.dry_run:
            remove_leftovers(client, [entry])
        total += entry.count - len(entry.warnings)
        print(f"{verb} session {entry.session} ({why}): {', '.join(parts)}")
        for warning in entry.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    print(f"{verb} {total} object(s) of {len(leftovers)} session(s)")
    return 0


def prune_images(client: DockerClient, dry_run: bool) -> None:
    """Remove (or list) the prepared PostgreSQL images."""
    from dockdjango.api.testing import prepared_images, remove_images

    tags = prepared_images(client)
    for tag in tags:
        print(f"{'would remove' if dry_run else 'removed'} prepared image {tag}")
    if not dry_run:
        remove_images(client, tags)


COMMANDS = (
    Command(
        "prune",
        "remove containers, networks and volumes of test sessions whose process is gone",
        run_prune,
        description="Remove the containers, networks and volumes that dockdjango's pytest "
        "fixtures started in sessions whose process no longer runs (killed with SIGKILL, a "
        "crashed CI job). Only objects labelled dev.dockdjango.session are considered, and only "
        "sessions started on this host; running sessions are never touched. Each test session "
        "does this by itself at start-up.",
        options=(
            option("--dry-run", action="store_true", help="list what would be removed"),
            option(
                "--reused",
                action="store_true",
                help="also remove stacks and servers kept on purpose by --dockdjango-reuse",
            ),
            option(
                "--images",
                action="store_true",
                help="also remove the PostgreSQL images the postgres fixture prepared (a cache: "
                "made again on next use)",
            ),
        ),
        examples=(
            "dockdjango prune",
            "dockdjango prune --dry-run",
            "dockdjango prune --reused   # also stacks kept by --dockdjango-reuse",
            "dockdjango prune --images   # also prepared PostgreSQL images",
        ),
    ),
)
