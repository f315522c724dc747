"""`dockdjango dockerfile`, `dockdjango build` and `dockdjango explain`."""

from __future__ import annotations

import argparse
from typing import Any

from dockdjango.cli.output import add_json_flag, epilog, first_line
from dockdjango.cli.table import add_project_options, old_spelling, verbose_option

EXAMPLES_DOCKERFILE = epilog(
    "dockdjango dockerfile                       print the Dockerfile for the project here",
    "dockdjango dockerfile --generated           the generated one, even beside the project's",
    "dockdjango dockerfile examples/library --dockerignore",
    "dockdjango dockerfile --write               write Dockerfile and .dockerignore to commit",
)

EXAMPLES_BUILD = epilog(
    "dockdjango build -t library:dev examples/library",
    "dockdjango build --target dev --build-arg GIT_SHA=abc123",
    "dockdjango build --generated .              from the Dockerfile dockdjango generates",
    "dockdjango --file compose.yaml build web    a compose service's image, as `up` builds it",
)
#: The project options naming a compose project: with any of them, `build` builds its
#: services (as `docker compose build`) rather than one directory (as `docker build`).
STACK_OPTIONS = ("files", "project_name", "profiles", "env_files")
#: What the commands that read one project directory take of the project options.
DIRECTORY_OPTIONS = ("project_directory", "generated")

