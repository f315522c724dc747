"""`dockdjango config`: print the resolved project, like `docker compose config`."""

from __future__ import annotations

import argparse

from dockdjango.cli.table import Command, option, project_options


def run_config(args: argparse.Namespace) -> int:
    """Load the project and print it; a `SpecError` propagates to the one-line printer."""
    import sys

    from dockdjango.api.compose_project import config_hashes, to_json
    from dockdjango.cli.project_options import resolve

    project = resolve(args).load()
    for warning in project.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.quiet:
        return 0
    if args.hash:
        wanted = None if args.hash == "*" else args.hash.split(",")
        for name, digest in config_hashes(project, wanted).items():
            print(f"{name} {digest}")
        return 0
    if args.services:
        for name in project.services:
            print(name)
        return 0
    if args.format == "json":
        print(to_json(project))
    else:
        print(project.to_yaml(), end="")
    return 0


COMMANDS = (
    Command(
        "config",
        "print the resolved compose project (like `docker compose config`)",
        run_config,
        description="Load the compose file(s) through dockdjango's loader (merge, extends, "
        "interpolation, profiles, defaults) and print the result in Compose's canonical "
        "form. Errors name the file, line and field.",
        options=(
            *project_options(),
            option("--format", choices=("yaml", "json"), default="yaml", help="output format"),
            option(
                "--json",
                dest="format",
                action="store_const",
                const="json",
                help="the same as --format json (as for ps, explain and compare)",
            ),
            option("--services", action="store_true", help="print only the service names"),
            option(
                "--hash",
                metavar="SERVICES",
                help="print '<service> <config hash>' for these services ('*' or a comma list), "
                "the hash Compose labels containers with",
            ),
            option("-q", "--quiet", action="store_true", help="only validate; print nothing"),
        ),
        examples=(
            "dockdjango config",
            "dockdjango config -f compose.yaml -f compose.dev.yaml --json",
            "dockdjango config --profile debug --services",
            "dockdjango config --hash '*'",
        ),
    ),
)
