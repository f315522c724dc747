"""The daily loop: attached `up` (its output and Ctrl-C), `run`, `watch`, and `port`
(``--forward``: a remote engine's published port answering here while it runs).

`up` without ``-d`` follows every service's output until the stack stops; the first
Ctrl-C (or SIGTERM) stops the containers gracefully, a second one kills them. Typed lines
go to a service created with ``stdin_open`` (a ``breakpoint()`` waiting in a view).
A URL is printed once it answered; a remote engine's published ports are its host's: an
address is printed as local only while it is forwarded here (see
``dockdjango.api.stack.remote_ports``). Everything here calls only the API.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import ExitStack
from typing import Any

from dockdjango.cli.output import note
from dockdjango.cli.table import Command, option, project_options, verbose_option


def run_attached_up(args: argparse.Namespace, stack: Any) -> int:
    """``up`` in the foreground: see the module docstring. Exit 0 when the containers
    stopped by themselves, 130 when interrupted (Ctrl-C), 143 when terminated (SIGTERM)."""
    from dockdjango.api.stack.attached import AttachedUp, Exited, Output
    from dockdjango.cli.logprinter import LogPrinter
    from dockdjango.cli.project_options import up_options
    from dockdjango.cli.stack_progress import Progress

    printer = LogPrinter()
    interrupts: list[int] = []
    stop_watch = threading.Event()
    with AttachedUp(stack, *args.services) as session, ExitStack() as forwards:

        def on_signal(signum: int, frame: Any) -> None:
            interrupts.append(signum)
            stop_watch.set()
            if len(interrupts) == 1:
                note("Gracefully stopping... (press Ctrl+C again to force)")
                session.stop()
            elif len(interrupts) == 2:
                note("Killing...")
                threading.Thread(target=session.kill, daemon=True).start()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            with Progress() as progress:
                session.start(**up_options(args), on_progress=progress)
            printer.expect(_announce(stack, args.services, forwards))
            if not interrupts:
                _announce_beside(stack, float(args.timeout), stop_watch)
                _pass_input(session)
                if args.watch:
                    _watch_beside(stack, args.services, stop_watch)
            for event in session.events():
                if isinstance(event, Output):
                    printer.line(event.container, event.text, partial=event.partial)
                elif isinstance(event, Exited):
                    printer.note(event.container, f"exited with code {event.exit_code}")
        finally:
            stop_watch.set()
            for s, handler in previous.items():
                signal.signal(s, handler)
    if not interrupts:
        return 0
    return 143 if interrupts[0] == signal.SIGTERM else 130  # as every other command


def _announce(stack: Any, services: list[str], forwards: ExitStack) -> list[str]:
    """Say what attached ``up`` attaches to and where its URLs answer (a remote engine's
    published ports forwarded here over ssh for as long as ``forwards`` stays open);
    return the containers' short names."""
    from dockdjango.api.stack.remote_ports import forwarding
    from dockdjango.cli.project_options import public_port_warnings

    rows = stack.ps(*services)
    names = [r.name.removeprefix(f"{stack.name}-") for r in rows]
    for line in public_port_warnings(rows):
        note(line)
    for made in forwards.enter_context(forwarding(stack, *services)):
        note(
            f"forwarding 127.0.0.1:{made.local} -> the engine host's "
            f"{made.remote_host}:{made.remote} over ssh, while this runs"
        )
    remote_port_notes(stack, rows)  # a remote engine not reached over ssh: where they are
    note("Attaching to " + ", ".join(names))
    return names


def _announce_beside(stack: Any, wait: float, stop: threading.Event) -> None:
    """The announced URLs, each printed once it answers (beside the output, which keeps
    coming), or what it got instead (see :func:`link_lines`)."""

    def announce() -> None:
        from dockdjango.errors import DockdjangoError

        try:
            good, bad = link_lines(stack, None, wait=wait)
        except DockdjangoError as exc:
            note(f"could not ask the announced URLs: {exc}")
            return
        if stop.is_set():
            return  # stopping already: the answers say nothing now
        for line in [*good, *bad]:
            note(line)

    threading.Thread(target=announce, daemon=True, name="dd-urls").start()


def _pass_input(session: Any) -> None:
    """Typed lines go to the service waiting for input (a debugger's prompt)."""
    if sys.stdin is None or sys.stdin.closed:
        return

    def feed() -> None:
        try:
            fd = sys.stdin.fileno()
            while True:
                data = os.read(fd, 4096)
                if not data:
                    return
                if session.send(data) is None:
                    note("(no service takes input: give it `stdin_open: true` and `tty: true`)")
        except (OSError, ValueError):
            return

    threading.Thread(target=feed, daemon=True, name="dd-stdin").start()


