"""``up``: converge the engine to a stack, in dependency order, independent services at once.

Each service runs in its own thread: it waits until its dependencies meet their
``depends_on`` condition, then keeps, starts, creates or recreates its containers (see
:mod:`dockdjango.engine.plan`). ``wait`` then blocks until every service is running and
healthy. On Ctrl-C the threads are told to stop, and what this run started is stopped.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine import graph
from dockdjango.engine import labels as L
from dockdjango.engine.confighash import hashed_service, service_hash
from dockdjango.engine.containerspec import check_supported, container_spec
from dockdjango.engine.failures import explain_start_error
from dockdjango.engine.faststop import slow_stop
from dockdjango.engine.health import Cancelled, condition_met, wait_for
from dockdjango.engine.observe import anonymous_mounts, observe, short_name
from dockdjango.engine.plan import DIVERGED, FORCE, NEVER, Action, plan_service, propagate_restarts
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.resources import (
    Builder,
    StandInProvider,
    ensure_networks,
    ensure_volumes,
    resolve_image,
)
from dockdjango.engine.stackconfig import StackConfig
from dockdjango.engine.stop import remove_containers, stop_containers
from dockdjango.errors import ServiceError


@dataclass
class UpResult:
    """What ``up`` did, per service: ``{"web": ("recreated", "changed: command")}``."""

    services: dict[str, tuple[str, str]] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether anything was created, recreated, started or restarted."""
        return any(op != "unchanged" for op, _ in self.services.values())


class _DependencyFailed(ServiceError):
    """A service was not started because one it depends on failed (not a root cause)."""


#: Called with (service, container id, container name) just before a container starts:
#: an attached ``up`` attaches there, so not a line of the container's output is missed.
BeforeStart = Callable[[str, str, str], None]


@dataclass
class _Run:
    client: docker.DockerClient
    cfg: StackConfig
    on_progress: OnProgress
    deadline: float
    cancel: threading.Event
    done: dict[str, threading.Event]
    containers: dict[str, list[str]] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    failed: dict[str, BaseException] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    before_start: BeforeStart | None = None
    #: service -> the image reference to run when a stand-in replaced the one asked for
    run_refs: dict[str, str] = field(default_factory=dict)


def up(
    client: docker.DockerClient,
    cfg: StackConfig,
    *,
    wait: bool = True,
    build: bool = False,
    force_recreate: bool = False,
    no_recreate: bool = False,
    remove_orphans: bool = False,
    timeout: float = 120.0,
    on_progress: OnProgress = ignore,
    cancel: threading.Event | None = None,
    builder: Builder | None = None,
    before_start: BeforeStart | None = None,
    stand_in: StandInProvider | None = None,
) -> UpResult:
    """Bring ``cfg`` up; see the module docstring. Raises ServiceError naming the service."""
    started_at = time.monotonic()
    deps = {name: graph.dependencies(cfg.services, name) for name in cfg.services}
    graph.levels(cfg.services)  # a dependency cycle is an error before anything is touched
    for name, svc in cfg.services.items():
        check_supported(name, svc)
    policy = FORCE if force_recreate else NEVER if no_recreate else DIVERGED
    state = observe(client, cfg.name)
    result = UpResult()

    orphans = sorted(s for s in state.containers if s not in cfg.known_services)
    result.orphans = orphans
    for service in orphans:
        names = ", ".join(short_name(c) for c in state.containers[service])
        if remove_orphans:
            stop_containers(client, state.containers[service], on_progress)
            remove_containers(client, state.containers[service], on_progress)
        else:
            on_progress(
                Event("service", service, "orphan", f"{names}; remove with --remove-orphans")
            )

    network_ids = ensure_networks(client, cfg, on_progress)
    volume_names = ensure_volumes(client, cfg, on_progress)
    run_refs: dict[str, str] = {}
    images = {
        s: resolve_image(
            client,
            cfg,
            s,
            build=build,
            on_progress=on_progress,
            builder=builder,
            stand_in=stand_in,
            run_refs=run_refs,
        )
        for s in cfg.services
    }
    for name, svc in cfg.services.items():
        slow = slow_stop(name, svc, functools.partial(_stop_signal, client, images[name]))
        if slow:
            on_progress(Event("service", name, "warning", slow))
    # As Compose's --wait-timeout: the time to become healthy, not to build or pull first
    deadline = time.monotonic() + timeout

    actions: dict[str, list[Action]] = {}
    for service, svc in cfg.services.items():
        wanted_nets = {k: network_ids[k] for k in svc.get("networks") or {} if k in network_ids}
        wanted_vols = {
            v["source"]: volume_names[v["source"]]
            for v in svc.get("volumes") or []
            if v.get("source") in volume_names and (v.get("type") or "volume") == "volume"
        }
        actions[service] = plan_service(
            service,
            scale=cfg.scale(service),
            config_hash=service_hash(svc),
            hashed=hashed_service(svc),
            image_id=images[service],
            existing=state.containers.get(service, []),
            network_ids=wanted_nets,
            volume_names=wanted_vols,
            policy=policy,
        )
    propagate_restarts(actions, deps)

    run = _Run(
        client=client,
        cfg=cfg,
        on_progress=on_progress,
        deadline=deadline,
        cancel=cancel or threading.Event(),
        done={s: threading.Event() for s in cfg.services},
        before_start=before_start,
        run_refs=run_refs,
    )
    pool = ThreadPoolExecutor(max_workers=max(1, len(cfg.services)), thread_name_prefix="dd-up")
    futures: list[Future[None]] = []
    try:
        futures += [
            pool.submit(
                _converge_service, run, s, deps[s], actions[s], images[s], network_ids, volume_names
            )
            for s in graph.order(cfg.services)
        ]
        _join(futures)
        _raise_root_cause(run)
        if wait:
            _wait_ready(run, deps)
    except (KeyboardInterrupt, Cancelled):
        run.cancel.set()
        _join(futures, interruptible=False)
        _stop_started(run)
        raise KeyboardInterrupt from None
    finally:
        pool.shutdown(wait=False)

    for service, acts in actions.items():
        result.services[service] = _summary(acts)
    result.seconds = round(time.monotonic() - started_at, 3)
    return result


