"""`dockdjango up/down/ps/logs/exec/stop/start/restart`: run a compose stack.

Results go to stdout, progress to stderr (drawn with ``rich`` on a terminal, plain lines
otherwise). Everything here is a thin shell over ``dockdjango.api.stack.Stack``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from dockdjango.cli.output import epilog
from dockdjango.cli.stack_progress import Progress


def _project_options(p: argparse.ArgumentParser, short_file: bool = True) -> None:
    # `logs` keeps -f for --follow, as Compose's does
    flags = ("-f", "--file") if short_file else ("--file",)
    p.add_argument(
        *flags,
        dest="files",
        action="append",
        metavar="FILE",
        help="compose file (repeatable)",
    )
    p.add_argument(
        "-p", "--project-name", dest="project_name", help="project name (default: directory)"
    )
    p.add_argument(
        "--profile", dest="profiles", action="append", default=[], help="enable a profile"
    )


def _add(sub: Any, name: str, help: str, examples: list[str], func: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=epilog(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _project_options(p, short_file=name != "logs")
    p.set_defaults(func=func)
    return p


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the stack commands."""
    p = _add(
        sub,
        "up",
        "create and start the stack's containers, recreating only what changed",
        [
            "dockdjango up",
            "dockdjango up --build",
            "dockdjango up --force-recreate --remove-orphans",
        ],
        run_up,
    )
    p.add_argument("services", nargs="*", help="only these services (and what they depend on)")
    p.add_argument(
        "--wait",
        dest="wait",
        action="store_true",
        default=True,
        help="wait until every service is running and healthy (the default)",
    )
    p.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="return once started, without waiting for health",
    )
    p.add_argument(
        "-d",
        "--detach",
        action="store_true",
        help="accepted for Compose compatibility: dockdjango up always returns once up",
    )
    p.add_argument(
        "--build", action="store_true", help="build images of services with `build:` first"
    )
    p.add_argument(
        "--force-recreate", action="store_true", help="recreate containers even if unchanged"
    )
    p.add_argument("--no-recreate", action="store_true", help="never recreate existing containers")
    p.add_argument(
        "--remove-orphans",
        action="store_true",
        help="remove containers of services no longer in the file",
    )
    p.add_argument(
        "--timeout",
        "--wait-timeout",
        dest="timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="give up waiting after this long (default 120)",
    )

    p = _add(
        sub,
        "down",
        "stop and remove containers and networks (named volumes are kept)",
        ["dockdjango down", "dockdjango down -v   # also delete named volumes (data!)"],
        run_down,
    )
    p.add_argument("-v", "--volumes", action="store_true", help="also remove named volumes")
    p.add_argument(
        "--remove-orphans",
        action="store_true",
        help="also remove containers of services not in the file",
    )

    p = _add(
        sub,
        "ps",
        "list the stack's containers with state, health and ports",
        ["dockdjango ps", "dockdjango ps --json"],
        run_ps,
    )
    p.add_argument("services", nargs="*", help="only these services")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")

    p = _add(
        sub,
        "logs",
        "show container output, merged and prefixed",
        ["dockdjango logs", "dockdjango logs -f --tail 20 web"],
        run_logs,
    )
    p.add_argument("services", nargs="*", help="only these services")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new output")
    p.add_argument(
        "--tail", type=int, default=None, metavar="N", help="last N lines of each container"
    )
    p.add_argument(
        "--no-log-prefix",
        dest="prefix",
        action="store_false",
        help="print lines without the container prefix",
    )

    p = _add(
        sub,
        "exec",
        "run a command in a running service container",
        [
            "dockdjango exec web python manage.py migrate",
            "dockdjango exec -T db python3 -c 'print(1)'",
        ],
        run_exec,
    )
    p.add_argument(
        "-T", "--no-tty", dest="tty", action="store_false", help="do not attach a terminal"
    )
    p.add_argument("-u", "--user", help="run as this user")
    p.add_argument("-w", "--workdir", help="working directory inside the container")
    p.add_argument(
        "-e",
        "--env",
        action="append",
        default=[],
        metavar="KEY=VAL",
        help="set an environment variable",
    )
    p.add_argument(
        "--index", type=int, default=1, help="which container of the service (default 1)"
    )
    p.add_argument("service", help="service name")
    p.add_argument("command", nargs=argparse.REMAINDER, help="command and its arguments")

    p = _add(
        sub,
        "port",
        "print the host address where a service's port is published",
        ["dockdjango port web 8000", "curl http://$(dockdjango port web 8000)/api/"],
        run_port,
    )
    p.add_argument("service", help="service name")
    p.add_argument("target", help="container port, optionally with /udp")
    p.add_argument(
        "--index", type=int, default=1, help="which container of the service (default 1)"
    )

    for name, help, func in (
        ("stop", "stop containers without removing them", run_stop),
        ("start", "start stopped containers", run_start),
        ("restart", "stop then start containers", run_restart),
    ):
        p = _add(sub, name, help, [f"dockdjango {name}", f"dockdjango {name} web"], func)
        p.add_argument("services", nargs="*", help="only these services")
        if name != "start":
            p.add_argument(
                "-t",
                "--timeout",
                type=int,
                default=None,
                metavar="SECONDS",
                help="seconds to wait before killing (default: each service's stop_grace_period)",
            )


COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def _has_compose_file() -> bool:
    """Whether a compose file is in the current directory or a parent (Compose's search)."""
    from pathlib import Path

    here = Path.cwd()
    return any((d / n).is_file() for d in (here, *here.parents) for n in COMPOSE_FILE_NAMES)


def _stack(
    args: argparse.Namespace, *, need_file: bool = False, environ: dict[str, str] | None = None
) -> Any:
    from dockdjango.api.stack import Stack

    if not need_file and args.project_name and not args.files and not _has_compose_file():
        # `-p NAME` with no file: work on what the engine has under that name
        return Stack.existing(args.project_name)
    return Stack.load(
        args.files or None, project_name=args.project_name, profiles=args.profiles, environ=environ
    )


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_up(args: argparse.Namespace) -> int:
    """Bring the stack up and say what changed (or that nothing did)."""
    from dockdjango.errors import DockdjangoError, ServiceError

    if args.force_recreate and args.no_recreate:
        raise DockdjangoError("--force-recreate and --no-recreate cannot be used together")

    from dockdjango.api.postgres import postgres_environ

    # A file that asks for ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16} gets the official image
    # where a registry serves it, else one built from Debian's package (said so here).
    environ = postgres_environ(
        args.files or None,
        on_choice=lambda pg: print(f"✓ postgres image ({pg.summary})", file=sys.stderr),
    )
    stack = _stack(args, need_file=True, environ=environ)
    # SIGTERM (a CI job cancelled, `kill`) cleans up like Ctrl-C: what this run started stops
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with Progress() as progress:
            result = stack.up(
                *args.services,
                wait=args.wait,
                build=args.build,
                force_recreate=args.force_recreate,
                no_recreate=args.no_recreate,
                remove_orphans=args.remove_orphans,
                timeout=args.timeout,
                on_progress=progress,
            )
    except ServiceError as exc:
        # the error itself is one line; the service's last output helps explain it
        if len(exc.logs) > 1:
            print(f"last output of {exc.service}:", file=sys.stderr)
            for line in exc.logs[-10:]:
                print(f"  {line}", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not result.changed:
        print(f"{stack.name}: nothing to do, {len(result.services)} service(s) already up to date")
    else:
        for service, (what, why) in sorted(result.services.items()):
            print(f"{service}: {what}" + (f" ({why})" if why and why != "new" else ""))
    for row in stack.ps():
        if row.ports_text() and any(host for _, host, _, _ in row.ports):
            print(f"  {row.service}  {row.ports_text()}")
    links = stack.links()
    if links:
        print(f"{stack.name.capitalize()} is up:")
        width = max(len(link.label) for link in links)
        for link in links:
            if link.label == "note":
                print(f"  {link.url}")
            else:
                print(f"  {link.label:<{width}}  {link.url}")
    return 0


def run_down(args: argparse.Namespace) -> int:
    """Remove the stack; say what was removed and what was kept."""
    stack = _stack(args)
    with Progress() as progress:
        result = stack.down(
            volumes=args.volumes, remove_orphans=args.remove_orphans, on_progress=progress
        )
    kept = "" if args.volumes else " (named volumes kept; `down -v` removes them)"
    counts = (
        f"{len(result.containers)} container(s), {len(result.networks)} network(s), "
        f"{len(result.volumes)} volume(s)"
    )
    print(f"{stack.name}: removed {counts}{kept}")
    return 0


def run_port(args: argparse.Namespace) -> int:
    """``127.0.0.1:49153``."""
    target, _, protocol = str(args.target).partition("/")
    host, port = _stack(args).port(args.service, int(target), protocol or "tcp", args.index)
    print(f"{host}:{port}")
    return 0


def run_ps(args: argparse.Namespace) -> int:
    """A table (or JSON) of the stack's containers."""
    from dataclasses import asdict

    from dockdjango.cli.output import print_json, print_table

    rows = _stack(args).ps(*args.services)
    if args.json:
        print_json([asdict(r) | {"ports": r.ports_text()} for r in rows])
        return 0
    print_table(
        ["NAME", "SERVICE", "STATE", "HEALTH", "PORTS"],
        [
            [
                r.name,
                r.service,
                r.state + (f" ({r.exit_code})" if r.state == "exited" else ""),
                r.health or "-",
                r.ports_text(),
            ]
            for r in rows
        ],
    )
    return 0


def run_logs(args: argparse.Namespace) -> int:
    """Print (or follow) merged, prefixed output."""
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.logs import iter_logs

    stack = _stack(args)
    width = max(
        (len(r.name.removeprefix(f"{stack.name}-")) for r in stack.ps(*args.services)), default=0
    )
    with engine_errors():
        for line in iter_logs(
            stack.client, stack.name, args.services or None, tail=args.tail, follow=args.follow
        ):
            print(line.prefixed(width) if args.prefix else line.text, flush=args.follow)
    return 0


def run_exec(args: argparse.Namespace) -> int:
    """Run the command; exit with its exit code."""
    from dockdjango.engine.execs import run_interactive, run_streamed
    from dockdjango.engine.failures import engine_errors
    from dockdjango.errors import DockdjangoError

    if not args.command:
        raise DockdjangoError(
            "exec needs a command", hint="e.g. dockdjango exec web python manage.py migrate"
        )
    stack = _stack(args)
    cid = stack.running_container_id(args.service, args.index)
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in args.env)
    with engine_errors():
        if args.tty and sys.stdin.isatty() and sys.stdout.isatty():
            return run_interactive(
                stack.client, cid, args.command, user=args.user, workdir=args.workdir, env=env
            )
        return run_streamed(
            stack.client,
            cid,
            args.command,
            user=args.user,
            workdir=args.workdir,
            env=env,
            write_out=lambda b: (sys.stdout.buffer.write(b), sys.stdout.flush()),
            write_err=lambda b: (sys.stderr.buffer.write(b), sys.stderr.flush()),
        )


def run_stop(args: argparse.Namespace) -> int:
    """Stop containers, dependents first."""
    with Progress() as progress:
        _stack(args).stop(*args.services, timeout=args.timeout, on_progress=progress)
    return 0


def run_start(args: argparse.Namespace) -> int:
    """Start stopped containers, dependencies first."""
    with Progress() as progress:
        _stack(args).start(*args.services, on_progress=progress)
    return 0


def run_restart(args: argparse.Namespace) -> int:
    """Stop then start."""
    with Progress() as progress:
        _stack(args).restart(*args.services, timeout=args.timeout, on_progress=progress)
    return 0
