"""``up``: converge the engine to a project, in three named steps: plan, apply, wait.

**plan** reads what exists (containers by Compose's labels), finishes or undoes recreates
a killed ``up`` left half-way (:mod:`dockdjango.engine.up.replace`), reports or removes orphans,
makes sure networks, volumes and images are there, and decides per container what to do
(:mod:`dockdjango.engine.up.actions`). **apply** runs each service in its own thread: it waits
until its dependencies meet their ``depends_on`` condition, then keeps, starts, creates or
recreates its containers (:mod:`dockdjango.engine.up.apply`). **wait** blocks until every
service is running and healthy. On Ctrl-C the threads are told to stop, and what this run
started is stopped.

A **dry run** (Compose's ``up --dry-run``) is the plan step alone, told to change nothing:
each thing it would otherwise do -- remove an orphan, create a network or volume, build or
pull an image, create, recreate, start or remove a container -- is reported as a ``would
...`` event instead, and those events are the result.

The project is the typed `dockdjango.compose.Project`; its ``disabled_services`` (profiles
not enabled, services not selected) are the project's too, so their containers are never
orphans, as in Compose.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import docker

from dockdjango.compose import graph
from dockdjango.compose.confighash import hashed_service, service_hash
from dockdjango.compose.faststop import slow_stop
from dockdjango.compose.project import Project
from dockdjango.engine.failures import translate_errors
from dockdjango.engine.image_store import inspect_image
from dockdjango.engine.labels import short_name
from dockdjango.engine.probes import Probes
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.stop import remove_containers, stop_containers
from dockdjango.engine.up.actions import (
    DIVERGED,
    FORCE,
    NEVER,
    Action,
    plan_service,
    propagate_restarts,
)
from dockdjango.engine.up.apply import BeforeStart, Run, apply, stop_started
from dockdjango.engine.up.create_request import check_supported, create_request
from dockdjango.engine.up.health import Cancelled, wait_for
from dockdjango.engine.up.observe import Observed, observe
from dockdjango.engine.up.outcome import UpResult
from dockdjango.engine.up.replace import recover
from dockdjango.engine.up.resources import (
    Builder,
    StandInProvider,
    ensure_networks,
    ensure_volumes,
    resolve_image,
)

#: Called once a project's images are built or pulled, just before its containers are
#: planned and created: returns the project to create them from (the same, or with a
#: setting that could only be chosen late -- a host port free now, not before the build).
ImagesReady = Callable[[Project], Project]


@dataclass
class Plan:
    """What ``up`` will do: per service, its actions and image; the stack's networks and
    volumes (file key -> engine id or name); and the orphans found."""

    #: the project the actions are for (as ``images_ready`` left it)
    project: Project
    actions: dict[str, list[Action]]
    images: dict[str, str]
    network_ids: dict[str, str]
    volume_names: dict[str, str]
    orphans: list[str]
    #: service -> the image reference to run when a stand-in replaced the one asked for
    run_refs: dict[str, str] = field(default_factory=dict)


@translate_errors
def up(
    client: docker.DockerClient,
    project: Project,
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
    dry_run: bool = False,
    images_ready: ImagesReady | None = None,
) -> UpResult:
    """Bring ``project`` up (see the module docstring); ServiceError names the service.
    ``before_start(service, container id, name)`` is called just before each container
    starts (an attached ``up`` attaches there); ``stand_in`` offers an image for a service
    whose own cannot be had (:func:`~dockdjango.engine.up.resources.resolve_image`);
    ``images_ready`` may change the project once its images are there (see
    :data:`ImagesReady`). ``timeout`` counts from then, as Compose's ``--wait-timeout``.
    With ``dry_run`` nothing changes (``stand_in`` builds nothing, ``images_ready`` is not
    called): the result lists what would be done."""
    started_at = time.monotonic()
    policy = FORCE if force_recreate else NEVER if no_recreate else DIVERGED
    planned: list[Event] = []

    def report(event: Event) -> None:
        planned.append(event)
        on_progress(event)

    plan = make_plan(
        client,
        project,
        policy=policy,
        build=build,
        remove_orphans=remove_orphans,
        on_progress=report if dry_run else on_progress,
        builder=builder,
        stand_in=stand_in,
        dry_run=dry_run,
        images_ready=images_ready,
    )
    if dry_run:
        for event in planned_containers(plan.project, plan):
            report(event)
        services = {s: _summary(acts, dry_run=True) for s, acts in plan.actions.items()}
        seconds = round(time.monotonic() - started_at, 3)
        return UpResult(services, plan.orphans, seconds, dry_run=True, planned=planned)
    run = _run_of(client, plan.project, plan, on_progress, timeout, cancel, before_start)
    _apply(run, plan, wait)
    return UpResult(
        services={service: _summary(acts) for service, acts in plan.actions.items()},
        orphans=plan.orphans,
        seconds=round(time.monotonic() - started_at, 3),
    )


def _run_of(
    client: docker.DockerClient,
    project: Project,
    plan: Plan,
    on_progress: OnProgress,
    timeout: float,
    cancel: threading.Event | None,
    before_start: BeforeStart | None,
) -> Run:
    """What applying ``plan`` shares between its threads."""
    return Run(
        client=client,
        project=project,
        on_progress=on_progress,
        # as Compose's --wait-timeout: the time to become healthy, not to build or pull first
        deadline=time.monotonic() + timeout,
        cancel=cancel or threading.Event(),
        done={s: threading.Event() for s in project.services},
        images=plan.images,
        network_ids=plan.network_ids,
        volume_names=plan.volume_names,
        before_start=before_start,
        run_refs=plan.run_refs,
        probes=Probes(client),
    )


def _apply(run: Run, plan: Plan, wait: bool) -> None:
    """Create and start what ``plan`` says, then wait for readiness; on Ctrl-C or a
    cancel, what this run started is stopped."""
    try:
        apply(run, plan.actions)
        if wait:
            wait_ready(run)
    except (KeyboardInterrupt, Cancelled) as exc:
        stop_started(run)
        if isinstance(exc, KeyboardInterrupt):
            raise  # as it came: the CLI tells Ctrl-C from SIGTERM by its class
        raise KeyboardInterrupt from None
    finally:
        if run.probes is not None:
            run.probes.close()


def make_plan(
    client: docker.DockerClient,
    project: Project,
    *,
    policy: str,
    build: bool,
    remove_orphans: bool,
    on_progress: OnProgress,
    builder: Builder | None,
    stand_in: StandInProvider | None = None,
    dry_run: bool = False,
    images_ready: ImagesReady | None = None,
) -> Plan:
    """The plan step: check, repair recreates an earlier ``up`` left halfway, handle
    orphans, ensure networks/volumes/images, decide actions. With ``dry_run`` every
    change is reported as a ``would ...`` event instead of made.

    A dependency cycle or an unsupported setting is an error before anything is touched.
    """
    deps = graph.graph(project.services)
    graph.levels(deps)
    for name in project.services:
        check_supported(project, name)
    state = observe(client, project.name)
    if recover(client, state, on_progress, dry_run=dry_run):
        state = observe(client, project.name)
    orphans = _orphans(client, project, state, remove_orphans, on_progress, dry_run)
    network_ids = ensure_networks(client, project, on_progress, dry_run=dry_run)
    volume_names = ensure_volumes(client, project, on_progress, dry_run=dry_run)
    run_refs: dict[str, str] = {}
    images = {
        s: resolve_image(
            client,
            project,
            s,
            build=build,
            on_progress=on_progress,
            builder=builder,
            stand_in=stand_in,
            run_refs=run_refs,
            dry_run=dry_run,
        )
        for s in project.services
    }
    _warn_slow_stops(client, project, images, on_progress)
    if images_ready is not None and not dry_run:
        project = images_ready(project)
    actions = _actions(project, state, images, network_ids, volume_names, policy)
    return Plan(project, actions, images, network_ids, volume_names, orphans, run_refs)


def _actions(
    project: Project,
    state: Observed,
    images: dict[str, str],
    network_ids: dict[str, str],
    volume_names: dict[str, str],
    policy: str,
) -> dict[str, list[Action]]:
    """What to do with each service's containers, restarts of dependents included."""
    actions: dict[str, list[Action]] = {}
    for service, svc in project.services.items():
        actions[service] = plan_service(
            service,
            scale=project.scale(service),
            config_hash=service_hash(svc),
            hashed=hashed_service(svc),
            image_id=images[service],
            existing=state.containers.get(service, []),
            network_ids={k: network_ids[k] for k in svc.networks if k in network_ids},
            volume_names={
                v.source: volume_names[v.source]
                for v in svc.volumes
                if v.type == "volume" and v.source in volume_names
            },
            policy=policy,
        )
    propagate_restarts(
        actions, {name: graph.dependencies(project.services, name) for name in project.services}
    )
    return actions