def _watch_beside(stack: Any, services: list[str], stop: threading.Event) -> None:
    """``up --watch``: the watch runs in a thread next to the output."""

    def watch() -> None:
        from dockdjango.errors import DockdjangoError

        try:
            stack.watch(
                *services,
                start=False,
                stop=stop,
                on_progress=lambda e: note("watch  " + e.line()),
            )
        except DockdjangoError as exc:
            note(f"watch: {exc}")

    threading.Thread(target=watch, daemon=True, name="dd-watch").start()


def run_run(args: argparse.Namespace) -> int:
    """A one-off container; exit with its command's exit code."""
    from dockdjango.cli.project_options import find_stack, resolve_to_run
    from dockdjango.errors import DockdjangoError

    stack = find_stack(args, need_file=True, options=resolve_to_run(args))
    env: dict[str, str | None] = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not key:
            raise DockdjangoError(f"-e {item!r}: expected KEY=VALUE or KEY")
        env[key] = value if sep else os.environ.get(key)
    tty = args.tty and sys.stdin.isatty() and sys.stdout.isatty()
    # piped input goes in (and its end closes the command's stdin); a terminal only with a TTY
    stdin = None if tty or sys.stdin.isatty() or args.detach else sys.stdin.buffer
    shown = {"created", "started", "healthy", "running", "built", "building", "warning"}
    result = stack.run(
        args.service,
        args.command or None,
        remove=args.rm,
        environment={k: v for k, v in env.items() if v is not None},
        deps=args.deps,
        tty=tty,
        stdin=stdin,
        write_out=lambda b: (sys.stdout.buffer.write(b), sys.stdout.flush()),
        write_err=lambda b: (sys.stderr.buffer.write(b), sys.stderr.flush()),
        user=args.user,
        workdir=args.workdir,
        entrypoint=args.entrypoint.split() if args.entrypoint else None,
        service_ports=args.service_ports,
        detach=args.detach,
        on_progress=lambda e: note(e.line()) if e.action in shown else None,
    )
    if args.detach:
        print(result.container)
        return 0
    return int(result.exit_code)


def run_watch(args: argparse.Namespace) -> int:
    """Up (unless --no-up), then follow file changes until Ctrl-C."""
    from dockdjango.cli.project_options import find_stack, resolve_to_run

    stack = find_stack(args, need_file=True, options=resolve_to_run(args))
    quiet = {"rule"} if args.quiet else set()
    stack.watch(
        *args.services,
        start=not args.no_up,
        build=args.build,
        on_progress=lambda e: None if e.action in quiet else note(e.line()),
    )
    return 0


def print_up(stack: Any, result: Any, *, waited: bool) -> None:
    """What a detached ``up`` did, where its ports are, and each announced URL once it
    answered (a server without a health check gets a while when ``up`` waited)."""
    from dockdjango.cli.project_options import public_port_warnings

    if not result.changed:
        print(f"{stack.name}: nothing to do, {len(result.services)} service(s) already up to date")
    else:
        for service, (what, why) in sorted(result.services.items()):
            print(f"{service}: {what}" + (f" ({why})" if why and why != "new" else ""))
    rows = stack.ps()
    for row in rows:
        if row.ports_text() and any(host for _, host, _, _ in row.ports):
            print(f"  {row.service}  {row.ports_text()}")
    for line in public_port_warnings(rows):
        print(line, file=sys.stderr)
    remote_port_notes(stack, rows)  # a remote engine's ports are its host's (engbench)
    print_links(stack, rows, wait=15.0 if waited else 0)


COMMANDS = (
    Command(
        "run",
        "run a command in a new, one-off container of a service",
        run_run,
        description="Run a command in a new container of SERVICE, with the service's "
        "configuration (image, environment, volumes, networks) but not its ports; the "
        "services it depends on are started (and healthy) first. A terminal is attached when "
        "you are at one. Exits with the command's exit code.",
        options=(
            *project_options(),
            option("--rm", action="store_true", help="remove the container when it exits"),
            option(
                "-e",
                "--env",
                action="append",
                default=[],
                metavar="KEY=VAL",
                help="set an environment variable (KEY alone: take it from here)",
            ),
            option(
                "--no-deps",
                dest="deps",
                action="store_false",
                help="do not start the services it depends on",
            ),
            option("-T", "--no-tty", dest="tty", action="store_false", help="no terminal"),
            option("-d", "--detach", action="store_true", help="run in the background"),
            option("-u", "--user", help="run as this user"),
            option("-w", "--workdir", help="working directory inside the container"),
            option("--entrypoint", help="override the image's entrypoint"),
            option(
                "--service-ports",
                action="store_true",
                help="publish the service's ports too (off by default, as in Compose)",
            ),
            verbose_option(),
            option("service", help="service name"),
            option("command", nargs=argparse.REMAINDER, help="command and its arguments"),
        ),
        examples=(
            "dockdjango run --rm web python manage.py migrate",
            "dockdjango run --rm web python manage.py shell",
            "dockdjango run --rm -e DEBUG=0 -T web python manage.py check --deploy",
            "echo 'print(1)' | dockdjango run --rm -T web python",
        ),
    ),
    Command(
        "watch",
        "keep the running stack in step with the files you edit (develop.watch)",
        run_watch,
        description="Bring the stack up, then follow file changes: each burst of saves is "
        "synced, rebuilt, restarted or followed by a command as the services' develop.watch "
        "rules say. A Django service without develop.watch gets a default (its source "
        "synced, a rebuild when a dependency file changes), and says so. Ctrl-C ends the "
        "watch; the stack keeps running.",
        options=(
            *project_options(),
            option("services", nargs="*", help="only these services"),
            option("--no-up", action="store_true", help="do not bring the stack up first"),
            option("--build", action="store_true", help="build images before starting"),
            option("--quiet", action="store_true", help="do not list the rules at start"),
            verbose_option(),
        ),
        examples=(
            "dockdjango watch",
            "dockdjango watch web",
            "dockdjango up --watch        # the same, with every service's output",
        ),
    ),
)


