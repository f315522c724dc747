"""The apply step of ``up``: carry out the planned actions, one thread per service.

A service's thread creates its new containers as soon as its dependencies' containers
exist (as Compose creates every container before starting any), then waits until each
dependency meets its ``depends_on`` condition (started, healthy, completed) and works
through its containers' actions: keep, start, restart, recreate, start what it created,
remove. So a health gate's wait overlaps the creation of what waits behind it, and
independent services start at once. A failure is recorded per service; the root cause
(not "its dependency failed") is raised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango import __version__
from dockdjango.compose import graph
from dockdjango.compose.confighash import hashed_service, service_hash
from dockdjango.compose.project import Project
from dockdjango.engine import labels as L
from dockdjango.engine.client import describe_engine
from dockdjango.engine.failures import explain_start_error
from dockdjango.engine.labels import anonymous_mounts, short_name
from dockdjango.engine.podman import create_for
from dockdjango.engine.probes import Probes
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.stop import remove_containers, stop_containers
from dockdjango.engine.up.actions import Action
from dockdjango.engine.up.create_request import create_request
from dockdjango.engine.up.health import Cancelled, condition_met, wait_for
from dockdjango.engine.up.replace import replacement_labels, temporary_name
from dockdjango.engine.up.seed import Seed, copy_in, split_binds
from dockdjango.errors import ServiceError


class _DependencyFailed(ServiceError):
    """A service was not started because one it depends on failed (not a root cause)."""


#: Called with (service, container id, container name) just before a container starts:
#: an attached ``up`` attaches there, so not a line of the container's output is missed.
BeforeStart = Callable[[str, str, str], None]


@dataclass
class Run:
    """One ``up`` in progress: what it works on, and what it has done so far."""

    client: docker.DockerClient
    project: Project
    on_progress: OnProgress
    deadline: float
    cancel: threading.Event
    done: dict[str, threading.Event]
    #: set once a service's new containers are created (before they start)
    created: dict[str, threading.Event] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    network_ids: dict[str, str] = field(default_factory=dict)
    volume_names: dict[str, str] = field(default_factory=dict)
    containers: dict[str, list[str]] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    failed: dict[str, BaseException] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    before_start: BeforeStart | None = None
    #: service -> the image reference to run when a stand-in replaced the one asked for
    run_refs: dict[str, str] = field(default_factory=dict)
    #: healthchecks run through exec, so a health gate opens without the engine's interval
    probes: Probes | None = None


def apply(run: Run, actions: dict[str, list[Action]]) -> None:
    """Run every service's actions, dependencies first; raise the root cause of a failure.

    On Ctrl-C the service threads are told to stop and are waited for before
    ``KeyboardInterrupt`` propagates.
    """
    services = run.project.services
    pool = ThreadPoolExecutor(max_workers=max(1, len(services)), thread_name_prefix="dd-up")
    futures: list[Future[None]] = []
    try:
        futures += [
            pool.submit(_converge_service, run, service, actions[service])
            for service in graph.order(graph.graph(services))
        ]
        _join(futures)
        _raise_root_cause(run)
    except (KeyboardInterrupt, Cancelled):
        run.cancel.set()
        _join(futures, interruptible=False)
        raise
    finally:
        pool.shutdown(wait=False)


def stop_started(run: Run) -> None:
    """Stop what this run started (after Ctrl-C)."""
    run.cancel.set()
    if not run.started:
        return
    summaries = []
    for cid in run.started:
        try:
            summaries.append(run.client.api.inspect_container(cid))
        except NotFound:
            continue
    run.on_progress(
        Event("stack", run.project.name, "interrupted", f"stopping {len(summaries)} container(s)")
    )
    stop_containers(run.client, summaries, run.on_progress)


def _join(futures: list[Future[None]], interruptible: bool = True) -> None:
    # Poll rather than block in result(): the main thread must stay responsive to Ctrl-C.
    while not all(f.done() for f in futures):
        time.sleep(0.05 if interruptible else 0.1)


def _raise_root_cause(run: Run) -> None:
    if not run.failed:
        return
    causes = [e for e in run.failed.values() if not isinstance(e, _DependencyFailed)]
    error = (causes or list(run.failed.values()))[0]
    if isinstance(error, Cancelled):
        raise KeyboardInterrupt
    raise error


def _converge_service(run: Run, service: str, actions: list[Action]) -> None:
    try:
        early = _create_early(run, service, actions)
        _wait_for_dependencies(run, service)
        ids = []
        for i, action in enumerate(actions):
            if run.cancel.is_set():
                raise Cancelled()
            if i in early:
                cid, name, began = early[i]
                _start(run, service, cid, name, began)
                ids.append(cid)
                continue
            made = _apply_action(run, action)
            if made:
                ids.append(made)
        run.containers[service] = ids
    except BaseException as exc:  # recorded and re-raised by the main thread
        with run.lock:
            run.failed[service] = exc
    finally:
        _created(run, service).set()
        run.done[service].set()


def _create_early(
    run: Run, service: str, actions: list[Action]
) -> dict[int, tuple[str, str, float]]:
    """Create the service's new containers once its dependencies' containers exist, before
    their conditions are met; {action index: (id, name, when its work began)}."""
    for dep in sorted(graph.dependencies(run.project.services, service)):
        while not _created(run, dep).wait(0.05):
            if run.cancel.is_set():
                raise Cancelled()
    early = {}
    try:
        for i, action in enumerate(actions):
            if action.op == "create" and action.container is None:
                began = time.monotonic()
                cid, name, _ = _create(run, action, [])
                run.on_progress(Event("container", name, "created"))
                early[i] = (cid, name, began)
    finally:
        _created(run, service).set()
    return early


def _created(run: Run, service: str) -> threading.Event:
    with run.lock:
        return run.created.setdefault(service, threading.Event())


def _wait_for_dependencies(run: Run, service: str) -> None:
    """Block until every dependency of ``service`` meets its ``depends_on`` condition."""
    deps = graph.dependencies(run.project.services, service)
    for dep, spec in sorted(deps.items()):
        while not run.done[dep].wait(0.05):
            if run.cancel.is_set():
                raise Cancelled()
        if dep in run.failed:
            raise _DependencyFailed(service, f"service {service} was not started: {dep} failed")
        for cid in run.containers.get(dep, []):
            if spec.condition != "service_started" and not condition_met(
                run.client.api.inspect_container(cid), spec.condition
            ):
                word = "healthy" if spec.condition == "service_healthy" else "completed"
                run.on_progress(Event("service", service, "waiting", f"for {dep} to be {word}"))
            wait_for(run.client, dep, cid, spec.condition, run.deadline, run.cancel, run.probes)


def _apply_action(run: Run, action: Action) -> str | None:
    """Carry out one action; the id of the container that now serves it (None if removed)."""
    client, current = run.client, action.container
    name = short_name(current) if current else ""
    began = time.monotonic()
    if action.op == "remove" and current:
        stop_containers(client, [current], run.on_progress)
        remove_containers(client, [current], run.on_progress)
        return None
    if action.op == "keep" and current:
        run.on_progress(Event("container", name, "running", "unchanged"))
        return str(current["Id"])
    if action.op in ("start", "restart") and current:
        if action.op == "restart":
            run.on_progress(Event("container", name, "restarting", action.reason))
            client.api.stop(current["Id"])
        _start(run, action.service, str(current["Id"]), name, began)
        return str(current["Id"])
    if action.op == "recreate" and current:
        cid, made_name = _recreate(run, action, current, name)
    else:
        cid, made_name, _ = _create(run, action, [])
        run.on_progress(Event("container", made_name, "created"))
    _start(run, action.service, cid, made_name, began)
    return cid


def _recreate(run: Run, action: Action, current: dict[str, Any], name: str) -> tuple[str, str]:
    """Replace ``current`` without a moment when no container holds its anonymous volumes:
    create the replacement under a temporary name, then stop and remove the old one, then
    rename (see :mod:`dockdjango.engine.up.replace`). One event per step, so a caller sees
    where an interrupted recreate stopped."""
    client = run.client
    run.on_progress(Event("container", name, "recreating", action.reason))
    inherited = [f"{volume}:{target}" for volume, target in anonymous_mounts(current)]
    cid, final, temporary = _create(run, action, inherited, replaces=str(current["Id"]))
    run.on_progress(Event("container", name, "replacement created", temporary))
    stop_containers(client, [current], ignore)
    run.on_progress(Event("container", name, "stopped", "the container it replaces"))
    remove_containers(client, [current], ignore, volumes=False)
    run.on_progress(Event("container", name, "removed", "the container it replaces"))
    client.api.rename(cid, final)
    run.on_progress(Event("container", final, "renamed", f"from {temporary}"))
    return cid, final


def _create(
    run: Run, action: Action, inherited: list[str], *, replaces: str = ""
) -> tuple[str, str, str]:
    """Create container ``action.number`` of its service; (id, its name, the name it is
    created under).

    ``inherited`` anonymous volumes (``volume:target``) of a recreated container are mounted
    again where the new container still declares them, keeping their data, as Compose does.
    A replacement of container ``replaces`` (an id) is created under a temporary name.
    """
    client, project, service = run.client, run.project, action.service
    request = create_request(
        project,
        service,
        action.number,
        image=run.run_refs.get(service) or project.image_ref(service),
        labels=_labels(run, service, action.number),
    )
    for warning in request.warnings:
        run.on_progress(Event("service", service, "warning", warning))
    host = dict(request.host_config)
    create = dict(request.create)
    if replaces:
        create["name"] = temporary_name(replaces, request.name)
        create["labels"] = replacement_labels(
            create["labels"], service, action.number, project.services[service].container_name
        )
    anonymous = list(create.get("volumes") or [])
    kept = [v for v in inherited if v.split(":", 1)[1] in anonymous]
    if kept:
        host["binds"] = list(host.get("binds") or []) + kept
        targets = {v.split(":", 1)[1] for v in kept}
        create["volumes"] = [t for t in anonymous if t not in targets] or None
    try:
        cid = create_container(client, create, host, request.networks, run.on_progress)
    except APIError as exc:
        raise _refused(run, service, str(create["name"]), exc) from None
    return cid, request.name, str(create["name"])


def create_container(
    client: docker.DockerClient,
    create: dict[str, Any],
    host: dict[str, Any],
    networks: dict[str, dict[str, Any]],
    on_progress: OnProgress = ignore,
) -> str:
    """Create a container from a :class:`CreateRequest`'s parts, joined to its first
    network at create time and to the others right after; return its id.

    On a remote engine the project's files a bind would mount are copied in instead
    (:mod:`dockdjango.engine.up.seed`), before the container first starts."""
    seeds: list[Seed] = []
    if host.get("binds") and describe_engine(client).remote:
        labels = create.get("labels") or {}
        binds, seeds, notes = split_binds(list(host["binds"]), labels.get(L.WORKING_DIR, ""))
        host = {**host, "binds": binds or None}
        for note in notes:
            on_progress(Event("service", labels.get(L.SERVICE, ""), "warning", note))
    nets = list(networks.items())
    networking = None
    if nets:
        primary, endpoint = nets[0]
        networking = client.api.create_networking_config(
            {primary: client.api.create_endpoint_config(**endpoint)}
        )
    created = client.api.create_container(
        host_config=client.api.create_host_config(**host),
        networking_config=networking,
        **{k: v for k, v in create_for(client, create).items() if v is not None},
    )
    cid = str(created["Id"])
    for net, endpoint in nets[1:]:
        client.api.connect_container_to_network(cid, net, **endpoint)
    if seeds:
        copied = copy_in(client, cid, seeds)
        where = ", ".join(f"{s.source} -> {s.target}" for s in seeds)
        on_progress(
            Event(
                "container",
                str(create.get("name") or cid[:12]),
                "copied",
                f"{copied} paths of {where}: the engine is remote, so the source is copied "
                "in, not bind-mounted; `dockdjango watch` brings later edits",
            )
        )
    return cid


def _labels(run: Run, service: str, number: int) -> dict[str, str]:
    project = run.project
    svc = project.services[service]
    return L.container_labels(
        project=project.name,
        service=service,
        number=number,
        config_hash=service_hash(svc),
        image_id=run.images[service],
        depends_on=svc.depends_on,
        working_dir=project.working_dir,
        config_files=project.config_files,
        user_labels=svc.labels,
        hashed_config=hashed_service(svc),
        version=__version__,
    )


def _refused(run: Run, service: str, name: str, exc: APIError) -> ServiceError:
    # Docker answers 409 for a name in use; Podman 500 with the same words
    if exc.status_code == 409 or "already in use" in str(exc.explanation or ""):
        return ServiceError(
            service,
            f"service {service}: a container named {name} already exists and is not "
            f"part of stack {run.project.name}",
            hint=f"remove it (docker rm -f {name}) or use another project name (-p)",
        )
    return ServiceError(
        service, f"service {service}: the engine refused the container: {exc.explanation}"
    )


def _start(run: Run, service: str, cid: str, name: str, began: float) -> None:
    if run.before_start is not None:
        run.before_start(service, cid, name)
    try:
        run.client.api.start(cid)
    except APIError as exc:
        raise explain_start_error(service, exc, run.project) from None
    with run.lock:
        run.started.append(cid)
    run.on_progress(Event("container", name, "started", seconds=time.monotonic() - began))
