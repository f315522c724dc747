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

from dockdjango.engine import labels as L
from dockdjango.engine.confighash import hashed_service, service_hash
from dockdjango.engine.containerspec import ContainerSpec, container_spec
from dockdjango.engine.failures import explain_start_error
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.resources import (
    Builder,
    StandInProvider,
    ensure_networks,
    ensure_volumes,
    resolve_image,
)
from dockdjango.engine.stackconfig import StackConfig
from dockdjango.errors import ServiceError

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


def oneoff_config(svc: Mapping[str, Any], opts: RunOptions, name: str) -> dict[str, Any]:
    """The service's configuration as the one-off container gets it."""
    config = dict(svc)
    config["container_name"] = name
    config.pop("restart", None)
    config.pop("deploy", None)
    config.pop("scale", None)
    if not opts.service_ports:
        config.pop("ports", None)
    if opts.command is not None:
        config["command"] = list(opts.command)
    if opts.entrypoint is not None:
        config["entrypoint"] = list(opts.entrypoint)
        if opts.command is None:
            config["command"] = []
    if opts.environment:
        config["environment"] = {**(svc.get("environment") or {}), **opts.environment}
    if opts.user:
        config["user"] = opts.user
    if opts.workdir:
        config["working_dir"] = opts.workdir
    config["tty"] = opts.tty
    config["stdin_open"] = opts.interactive
    config["labels"] = {**(svc.get("labels") or {}), **opts.labels}
    return config


def oneoff_spec(
    cfg: StackConfig, service: str, opts: RunOptions, image_id: str, *, version: str = ""
) -> ContainerSpec:
    """The create request for a one-off container of ``service`` (pure)."""
    slug = secrets.token_hex(32)
    name = opts.name or f"{cfg.name}-{service}-run-{slug[:12]}"
    config = oneoff_config(cfg.services[service], opts, name)
    labels = L.container_labels(
        project=cfg.name,
        service=service,
        number=1,
        config_hash=service_hash(config),
        image_id=image_id,
        depends_on=config.get("depends_on") or {},
        working_dir=cfg.working_dir,
        config_files=cfg.config_files,
        user_labels=config.get("labels") or {},
        hashed_config=hashed_service(config),
        version=version,
    )
    del labels[L.CONTAINER_NUMBER]  # one-off containers have no number in Compose
    labels[L.ONEOFF] = "True"
    labels[SLUG] = slug
    spec = container_spec(
        project=cfg.name,
        service=service,
        number=1,
        config=config,
        image=cfg.image_ref(service),
        labels=labels,
        network_names={k: str(v["name"]) for k, v in cfg.networks.items()},
        volume_names={k: str(v["name"]) for k, v in cfg.volumes.items()},
    )
    for endpoint in spec.networks.values():
        endpoint["aliases"] = [name]  # never the service's name: it must not answer for it
    spec.host_config["auto_remove"] = opts.remove
    return spec


def prepare(
    client: docker.DockerClient,
    cfg: StackConfig,
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
    from dockdjango import __version__
    from dockdjango.engine import graph
    from dockdjango.engine.converge import create_container, up

    if service not in cfg.services:
        from dockdjango.errors import SpecError

        raise SpecError(
            f"no such service: {service}", hint=f"services are: {', '.join(sorted(cfg.services))}"
        )
    deps = list(graph.dependencies(cfg.services, service)) if opts.deps else []
    if deps:
        up(
            client,
            cfg.select(deps),
            wait=True,
            timeout=timeout,
            on_progress=on_progress,
            builder=builder,
            stand_in=stand_in,
        )
    only = cfg.select([service]) if opts.deps else _alone(cfg, service)
    ensure_networks(client, only, on_progress)
    ensure_volumes(client, only, on_progress)
    image_id = resolve_image(
        client, cfg, service, build=False, on_progress=on_progress, builder=builder
    )
    spec = oneoff_spec(cfg, service, opts, image_id, version=str(__version__))
    try:
        cid = create_container(client, spec.create, spec.host_config, spec.networks)
    except APIError as exc:
        raise ServiceError(
            service, f"service {service}: the engine refused the container: {exc.explanation}"
        ) from None
    on_progress(Event("container", spec.name, "created"))
    return cid, spec.name


def _alone(cfg: StackConfig, service: str) -> StackConfig:
    """``cfg`` with only ``service`` (``--no-deps``: its dependencies are not started)."""
    return StackConfig(
        name=cfg.name,
        services={service: {**cfg.services[service], "depends_on": {}}},
        networks=cfg.networks,
        volumes=cfg.volumes,
        working_dir=cfg.working_dir,
        config_files=cfg.config_files,
        known_services=cfg.known_services,
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
        from dockdjango.engine.terminal import attach_terminal

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

    from dockdjango.engine.terminal import raw_socket

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