def _orphans(
    client: docker.DockerClient,
    project: Project,
    state: Observed,
    remove: bool,
    on_progress: OnProgress,
    dry_run: bool = False,
) -> list[str]:
    """Services with containers that the project does not know (enabled or disabled):
    removed with ``remove`` (with ``dry_run``: said to be), else reported."""
    orphans = sorted(s for s in state.containers if s not in project.all_service_names)
    for service in orphans:
        containers = state.containers[service]
        if remove and dry_run:
            for c in containers:
                on_progress(Event("container", short_name(c), "would remove", "orphan"))
        elif remove:
            stop_containers(client, containers, on_progress)
            remove_containers(client, containers, on_progress)
        else:
            names = ", ".join(short_name(c) for c in containers)
            on_progress(
                Event("service", service, "orphan", f"{names}; remove with --remove-orphans")
            )
    return orphans


def _warn_slow_stops(
    client: docker.DockerClient,
    project: Project,
    images: dict[str, str],
    on_progress: OnProgress,
) -> None:
    """Say which services will wait out their stop timeout (PID 1 ignoring SIGTERM)."""
    for name, svc in project.services.items():
        if not images[name]:
            continue  # not built or pulled yet (a dry run): nothing to read the signal from
        process = {
            "init": svc.init,
            "stop_signal": svc.stop_signal,
            "entrypoint": svc.entrypoint,
            "command": svc.command,
        }
        slow = slow_stop(name, process, functools.partial(_stop_signal, client, images[name]))
        if slow:
            on_progress(Event("service", name, "warning", slow))