def _join(futures: list[Future[None]], interruptible: bool = True) -> None:
    # Poll rather than block in result(): the main thread must stay responsive to Ctrl-C.
    while not all(f.done() for f in futures):
        time.sleep(0.05 if interruptible else 0.1)


def _raise_root_cause(run: _Run) -> None:
    if not run.failed:
        return
    causes = [e for e in run.failed.values() if not isinstance(e, _DependencyFailed)]
    error = (causes or list(run.failed.values()))[0]
    if isinstance(error, Cancelled):
        raise KeyboardInterrupt
    raise error


def _converge_service(
    run: _Run,
    service: str,
    deps: dict[str, dict[str, Any]],
    actions: list[Action],
    image_id: str,
    network_ids: dict[str, str],
    volume_names: dict[str, str],
) -> None:
    try:
        for dep, spec in sorted(deps.items()):
            while not run.done[dep].wait(0.05):
                if run.cancel.is_set():
                    raise Cancelled()
            if dep in run.failed:
                raise _DependencyFailed(service, f"service {service} was not started: {dep} failed")
            condition = spec.get("condition", "service_started")
            for cid in run.containers.get(dep, []):
                if condition != "service_started" and not condition_met(
                    run.client.api.inspect_container(cid), condition
                ):
                    word = "healthy" if condition == "service_healthy" else "completed"
                    run.on_progress(Event("service", service, "waiting", f"for {dep} to be {word}"))
                wait_for(run.client, dep, cid, condition, run.deadline, run.cancel)
        ids = []
        for action in actions:
            if run.cancel.is_set():
                raise Cancelled()
            made = _apply(run, action, image_id, network_ids, volume_names)
            if made:
                ids.append(made)
        run.containers[service] = ids
    except BaseException as exc:  # recorded and re-raised by the main thread
        with run.lock:
            run.failed[service] = exc
    finally:
        run.done[service].set()


