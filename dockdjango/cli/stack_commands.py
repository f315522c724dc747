"""`dockdjango up/down/ps/logs/exec/stop/start/restart`: run a compose stack.

Results go to stdout, progress to stderr (drawn with ``rich`` on a terminal, plain lines
otherwise). Everything here is a thin shell over ``dockdjango.api.stack.stack.Stack``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING, Any

from dockdjango.cli.devloop import print_up, remote_port_notes, run_port
from dockdjango.cli.init import override_options
from dockdjango.cli.project_options import (
    find_reader,
    find_stack,
    planned_port_warnings,
    resolve_to_run,
    up_options,
)
from dockdjango.cli.signals import raise_terminated
from dockdjango.cli.stack_progress import Progress
from dockdjango.cli.table import (
    Command,
    Option,
    index_option,
    option,
    port_target,
    project_options,
    stop_timeout_option,
    verbose_option,
)

if TYPE_CHECKING:
    from dockdjango.api.local_engine import LocalProject
    from dockdjango.api.stack.stack import Stack


def run_up(args: argparse.Namespace) -> int:
    """Bring the stack up and say what changed (or that nothing did)."""
    from dockdjango.errors import DockdjangoError, ServiceError

    if args.force_recreate and args.no_recreate:
        raise DockdjangoError("--force-recreate and --no-recreate cannot be used together")

    stack = find_stack(args, need_file=True, options=resolve_to_run(args, dry_run=args.dry_run))
    if args.dry_run:
        from dockdjango.cli.dry_run import plan_lines

        result = stack.plan(*args.services, **_plan_options(args))
        print("\n".join(plan_lines(stack.name, result)))
        for line in planned_port_warnings(stack.select(*args.services) if args.services else stack):
            print(line, file=sys.stderr)
        return 0
    from dockdjango.cli.db_commands import before_up

    before_up(args, stack)  # this branch's database, migration warnings (stack's db only)
    if not args.detach and args.wait is None:
        from dockdjango.cli.devloop import run_attached_up

        return run_attached_up(args, stack)
    if args.watch:
        raise DockdjangoError("--watch follows the output: use it without -d/--wait")
    # SIGTERM (a CI job cancelled, `kill`) cleans up like Ctrl-C: what this run started stops
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        with Progress() as progress:
            result = stack.up(
                *args.services,
                wait=args.wait is not False,
                on_progress=progress,
                **up_options(args),
            )
    except ServiceError as exc:
        # the error itself is one line; the service's last output helps explain it (even
        # one line: the error quotes only the last error line, and only its start)
        if exc.logs:
            print(f"last output of {exc.service}:", file=sys.stderr)
            for line in exc.logs[-10:]:
                print(f"  {line}", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_up(stack, result, waited=args.wait is not False)
    return 0


def _plan_options(args: argparse.Namespace) -> dict[str, Any]:
    """``up``'s flags that change what it does (not how long it waits)."""
    options = up_options(args)
    del options["timeout"]
    return options


def run_down(args: argparse.Namespace) -> int:
    """Remove the stack; say what was removed and what was kept."""
    stack: Stack | LocalProject
    if args.volumes:
        from dockdjango.cli.db_commands import before_down

        stack = find_stack(args)
        before_down(stack)  # names the database snapshots the volume takes with it
    else:
        stack = find_reader(args)
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


def run_ps(args: argparse.Namespace) -> int:
    """A table (or JSON) of the stack's containers."""
    from dataclasses import asdict

    from dockdjango.cli.output import print_json, print_table

    stack = find_reader(args)
    rows = stack.ps(*args.services)
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
    remote_port_notes(stack, rows)
    return 0


def run_logs(args: argparse.Namespace) -> int:
    """Print (or follow) merged, prefixed output."""
    stack = find_reader(args)
    width = max(
        (len(r.name.removeprefix(f"{stack.name}-")) for r in stack.ps(*args.services)), default=0
    )
    for line in stack.logs(*args.services, tail=args.tail, follow=args.follow):
        print(line.prefixed(width) if args.prefix else line.text, flush=args.follow)
    return 0


def run_exec(args: argparse.Namespace) -> int:
    """Run the command; exit with its exit code."""
    from dockdjango.errors import DockdjangoError

    if not args.command:
        raise DockdjangoError(
            "exec needs a command", hint="e.g. dockdjango exec web python manage.py migrate"
        )
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in args.env)
    return int(
        find_stack(args).exec_attached(
            args.service,
            args.command,
            tty=args.tty and sys.stdin.isatty() and sys.stdout.isatty(),
            user=args.user,
            workdir=args.workdir,
            env=env,
            index=args.index,
        )
    )


def run_stop(args: argparse.Namespace) -> int:
    """Stop containers, dependents first."""
    with Progress() as progress:
        find_reader(args).stop(*args.services, timeout=args.timeout, on_progress=progress)
    return 0


def run_start(args: argparse.Namespace) -> int:
    """Start stopped containers, dependencies first."""
    with Progress() as progress:
        find_reader(args).start(*args.services, on_progress=progress)
    return 0


def run_restart(args: argparse.Namespace) -> int:
    """Stop then start."""
    with Progress() as progress:
        find_reader(args).restart(*args.services, timeout=args.timeout, on_progress=progress)
    return 0


def _services(what: str) -> Option:
    return option("services", nargs="*", help=what)


