"""`dockdjango init` and `dockdjango detect`: what dockdjango finds in a Django project, written
out as files to commit (compose.yaml, Dockerfile, .dockerignore) or only printed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from dockdjango.cli.table import Command, Option, json_option, option

if TYPE_CHECKING:
    from dockdjango.api.stack.zeroconfig import Overrides


def override_options(*, services: bool = True) -> tuple[Option, ...]:
    """The flags that answer what detection would otherwise guess (they win over
    ``[tool.dockdjango]`` in pyproject.toml); the image commands take all but ``--service``."""
    flags = (
        option("--python", metavar="X.Y", help="the image's Python (3.11, 3.13, 3.14 here)"),
        option("--settings", metavar="MODULE", help="DJANGO_SETTINGS_MODULE"),
        option("--manage", metavar="PATH", help="the manage.py to run (e.g. src/manage.py)"),
        option("--requirements", metavar="FILE", help="the requirements file to install"),
        option(
            "--service",
            dest="services",
            action="append",
            choices=("postgres", "redis", "celery", "mysql", "none"),
            help="backing services instead of the detected ones (repeatable; `none`: SQLite)",
        ),
    )
    return flags if services else flags[:-1]


def overrides_from(args: argparse.Namespace) -> Overrides:
    """The command line's answers as :class:`~dockdjango.api.stack.zeroconfig.Overrides`."""
    from dockdjango.api.stack.zeroconfig import Overrides

    services = getattr(args, "services", None)
    chosen = tuple(s for s in services or () if s != "none") if services else None
    values: dict[str, Any] = {
        "python": getattr(args, "python", None),
        "settings": getattr(args, "settings", None),
        "manage": getattr(args, "manage", None),
        "requirements": getattr(args, "requirements", None),
        "services": chosen,
    }
    flags = {
        "python": "--python",
        "settings": "--settings",
        "manage": "--manage",
        "requirements": "--requirements",
        "services": "--service",
    }
    given = {k: v for k, v in values.items() if v is not None}
    return Overrides(**given, sources={k: flags[k] for k in given})


def run_init(args: argparse.Namespace) -> int:
    """Write the files; say what was written, kept and detected."""
    from dockdjango.api.stack.zeroconfig import describe, detect_for_stack, init_project

    if args.explain:
        project = detect_for_stack(args.path, overrides=overrides_from(args))
        return _explain(describe(project), args.json)
    result = init_project(
        args.path,
        compose_name=args.file,
        force=args.force,
        overrides=overrides_from(args),
    )
    for path in result.written:
        print(f"wrote {path}")
    for path in result.kept:
        print(f"kept  {path}")
    print("detected:", file=sys.stderr)
    for line in result.notes:
        print(f"  · {line}", file=sys.stderr)
    name = "" if args.file == "compose.yaml" else f" -f {args.file}"
    print(f"next: dockdjango{name} up   (or docker compose{name} up); commit the files")
    return 0


def run_detect(args: argparse.Namespace) -> int:
    """Print what was detected (nothing is written, no image is made)."""
    from dockdjango.api.stack.zeroconfig import describe, detect_only

    project = detect_only(args.path, overrides=overrides_from(args))
    return _explain(describe(project), args.json)


def _explain(data: dict[str, object], as_json: bool) -> int:
    from dockdjango.cli.output import print_json

    if as_json:
        print_json(data)
        return 0
    for key, value in data.items():
        if key in ("assumptions", "steps"):
            continue  # said below, one line each
        print(f"{key:<17} {value}")
    print("assumed (override with the flags shown, or [tool.dockdjango] in pyproject.toml):")
    for line in data["assumptions"]:  # type: ignore[attr-defined]
        print(f"  · {line}")
    return 0


COMMANDS = (
    Command(
        "init",
        "write compose.yaml, Dockerfile and .dockerignore for a Django project, to commit",
        run_init,
        description="Detect the project (dependencies, Python, manage.py, settings, the "
        "database and services its settings read) and write a readable, commented compose "
        "file, Dockerfile and .dockerignore that `dockdjango up` and `docker compose up` "
        "both run. A project's own Dockerfile is never overwritten (the generated one is "
        "written beside it as dockdjango.Dockerfile).",
        options=(
            option("path", nargs="?", default=".", help="project directory (default: .)"),
            option(
                "--file",
                default="compose.yaml",
                metavar="NAME",
                help="the compose file's name (default compose.yaml)",
            ),
            option("--force", action="store_true", help="replace an existing compose file"),
            option("--explain", action="store_true", help="only say what would be detected"),
            json_option("what was detected (with --explain)"),
            *override_options(),
        ),
        examples=(
            "dockdjango init                     # then: dockdjango up",
            "dockdjango init --explain           # what it detects, and why",
            "dockdjango init --python 3.13 --settings mysite.settings.dev",
            "dockdjango init --file compose.dockdjango.yaml   # beside an existing compose.yaml",
        ),
    ),
    Command(
        "detect",
        "say what dockdjango detects in a project, and what it assumed",
        run_detect,
        description="Print what dockdjango finds in a project (dependencies and where from, "
        "Python, manage.py, settings, services and the variables that wire them), each guess "
        "with the way to override it. Reads files only: no engine, no image, nothing written.",
        options=(
            option("path", nargs="?", default=".", help="project directory (default: .)"),
            json_option("what was detected"),
            *override_options(),
        ),
        examples=("dockdjango detect", "dockdjango detect --json path/to/project"),
    ),
)