def _apply(
    run: _Run,
    action: Action,
    image_id: str,
    network_ids: dict[str, str],
    volume_names: dict[str, str],
) -> str | None:
    client, cfg, service = run.client, run.cfg, action.service
    current = action.container
    name = short_name(current) if current else f"{cfg.name}-{service}-{action.number}"
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
        _start(run, service, str(current["Id"]), name, began)
        return str(current["Id"])
    inherited: list[str] = []
    if action.op == "recreate" and current:
        run.on_progress(Event("container", name, "recreating", action.reason))
        inherited = [f"{name}:{target}" for name, target in anonymous_mounts(current)]
        stop_containers(client, [current], ignore)
        remove_containers(client, [current], ignore, volumes=False)
    svc = cfg.services[service]
    spec = container_spec(
        project=cfg.name,
        service=service,
        number=action.number,
        config=svc,
        image=run.run_refs.get(service) or cfg.image_ref(service),
        labels=L.container_labels(
            project=cfg.name,
            service=service,
            number=action.number,
            config_hash=service_hash(svc),
            image_id=image_id,
            depends_on=svc.get("depends_on") or {},
            working_dir=cfg.working_dir,
            config_files=cfg.config_files,
            user_labels=svc.get("labels") or {},
            hashed_config=hashed_service(svc),
            version=_version(),
        ),
        network_names={k: str(v["name"]) for k, v in cfg.networks.items()},
        volume_names={k: str(v["name"]) for k, v in cfg.volumes.items()},
    )
    for warning in spec.warnings:
        run.on_progress(Event("service", service, "warning", warning))
    host = dict(spec.host_config)
    create = dict(spec.create)
    # an anonymous volume the new container still declares keeps its data, as in Compose
    anonymous = list(create.get("volumes") or [])
    kept = [v for v in inherited if v.split(":", 1)[1] in anonymous]
    if kept:
        host["binds"] = list(host.get("binds") or []) + kept
        targets = {v.split(":", 1)[1] for v in kept}
        create["volumes"] = [t for t in anonymous if t not in targets] or None
    try:
        cid = create_container(client, create, host, spec.networks)
    except APIError as exc:
        if exc.status_code == 409:
            raise ServiceError(
                service,
                f"service {service}: a container named {spec.name} already exists and is not "
                f"part of stack {cfg.name}",
                hint=f"remove it (docker rm -f {spec.name}) or use another project name (-p)",
            ) from None
        raise ServiceError(
            service, f"service {service}: the engine refused the container: {exc.explanation}"
        ) from None
    if action.op == "create":
        run.on_progress(Event("container", spec.name, "created"))
    _start(run, service, cid, spec.name, began)
    return cid


def create_container(
    client: docker.DockerClient,
    create: dict[str, Any],
    host: dict[str, Any],
    networks: dict[str, dict[str, Any]],
) -> str:
    """Create a container from a :class:`ContainerSpec`'s parts, joined to its first
    network at create time and to the others right after; return its id."""
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
        **{k: v for k, v in create.items() if v is not None},
    )
    cid = str(created["Id"])
    for net, endpoint in nets[1:]:
        client.api.connect_container_to_network(cid, net, **endpoint)
    return cid


def _start(run: _Run, service: str, cid: str, name: str, began: float) -> None:
    if run.before_start is not None:
        run.before_start(service, cid, name)
    try:
        run.client.api.start(cid)
    except APIError as exc:
        raise explain_start_error(service, exc) from None
    with run.lock:
        run.started.append(cid)
    run.on_progress(Event("container", name, "started", seconds=time.monotonic() - began))


def _wait_ready(run: _Run, deps: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Every service running and healthy (or, if others wait for it to finish, finished)."""
    one_shot = {
        d
        for spec in deps.values()
        for d, s in spec.items()
        if s.get("condition") == "service_completed_successfully"
    }
    for service in graph.order(run.cfg.services):
        condition = "service_completed_successfully" if service in one_shot else "service_healthy"
        for cid in run.containers.get(service, []):
            began = time.monotonic()
            data = wait_for(run.client, service, cid, condition, run.deadline, run.cancel)
            health = ((data.get("State") or {}).get("Health") or {}).get("Status")
            word = "completed" if service in one_shot else "healthy" if health else "running"
            run.on_progress(
                Event(
                    "container",
                    str(data.get("Name", "")).lstrip("/"),
                    word,
                    seconds=time.monotonic() - began,
                )
            )


def _stop_started(run: _Run) -> None:
    if not run.started:
        return
    summaries = []
    for cid in run.started:
        try:
            summaries.append(run.client.api.inspect_container(cid))
        except NotFound:
            continue
    run.on_progress(
        Event("stack", run.cfg.name, "interrupted", f"stopping {len(summaries)} container(s)")
    )
    stop_containers(run.client, summaries, run.on_progress)


def _summary(actions: list[Action]) -> tuple[str, str]:
    ops = [a for a in actions if a.op != "remove"]
    for op, word in (
        ("recreate", "recreated"),
        ("create", "created"),
        ("restart", "restarted"),
        ("start", "started"),
    ):
        hit = [a for a in ops if a.op == op]
        if hit:
            return word, hit[0].reason
    removed = len(actions) - len(ops)
    if removed:
        return "scaled down", f"{removed} container(s) removed"
    return "unchanged", ""


def _stop_signal(client: docker.DockerClient, image_id: str) -> str | None:
    """The image's own ``STOPSIGNAL``, if any."""
    try:
        return (client.api.inspect_image(image_id).get("Config") or {}).get("StopSignal")
    except APIError:
        return None


def _version() -> str:
    import dockdjango

    return str(dockdjango.__version__)
