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

    from dockdjango.api.stack.stack import ContainerStatus, Stack


def find_stack(
    args: argparse.Namespace, *, need_file: bool = False, environ: dict[str, str] | None = None
) -> Stack:
    """The stack ``-f``/``-p``/``--profile``/``--env-file``/``--project-directory`` name,
    as Compose resolves it (:meth:`Stack.find`); in a Django project with no compose file
    (or with ``--generated``), the stack dockdjango detects.

    A command that does not need the file (``down``, ``ps``, ``stop``, ``logs``, ``port``,
    ``exec``) works from the containers' labels: the file is read and checked, its typed
    models are not built (``typed=False``), which keeps these commands quick."""
    from dockdjango.api.stack.stack import Stack

    if zero_config(args):
        return _detected(args, environ)
    return Stack.find(
        args.files or None,
        project_name=args.project_name,
        profiles=args.profiles,
        environ=environ,
        env_files=args.env_files,
        project_directory=args.project_directory,
        need_file=need_file,
        typed=need_file,
    )


def zero_config(args: argparse.Namespace) -> bool:
    """``--generated``, or no compose file anywhere Compose looks, in a Django project."""
    from dockdjango.api.stack.stack import compose_files

    if getattr(args, "generated", False):
        return True
    if args.files or compose_files(args.project_directory):
        return False
    from dockdjango.api.stack.zeroconfig import is_django_project  # detection: only when needed

    return is_django_project(args.project_directory or ".")


def _detected(args: argparse.Namespace, environ: dict[str, str] | None) -> Stack:
    """The stack dockdjango detects; what it assumed is said once, on stderr. Commands
    other than ``up`` fall back to the stack the engine knows by name when detection
    refuses (a Python that exists nowhere here matters to ``up``, not to ``down``)."""
    from dockdjango.api.stack.stack import Stack
    from dockdjango.api.stack.zeroconfig import detect_for_stack, detected_stack, stack_name
    from dockdjango.cli.init import overrides_from
    from dockdjango.errors import DockdjangoError

    root = args.project_directory or "."
    try:
        project = detect_for_stack(root, environ=environ, overrides=overrides_from(args))
    except DockdjangoError:
        if args.command == "up":
            raise
        return Stack.existing(args.project_name or stack_name(root, environ))
    if args.command == "up":
        print(
            f"no compose file: running what dockdjango detects in {project.root.resolve()}",
            file=sys.stderr,
        )
        for line in project.assumptions:
            print(f"  · {line}", file=sys.stderr)
        print(
            "  (`dockdjango init` writes it out as compose.yaml + Dockerfile to commit)",
            file=sys.stderr,
        )
    return detected_stack(root, project_name=args.project_name, environ=environ, project=project)


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
