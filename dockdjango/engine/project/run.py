"""``run``: a one-off container of a service, as ``docker compose run`` makes it.

The container has the service's configuration (image, environment, volumes, networks)
with the command given, and Compose's one-off marks: named
``<project>-<service>-run-<12 hex>``, labelled ``oneoff=True`` with a ``slug``, no
restart policy, no published ports (unless asked), and only its own name as a network
alias, so it never answers for the service. Its dependencies are started (and, where
they have a health check, healthy) first, unless ``deps`` is False.

I/O: attached to this terminal with a TTY (raw keys in, screen out), or streamed
(stdout/stderr demultiplexed, stdin passed on and closed at its end). The exit code of
the command is returned; with ``remove`` the engine removes the container when it exits
(``AutoRemove``), so nothing is left even if this process dies.
"""

from __future__ import annotations

import secrets
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import docker
from docker.errors import APIError, NotFound

from dockdjango import __version__
from dockdjango.compose import graph
from dockdjango.compose.confighash import hashed_service, service_hash
from dockdjango.compose.models import Service
from dockdjango.compose.project import Project
from dockdjango.engine import labels as L
from dockdjango.engine.failures import explain_start_error, translate_errors
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.up.apply import create_container
from dockdjango.engine.up.converge import up
from dockdjango.engine.up.create_request import CreateRequest, create_request
from dockdjango.engine.up.resources import (
    Builder,
    StandInProvider,
    ensure_networks,
    ensure_volumes,
    resolve_image,
)
from dockdjango.errors import ServiceError, SpecError

SLUG = "com.docker.compose.slug"

Write = Callable[[bytes], Any]


@dataclass(frozen=True)
class RunOptions:
    """How to run the one-off container (``docker compose run``'s flags)."""

    command: Sequence[str] | None = None
    entrypoint: Sequence[str] | None = None
    environment: Mapping[str, str | None] = field(default_factory=dict)
    user: str | None = None
    workdir: str | None = None
    tty: bool = False
    interactive: bool = True
    remove: bool = False
    deps: bool = True
    service_ports: bool = False
    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


def oneoff_service(svc: Service, opts: RunOptions, name: str) -> Service:
    """The service's configuration as the one-off container gets it."""
    other = {k: v for k, v in svc.other.items() if k not in ("deploy", "scale")}
    update: dict[str, Any] = {
        "container_name": name,
        "restart": None,
        "other": other,
        "tty": opts.tty,
        "stdin_open": opts.interactive,
        "labels": {**svc.labels, **opts.labels},
    }
    if not opts.service_ports:
        update["ports"] = []
    if opts.command is not None:
        update["command"] = list(opts.command)
    if opts.entrypoint is not None:
        update["entrypoint"] = list(opts.entrypoint)
        if opts.command is None:
            update["command"] = []
    if opts.environment:
        update["environment"] = {**svc.environment, **opts.environment}
    if opts.user:
        update["user"] = opts.user
    if opts.workdir:
        update["working_dir"] = opts.workdir
    return svc.model_copy(update=update)


def oneoff_spec(
    project: Project, service: str, opts: RunOptions, image_id: str, *, version: str = ""
) -> CreateRequest:
    """The create request for a one-off container of ``service`` (pure)."""
    slug = secrets.token_hex(32)
    name = opts.name or f"{project.name}-{service}-run-{slug[:12]}"
    svc = oneoff_service(project.services[service], opts, name)
    labels = L.container_labels(
        project=project.name,
        service=service,
        number=1,
        config_hash=service_hash(svc),
        image_id=image_id,
        depends_on=svc.depends_on,
        working_dir=project.working_dir,
        config_files=project.config_files,
        user_labels=svc.labels,
        hashed_config=hashed_service(svc),
        version=version,
    )
    del labels[L.CONTAINER_NUMBER]  # one-off containers have no number in Compose
    labels[L.ONEOFF] = "True"
    labels[SLUG] = slug
    oneoff = project.model_copy(update={"services": {**project.services, service: svc}})
    spec = create_request(oneoff, service, 1, image=project.image_ref(service), labels=labels)
    for endpoint in spec.networks.values():
        endpoint["aliases"] = [name]  # never the service's name: it must not answer for it
    spec.host_config["auto_remove"] = opts.remove
    return spec


def prepare(
    client: docker.DockerClient,
    project: Project,
    service: str,
    opts: RunOptions,
    *,
    on_progress: OnProgress = ignore,
    builder: Builder | None = None,
    stand_in: StandInProvider | None = None,
    timeout: float = 120.0,
) -> tuple[str, str]:
    """Start the dependencies (unless ``opts.deps`` is False), then create the one-off
    container; return its (id, name). Nothing is started yet."""
    if service not in project.services:
        raise SpecError(
            f"no such service: {service}",
            hint=f"services are: {', '.join(sorted(project.services))}",
        )
    deps = list(graph.dependencies(project.services, service)) if opts.deps else []
    if deps:
        up(
            client,
            project.with_selected_services(deps),
            wait=True,
            timeout=timeout,
            on_progress=on_progress,
            builder=builder,
            stand_in=stand_in,
        )
    only = project.with_selected_services([service]) if opts.deps else _alone(project, service)
    ensure_networks(client, only, on_progress)
    ensure_volumes(client, only, on_progress)
    image_id = resolve_image(
        client, project, service, build=False, on_progress=on_progress, builder=builder
    )
    spec = oneoff_spec(project, service, opts, image_id, version=__version__)
    try:
        cid = create_container(client, spec.create, spec.host_config, spec.networks, on_progress)
    except APIError as exc:
        raise ServiceError(
            service, f"service {service}: the engine refused the container: {exc.explanation}"
        ) from None
    on_progress(Event("container", spec.name, "created"))
    return cid, spec.name