COMMANDS = (
    Command(
        "up",
        "create and start the stack's containers, recreating only what changed",
        run_up,
        options=(
            *project_options(),
            _services("only these services (and what they depend on)"),
            option(
                "-d",
                "--detach",
                action="store_true",
                help="run in the background: return once every service is running and healthy",
            ),
            option(
                "--wait",
                dest="wait",
                action="store_true",
                default=None,
                help="wait until every service is running and healthy (implies -d, as in Compose)",
            ),
            option(
                "--no-wait",
                dest="wait",
                action="store_false",
                help="with -d: return once started, without waiting for health",
            ),
            option(
                "--watch",
                action="store_true",
                help="attached: also keep the stack in step with edited files (see watch)",
            ),
            option(
                "--build", action="store_true", help="build images of services with `build:` first"
            ),
            option(
                "--force-recreate",
                action="store_true",
                help="recreate containers even if unchanged",
            ),
            option("--no-recreate", action="store_true", help="never recreate existing containers"),
            option(
                "--remove-orphans",
                action="store_true",
                help="remove containers of services no longer in the file",
            ),
            option(
                "--dry-run",
                action="store_true",
                help="print what up would do and change nothing: no container, network, "
                "volume or image is created or removed, nothing is built or pulled",
            ),
            option(
                "--timeout",
                "--wait-timeout",
                dest="timeout",
                type=float,
                default=600.0,
                metavar="SECONDS",
                help="give up waiting after this long (default 600: a first start may "
                "build and migrate for minutes; a service whose healthcheck fails stops the "
                "wait at once)",
            ),
            *override_options(),
            verbose_option(),
        ),
        examples=(
            "dockdjango up              # every service's output; Ctrl-C stops the stack",
            "dockdjango up -d           # in the background, once healthy",
            "dockdjango up --watch      # output, and edits synced as you save",
            "dockdjango up -d --build --force-recreate --remove-orphans",
            "dockdjango up --dry-run    # what up would create, recreate (and why) or start",
        ),
    ),
    Command(
        "down",
        "stop and remove containers and networks (named volumes are kept)",
        run_down,
        options=(
            *project_options(),
            option("-v", "--volumes", action="store_true", help="also remove named volumes"),
            option(
                "--remove-orphans",
                action="store_true",
                help="also remove containers of services not in the file",
            ),
        ),
        examples=("dockdjango down", "dockdjango down -v   # also delete named volumes (data!)"),
    ),
    Command(
        "ps",
        "list the stack's containers with state, health and ports",
        run_ps,
        options=(
            *project_options(),
            _services("only these services"),
            option("--json", action="store_true", help="print JSON on stdout"),
        ),
        examples=("dockdjango ps", "dockdjango ps --json"),
    ),
    Command(
        "logs",
        "show container output, merged and prefixed",
        run_logs,
        options=(
            *project_options(short_file=False),
            _services("only these services"),
            option("-f", "--follow", action="store_true", help="keep printing new output"),
            option(
                "--tail", type=int, default=None, metavar="N", help="last N lines of each container"
            ),
            option(
                "--no-log-prefix",
                dest="prefix",
                action="store_false",
                help="print lines without the container prefix",
            ),
        ),
        examples=("dockdjango logs", "dockdjango logs -f --tail 20 web"),
    ),
    Command(
        "exec",
        "run a command in a running service container",
        run_exec,
        options=(
            *project_options(),
            option(
                "-T", "--no-tty", dest="tty", action="store_false", help="do not attach a terminal"
            ),
            option("-u", "--user", help="run as this user"),
            option("-w", "--workdir", help="working directory inside the container"),
            option(
                "-e",
                "--env",
                action="append",
                default=[],
                metavar="KEY=VAL",
                help="set an environment variable",
            ),
            index_option(),
            option("service", help="service name"),
            option("command", nargs=argparse.REMAINDER, help="command and its arguments"),
        ),
        examples=(
            "dockdjango exec web python manage.py migrate",
            "dockdjango exec -T db python3 -c 'print(1)'",
        ),
    ),
    Command(
        "port",
        "print the host address where a service's port is published",
        run_port,
        options=(
            *project_options(),
            option("service", help="service name"),
            option(
                "target", type=port_target, help="container port, optionally with /udp or /sctp"
            ),
            index_option(),
            option(
                "--forward",
                action="store_true",
                help="on an engine reached over ssh: forward the port to this machine's "
                "127.0.0.1 and print that address; holds until Ctrl-C",
            ),
        ),
        examples=(
            "dockdjango port web 8000",
            "curl http://$(dockdjango port web 8000)/api/",
            "dockdjango port --forward web 8000",
        ),
    ),
    Command(
        "stop",
        "stop containers without removing them",
        run_stop,
        options=(*project_options(), _services("only these services"), stop_timeout_option()),
        examples=("dockdjango stop", "dockdjango stop web"),
    ),
    Command(
        "start",
        "start stopped containers",
        run_start,
        options=(*project_options(), _services("only these services")),
        examples=("dockdjango start", "dockdjango start web"),
    ),
    Command(
        "restart",
        "stop then start containers",
        run_restart,
        options=(*project_options(), _services("only these services"), stop_timeout_option()),
        examples=("dockdjango restart", "dockdjango restart web"),
    ),
)