def run_port(args: argparse.Namespace) -> int:
    """Where the engine bound the port, as Compose prints it: ``127.0.0.1:49153``, or
    ``0.0.0.0:8000`` for a port published on all interfaces. With ``--forward`` on a
    remote engine reached over ssh: the local end of a forward, held until Ctrl-C."""
    from dockdjango.api.local_engine import LocalProject, host_port
    from dockdjango.cli.project_options import find_reader, find_stack

    target, protocol = args.target
    if not args.forward:
        reader = find_reader(args)
        ip, port = reader.published(args.service, target, protocol, args.index)[0]
        print(host_port(ip, port))
        if not isinstance(reader, LocalProject):  # (on this machine's socket: ports are here)
            from dockdjango.api.stack.remote_ports import where_ports_are

            remote = where_ports_are(reader, None, args.service)
            for line in remote.lines() if remote else []:
                note(line)
        return 0
    from dockdjango.api.stack.remote_ports import forwarding

    stack = find_stack(args)
    ip, port = stack.published(args.service, target, protocol, args.index)[0]
    if protocol != "tcp":
        from dockdjango.errors import DockdjangoError

        raise DockdjangoError(f"--forward carries TCP only, not {target}/{protocol}")
    with forwarding(stack, args.service) as forwards:
        local = stack.port(args.service, target, protocol, args.index)
        print(host_port(*local), flush=True)
        if not forwards:
            note("the engine is on this machine (or not reached over ssh): nothing to forward")
            return 0
        note(
            f"forwarding 127.0.0.1:{local[1]} -> the engine host's {ip}:{port} over ssh; "
            "Ctrl-C stops"
        )
        _until_interrupted()
    return 0


def _until_interrupted() -> None:
    """Block until Ctrl-C or SIGTERM."""
    done = threading.Event()
    previous = {s: signal.signal(s, lambda *_: done.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not done.wait(1.0):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def remote_port_notes(stack: Any, rows: list[Any]) -> None:
    """On a remote engine whose ports are not forwarded here: where they are, and how to
    reach them (nothing on a local engine)."""
    if getattr(stack, "engine_is_local", False):
        return  # read on this machine's socket: its ports are here
    from dockdjango.api.stack.remote_ports import where_ports_are

    remote = where_ports_are(stack, rows)
    for line in remote.lines() if remote else []:
        note(line)


def link_lines(stack: Any, rows: list[Any] | None, *, wait: float) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines) for the URLs services announce. Where they can be asked
    from here (a local engine, or ports forwarded here): each URL once it answered, and
    what the others got instead (``wait``: seconds a server may take to answer at all). On
    a remote engine whose ports are not here, a GET from here says nothing of them: they
    are listed as the engine host's, unasked (``remote_port_notes`` said how to reach them).
    ``rows``: the stack's ``ps()``, asked when None."""
    from dockdjango.api.stack.remote_ports import where_ports_are
    from dockdjango.cli.output import answer_lines

    links = stack.links()
    if not links:
        return [], []
    if where_ports_are(stack, rows) is None:
        return answer_lines(stack.name, links, stack.answers(wait=wait))
    width = max(len(link.label) for link in links)
    out = [f"{stack.name} is up on the engine host (not here until forwarded):"]
    for link in links:
        out.append(
            f"  {link.url}" if link.label == "note" else f"  {link.label:<{width}}  {link.url}"
        )
    return out, []


def print_links(stack: Any, rows: list[Any], *, wait: float = 0.0) -> None:
    """The URLs services announce, after ``up -d`` (see :func:`link_lines`): results on
    stdout, what a URL got instead of an answer on stderr."""
    good, bad = link_lines(stack, rows, wait=wait)
    for line in good:
        print(line)
    for line in bad:
        print(line, file=sys.stderr)