def _alone(project: Project, service: str) -> Project:
    """``project`` with only ``service`` (``--no-deps``: its dependencies are not started)."""
    others = {k: v for k, v in project.services.items() if k != service}
    return project.model_copy(
        update={
            "services": {service: project.services[service].model_copy(update={"depends_on": {}})},
            "disabled_services": {**project.disabled_services, **others},
        }
    )


def run_attached(
    client: docker.DockerClient,
    cid: str,
    service: str,
    *,
    tty: bool,
    stdin: IO[bytes] | None,
    write_out: Write,
    write_err: Write,
    forward_signals: bool = True,
    removed: bool = False,
) -> int:
    """Start ``cid`` wired to this process and return its exit code once it exits.

    With ``tty`` this terminal is put in raw mode and passed through. Otherwise output is
    demultiplexed into ``write_out``/``write_err`` and ``stdin`` (if any) is copied in;
    SIGINT/SIGTERM received meanwhile are passed on to the container, as Compose does.
    ``removed``: the container was created with ``AutoRemove``; return only once the
    engine has removed it (so nothing is left when this returns).
    """
    wired = tty or stdin is not None
    params = {"stdout": 1, "stderr": 1, "stream": 1, "stdin": 1 if wired else 0}
    sock = client.api.attach_socket(cid, params=params)
    waiter = _Waiter(client, cid, "removed" if removed else "next-exit")  # before start
    try:
        client.api.start(cid)
    except APIError as exc:
        raise explain_start_error(service, exc) from None
    if tty:
        from dockdjango.engine.project.terminal import attach_terminal

        attach_terminal(sock, lambda rows, cols: _resize(client, cid, rows, cols))
        return waiter.result()
    restore = _forward_signals(client, cid) if forward_signals else None
    try:
        _pump(sock, stdin, write_out, write_err)
        return waiter.result()
    finally:
        if restore is not None:
            restore()


class _Waiter:
    """``POST /containers/{id}/wait?condition=...`` in a thread, started now (before the
    container starts, so its exit cannot be missed)."""

    def __init__(self, client: docker.DockerClient, cid: str, condition: str) -> None:
        self.code: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._wait, args=(client, cid, condition), daemon=True
        )
        self.thread.start()

    def _wait(self, client: docker.DockerClient, cid: str, condition: str) -> None:
        try:
            self.code = int(client.api.wait(cid, condition=condition).get("StatusCode", -1))
        except BaseException as exc:  # reported by result()
            self.error = exc

    def result(self) -> int:
        # poll the join: a blocking join would hold off Ctrl-C in the main thread
        while self.thread.is_alive():
            self.thread.join(0.1)
        if self.error is not None:
            raise self.error
        return -1 if self.code is None else self.code


def _pump(sock: Any, stdin: IO[bytes] | None, write_out: Write, write_err: Write) -> None:
    from docker.utils.socket import STDERR, frames_iter

    from dockdjango.engine.project.terminal import raw_socket

    conn = raw_socket(sock)
    conn.settimeout(None)
    if stdin is not None:
        threading.Thread(target=_feed, args=(stdin, conn), daemon=True).start()
    try:
        for stream, data in frames_iter(conn, False):
            (write_err if stream == STDERR else write_out)(data)
    finally:
        conn.close()


def _feed(stdin: IO[bytes], conn: Any) -> None:
    """Copy ``stdin`` into the container, then close its stdin (EOF for the command)."""
    import socket

    try:
        while True:
            data = stdin.read1(65536) if hasattr(stdin, "read1") else stdin.read(65536)
            if not data:
                break
            conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
    except OSError:  # the container went away first
        pass


def _resize(client: docker.DockerClient, cid: str, rows: int, cols: int) -> None:
    client.api.resize(cid, height=rows, width=cols)


def _forward_signals(client: docker.DockerClient, cid: str) -> Callable[[], None] | None:
    """Pass SIGINT/SIGTERM on to the container while it runs; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def forward(signum: int, frame: Any) -> None:
        try:
            client.api.kill(cid, signal=signal.Signals(signum).name)
        except (APIError, NotFound):
            pass

    saved = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for s, handler in saved.items():
            signal.signal(s, handler)

    return restore


def remove_quietly(client: docker.DockerClient, cid: str) -> None:
    """Remove a one-off container that may already be gone (``--rm``)."""
    try:
        client.api.remove_container(cid, force=True, v=True)
    except (APIError, NotFound):
        pass


@translate_errors
def start_detached(client: docker.DockerClient, cid: str) -> None:
    """Start a prepared one-off container and leave it running (``run -d``)."""
    client.api.start(cid)
