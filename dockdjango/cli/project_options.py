"""From the project options of a command line to a `Stack` (or, with no compose file in a
Django project, the detected one), and ``up``'s shared flags.

Shared by the stack commands and the daily-loop ones (attached ``up``, ``run``,
``watch``), so neither imports the other.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dockdjango.api.compose_project import ProjectOptions
    from dockdjango.api.local_engine import LocalProject
    from dockdjango.api.stack.stack import ContainerStatus, Stack


def resolve(args: argparse.Namespace) -> ProjectOptions:
    """The project the command line names, resolved once: ``-f``/``-p``/``--profile``/
    ``--env-file``/``--project-directory``/``--generated`` as Compose resolves them (files
    found, ``.env`` read), and whether it is the project dockdjango detects (a Django
    project with no compose file, or ``--generated``). Everything after this takes the
    result; nothing looks for files again."""
    from dockdjango.api.compose_project import ProjectOptions

    return ProjectOptions.resolve(
        args.files,
        project_name=args.project_name,
        profiles=args.profiles,
        env_files=args.env_files,
        project_directory=args.project_directory,
        generated=getattr(args, "generated", False),
    )


def resolve_to_run(args: argparse.Namespace, *, dry_run: bool = False) -> ProjectOptions:
    """:func:`resolve`, with the variables the commands that create containers (``up``,
    ``run``, ``watch``) add, so that all three load the same project: the PostgreSQL image
    a file asks for as ``${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}`` (the official one
    where a registry serves it, else one built from Debian's package, said so), and the
    ids the dev service of a file `dockdjango init` wrote runs as (the checkout's owner)."""
    from dockdjango.api.stack.postgres import postgres_variables
    from dockdjango.api.stack.zeroconfig import owner_variables

    options = resolve(args)
    if not options.zero_config:
        options = options.with_variables(
            postgres_variables(
                options.located,
                on_choice=lambda pg: print(f"✓ postgres image ({pg.summary})", file=sys.stderr),
                dry_run=dry_run,
            )
        )
    return options.with_variables(owner_variables(options.project_dir, options.variables))


def find_stack(
    args: argparse.Namespace, *, need_file: bool = False, options: ProjectOptions | None = None
) -> Stack:
    """The stack of the project :func:`resolve` finds (or ``options``, resolved already);
    a zero-config project is detected here, what it assumed said once, on stderr.

    A command that does not need the file (``down``, ``ps``, ``stop``, ``logs``, ``port``,
    ``exec``) works from the containers' labels: the file is read and checked, its typed
    models are not built (``typed=False``), which keeps these commands quick."""
    from dockdjango.api.stack.stack import Stack

    options = options or resolve(args)
    if options.zero_config:
        return _detected(args, options)
    return Stack.from_options(options, need_file=need_file, typed=need_file)


def find_reader(args: argparse.Namespace) -> Stack | LocalProject:
    """For the commands that work from the containers alone (``ps``, ``logs``, ``port``,
    ``stop``, ``down`` without ``-v``): the project on the local engine, reached without
    the Docker SDK where that gives the SDK's answer, else :func:`find_stack`'s stack (same
    rows, same lines, same removals)."""
    from dockdjango.api.local_engine import local_project

    options = resolve(args)
    return local_project(options) or find_stack(args, options=options)


def _detected(args: argparse.Namespace, options: ProjectOptions) -> Stack:
    """The stack dockdjango detects; what it assumed is said once, on stderr. Commands
    other than ``up`` fall back to the stack the engine knows by name when detection
    refuses (a Python that exists nowhere here matters to ``up``, not to ``down``)."""
    from dockdjango.api.stack.stack import Stack
    from dockdjango.api.stack.zeroconfig import compose_file_in, detect_for_stack, detected_stack
    from dockdjango.cli.init import overrides_from
    from dockdjango.errors import DockdjangoError

    root = options.project_dir
    try:
        project = detect_for_stack(root, overrides=overrides_from(args))
    except DockdjangoError:
        if args.command == "up":
            raise
        return Stack.existing(options.name)
    if args.command == "up":
        # with --generated a compose file may be there, set aside: never "no compose file"
        aside = compose_file_in(root) if getattr(args, "generated", False) else None
        why = f"--generated: {aside} set aside," if aside else "no compose file:"
        print(f"{why} running what dockdjango detects in {project.root.resolve()}", file=sys.stderr)
        for line in project.assumptions:
            print(f"  · {line}", file=sys.stderr)
    note = (lambda line: print(f"  · {line}", file=sys.stderr)) if args.command == "up" else None
    stack = detected_stack(
        root,
        project_name=options.project_name,
        project=project,
        located=options.located,
        on_note=note,
    )
    if args.command == "up":
        print(
            "  (`dockdjango init` writes it out as compose.yaml + Dockerfile to commit)",
            file=sys.stderr,
        )
    return stack


def up_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``up`` flags attached and detached ``up`` share, as ``Stack.up`` arguments."""
    return {
        "build": args.build,
        "force_recreate": args.force_recreate,
        "no_recreate": args.no_recreate,
        "remove_orphans": args.remove_orphans,
        "timeout": args.timeout,
    }


def public_port_warnings(rows: Iterable[ContainerStatus]) -> list[str]:
    """One ``warning:`` line per port published on all interfaces, which other machines can
    reach: where it is bound, and the ``127.0.0.1:`` form that keeps it on this one."""
    return _warnings(
        (row.service, target, proto, where[0].rsplit(":", 1)[1], ", ".join(where))
        for row in rows
        for target, proto, where in row.on_all_interfaces()
    )


def planned_port_warnings(stack: Stack) -> list[str]:
    """The same warnings before ``up`` (a dry run), from the file: a ``ports:`` entry with
    no host IP (or ``0.0.0.0``, ``::``) will be published on all interfaces."""
    return _warnings(
        (name, port.target, port.protocol, port.published or "", where)
        for name, svc in stack.project.services.items()
        for port in svc.ports
        if (port.host_ip or "") in ("", "0.0.0.0", "::")
        for where in [f"{port.host_ip or '0.0.0.0'}:{port.published or '<any free port>'}"]
    )


def _warnings(found: Iterable[tuple[str, int, str, str, str]]) -> list[str]:
    """(service, target, protocol, host port, where it is bound) -> one line each, said once
    per service and port (not per container)."""
    out = []
    seen = set()
    for service, target, proto, host, where in found:
        if (service, target, proto) in seen:
            continue
        seen.add((service, target, proto))
        suffix = "" if proto == "tcp" else f"/{proto}"
        out.append(
            f"warning: {service} publishes {target}{suffix} on all interfaces ({where}): "
            "other machines can reach it; to keep it on this one, "
            f'write "127.0.0.1:{host}:{target}{suffix}" in services.{service}.ports'
        )
    return out