def _stop_signal(client: docker.DockerClient, image_id: str) -> str | None:
    """The image's own ``STOPSIGNAL``, if any."""
    return ((inspect_image(client, image_id) or {}).get("Config") or {}).get("StopSignal")


#: The detail of a ``healthy`` event when the check passed run by dockdjango (through
#: exec) before the engine ran it; the engine's own status follows at its next check.
PROBED = "healthcheck run by dockdjango"


def wait_ready(run: Run) -> None:
    """The wait step: every service running and healthy (or, if others wait for it to
    finish, finished)."""
    services = run.project.services
    one_shot = {
        d
        for name in services
        for d, s in graph.dependencies(services, name).items()
        if s.condition == "service_completed_successfully"
    }
    for service in graph.order(graph.graph(services)):
        condition = "service_completed_successfully" if service in one_shot else "service_healthy"
        for cid in run.containers.get(service, []):
            began = time.monotonic()
            data = wait_for(
                run.client, service, cid, condition, run.deadline, run.cancel, run.probes
            )
            health = ((data.get("State") or {}).get("Health") or {}).get("Status")
            word = "completed" if service in one_shot else "healthy" if health else "running"
            # healthy by dockdjango's own run of the check, before the engine's: say so
            how = PROBED if word == "healthy" and health != "healthy" else ""
            run.on_progress(
                Event(
                    "container",
                    str(data.get("Name", "")).lstrip("/"),
                    word,
                    how,
                    seconds=time.monotonic() - began,
                )
            )


def planned_containers(project: Project, plan: Plan) -> list[Event]:
    """A dry run's container steps, dependencies first: ``would create``, ``would
    recreate`` (and why), ``would start``, ``would restart``, ``would remove``, or
    ``unchanged``. A new container's create request is made (not sent), so a setting the
    engine would refuse is an error here too."""
    events = []
    for service in graph.order(graph.graph(project.services)):
        for action in plan.actions[service]:
            if action.container is not None:
                name = short_name(action.container)
            else:
                ref = plan.run_refs.get(service) or project.image_ref(service)
                request = create_request(project, service, action.number, image=ref, labels={})
                name = request.name
                events += [Event("service", service, "warning", w) for w in request.warnings]
            word = "unchanged" if action.op == "keep" else f"would {action.op}"
            reason = "" if action.reason == "new" else action.reason
            events.append(Event("container", name, word, reason))
    return events


def _summary(actions: list[Action], *, dry_run: bool = False) -> tuple[str, str]:
    ops = [a for a in actions if a.op != "remove"]
    for op, word in (
        ("recreate", "recreated"),
        ("create", "created"),
        ("restart", "restarted"),
        ("start", "started"),
    ):
        hit = [a for a in ops if a.op == op]
        if hit:
            return f"would {op}" if dry_run else word, hit[0].reason
    removed = len(actions) - len(ops)
    if removed:
        return "would scale down" if dry_run else "scaled down", f"{removed} container(s) removed"
    return "unchanged", ""