EXAMPLES_EXPLAIN = epilog(
    "dockdjango explain                 which steps the next build reuses, and why not",
    "dockdjango explain examples/library --target dev",
    "dockdjango explain --json          the same, for scripts",
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the image commands."""
    _add_dockerfile(sub)
    _add_build(sub)
    _add_explain(sub)


def _add_dockerfile(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser(
        "dockerfile",
        help="print the Dockerfile dockdjango would build (or write it to commit)",
        description="Print the generated Dockerfile for a project. A Dockerfile already in "
        "the project is always used as it is, and printed instead.",
        epilog=EXAMPLES_DOCKERFILE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("path", nargs="?", help="project directory (default: .)")
    d.add_argument("--dockerignore", action="store_true", help="print the .dockerignore instead")
    d.add_argument("--write", action="store_true", help="write Dockerfile and .dockerignore")
    add_project_options(d, only=DIRECTORY_OPTIONS)
    old_spelling("--generate", "generated").add_to(d)  # of --generated, here: kept working
    d.add_argument("--force", action="store_true", help="with --write: overwrite .dockerignore")
    _options(d)
    d.set_defaults(func=run_dockerfile)


def _add_build(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    b = sub.add_parser(
        "build",
        help="build the project's image, showing which layers are reused",
        description="Build the project's image on the engine's BuildKit, with live progress; "
        "report each step as reused or rebuilt and whether the prediction "
        "(`dockdjango explain`) matched BuildKit's own cache flags.",
        epilog=EXAMPLES_BUILD,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    b.add_argument(
        "targets",
        nargs="*",
        metavar="PATH | SERVICE",
        help="the project directory (default: .); with a compose project named (--file, -p, "
        "--profile, --env-file): its services to build (default: all with `build:`)",
    )
    b.add_argument("-t", "--tag", help="name:tag for the image")
    b.add_argument("--no-cache", action="store_true", help="rebuild every step")
    verbose_option().add_to(b)
    add_project_options(b, short_file=False)
    _build_args(b)
    _options(b)
    b.set_defaults(func=run_build)


def _add_explain(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    e = sub.add_parser(
        "explain",
        help="predict which build steps reuse the layer cache, and why not",
        description="Before building: for each step, will the engine reuse its cached layer? "
        "For the first step that will not, name the cause (instruction, build arg, base "
        "image, or which copied files changed).",
        epilog=EXAMPLES_EXPLAIN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("path", nargs="?", help="project directory (default: .)")
    add_project_options(e, only=DIRECTORY_OPTIONS)
    _build_args(e)
    _options(e)
    add_json_flag(e, "the prediction, step by step")
    e.set_defaults(func=run_explain)


def _build_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", help="build only up to this stage (e.g. dev, runtime)")
    p.add_argument(
        "--build-arg", action="append", default=[], metavar="KEY=VALUE", help="a build arg"
    )
    p.add_argument(
        "-f",
        "--dockerfile",
        dest="dockerfile",
        help="the project's own Dockerfile (default: Dockerfile)",
    )


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", help="base image (default: python:X-slim, else the local base)")
    p.add_argument(
        "--package", action="append", default=[], help="extra Debian package for the image"
    )
    p.add_argument("--offline", action="store_true", default=None, help="never contact a registry")
    from dockdjango.cli.init import override_options

    for opt in override_options(services=False):  # what detection would otherwise guess
        opt.add_to(p)


def _overrides(args: argparse.Namespace) -> Any:
    from dockdjango.cli.init import overrides_from

    return overrides_from(args)


def _dockerfile_options(args: argparse.Namespace) -> Any:
    from dockdjango.api.images.project_images import DockerfileOptions

    return DockerfileOptions(
        base_image=args.base or "",
        system_packages=tuple(args.package),
    )


def _buildargs(args: argparse.Namespace) -> dict[str, str]:
    from dockdjango.errors import DockdjangoError

    out = {}
    for item in args.build_arg:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise DockdjangoError(
                f"--build-arg {item!r}: expected KEY=VALUE", hint="e.g. --build-arg DEBUG=1"
            )
        out[key] = value
    return out


def run_dockerfile(args: argparse.Namespace) -> int:
    """Print (or write) the Dockerfile and .dockerignore."""
    import sys

    from dockdjango.api.images.project_files import (
        generate_dockerignore,
        prepare,
        write_project_files,
    )

    path = _path(args)
    if args.write:
        paths = write_project_files(
            path,
            options=_dockerfile_options(args),
            offline=args.offline,
            overwrite=args.force,
            overrides=_overrides(args),
        )
        for written in paths:
            print(f"wrote {written}")
        if not paths:
            print("nothing written (files exist; --force overwrites .dockerignore)")
        return 0
    if args.dockerignore:
        sys.stdout.write(generate_dockerignore())
        return 0
    # the printed Dockerfile reads the derived requirements files: they are written too
    prepared = prepare(
        path,
        options=_dockerfile_options(args),
        offline=args.offline,
        overrides=_overrides(args),
        create_base=False,
        generate=args.generated,
        write_requirements=True,
        log=lambda line: print(f"# {line}", file=sys.stderr),
    )
    project = prepared.project
    if prepared.generated and project is not None:
        for line in project.assumptions:  # what was detected or assumed, and the override
            print(f"# {line}", file=sys.stderr)
    if not prepared.generated:
        print(f"# using the project's own {prepared.dockerfile_path}", file=sys.stderr)
    sys.stdout.write(prepared.dockerfile)
    return 0


def run_explain(args: argparse.Namespace) -> int:
    """Print the cache prediction: a table (coloured on a terminal), or JSON with --json."""
    import sys

    from dockdjango.api.connection import prediction_note
    from dockdjango.api.images.project_images import explain_project
    from dockdjango.cli.output import is_tty, print_json, print_table

    preds = explain_project(
        _path(args),
        buildargs=_buildargs(args),
        target=args.target,
        options=_dockerfile_options(args),
        dockerfile=args.dockerfile,
        offline=args.offline,
        overrides=_overrides(args),
        generate=args.generated,
    )
    rebuild = sum(1 for p in preds if not p.reused and p.step.has_layer)
    layered = sum(1 for p in preds if p.step.has_layer)
    note = prediction_note()
    if note:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "steps": [_explain_json(p) for p in preds],
                "reused": layered - rebuild,
                "rebuild": rebuild,
            }
        )
        return 0
    summary = f"{layered - rebuild} of {layered} steps reused, {rebuild} to rebuild"
    if not is_tty():
        rows = [
            (
                str(p.step.index),
                first_line(p.step.text, 60),
                _status(p),
                "" if p.reused or not p.cause else p.cause,
            )
            for p in preds
        ]
        print_table(["step", "instruction", "cache", "why"], rows)
        print(summary)
        return 0
    _explain_rich(preds, summary)
    return 0


def _explain_json(p: Any) -> dict[str, Any]:
    return {
        "step": p.step.index,
        "instruction": p.step.text,
        "cache": "reused" if p.reused else "rebuild",
        "vertex": p.step.vertex,
        "first_rebuild": p.first,
        "cause": None if p.reused else p.cause,
        "has_layer": p.step.has_layer,
    }


def _explain_rich(preds: list[Any], summary: str) -> None:
    """The prediction as a coloured table (a terminal)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    table.add_column("step", justify="right")
    table.add_column("instruction", overflow="ellipsis", max_width=44, no_wrap=True)
    table.add_column("cache", no_wrap=True, min_width=7)
    table.add_column("why", overflow="fold", min_width=24)
    for p in preds:
        style = "green" if p.reused else ("bold red" if p.first else "red")
        cause = "" if p.reused or not p.cause else p.cause
        # the instruction's own brackets (`[0]`, `[x for x in ...]`) are text, not markup
        text = escape(first_line(p.step.text, 200))
        table.add_row(str(p.step.index), text, f"[{style}]{_status(p)}[/]", escape(cause))
    console = Console()
    console.print(table)
    console.print(summary)


def _status(p: Any) -> str:
    if not p.step.has_layer:
        return "config" if p.step.keyword not in ("FROM", "ARG") else "-"
    return "reused" if p.reused else ("REBUILD" if p.first else "rebuild")


def run_build(args: argparse.Namespace) -> int:
    """Build with live progress, then a per-step table and whether `explain` was right."""
    from dockdjango.api.images.project_images import build_project
    from dockdjango.cli.build_progress import BuildProgress, print_build_report

    if any(getattr(args, key) for key in STACK_OPTIONS):
        return _build_services(args)
    if len(args.targets) > 1:
        from dockdjango.errors import DockdjangoError

        raise DockdjangoError(
            f"build takes one project directory, not {len(args.targets)}",
            hint="name a compose project (--file compose.yaml) to build services by name",
        )
    progress = BuildProgress()
    # a failure's step output is printed with the error (dockdjango.cli.output)
    with progress:
        build = build_project(
            _path(args, args.targets[0] if args.targets else None),
            tag=args.tag,
            buildargs=_buildargs(args),
            target=args.target,
            options=_dockerfile_options(args),
            dockerfile=args.dockerfile,
            offline=args.offline,
            overrides=_overrides(args),
            nocache=args.no_cache,
            on_event=progress,
            log=progress.log,
            generate=args.generated,
        )
    print_build_report(build)
    return 0


def _path(args: argparse.Namespace, given: str | None = None) -> str:
    """The project directory: the one named, else --project-directory, else here."""
    return given or getattr(args, "path", None) or args.project_directory or "."


def _build_services(args: argparse.Namespace) -> int:
    """``build`` of a compose project: its services' images, as ``up --build`` builds them
    (``docker compose build``)."""
    from dockdjango.api.stack.stack_build import build_services
    from dockdjango.cli.project_options import find_stack
    from dockdjango.cli.stack_progress import Progress

    stack = find_stack(args, need_file=True)
    with Progress() as progress:
        built = build_services(stack, *args.targets, on_progress=progress)
    for service, image_id in sorted(built.items()):
        print(f"{service}: built {image_id.removeprefix('sha256:')[:12]}")
    if not built:
        print(f"{stack.name}: no service to build (none has `build:`)")
    return 0
