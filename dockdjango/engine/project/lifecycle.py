"""``down``, ``stop``, ``start``, ``restart``, ``ps`` and ``port`` for a project, by its labels.

These work from what the engine has (Compose's labels), not from the file, so they also
handle a stack brought up by ``docker compose`` or by an older version of the file.
Dependents stop before what they depend on, read from the ``depends_on`` label.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine import labels as L
from dockdjango.engine.failures import explain_start_error, translate_errors
from dockdjango.engine.labels import number, short_name
from dockdjango.engine.podman import is_podman, podman_health
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.project.status import (
    ALL_INTERFACES,
    ContainerStatus,
    bindings_of,
    status_rows,
)
from dockdjango.engine.stop import remove_containers, stop_containers
from dockdjango.engine.up.observe import (
    Observed,
    anonymous_mounts,
    depends_on,
    observe,
    project_containers,
)
from dockdjango.errors import EngineError, ServiceError


@dataclass
class DownResult:
    """What ``down`` removed."""

    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    orphans_kept: list[str] = field(default_factory=list)


def stop_order(
    state: Observed, services: Iterable[str] | None = None
) -> list[list[dict[str, Any]]]:
    """Containers grouped for stopping: dependents first, each group stopped at once."""
    chosen = set(state.containers) if services is None else set(services) & set(state.containers)
    deps = {s: set().union(*(depends_on(c) for c in state.containers[s])) & chosen for s in chosen}
    groups: list[list[dict[str, Any]]] = []
    left = set(chosen)
    while left:
        # a service can stop once nothing left depends on it
        ready = {s for s in left if not any(s in deps[o] for o in left if o != s)} or set(left)
        groups.append([c for s in sorted(ready) for c in state.containers[s]])
        left -= ready
    return groups


@translate_errors
def down(
    client: docker.DockerClient,
    project: str,
    *,
    services: Iterable[str] | None = None,
    known: Iterable[str] | None = None,
    volumes: bool = False,
    remove_orphans: bool = False,
    on_progress: OnProgress = ignore,
) -> DownResult:
    """Stop and remove the project's containers and networks (and volumes if asked).

    ``services`` are the services to remove (None: every container of the project).
    ``known`` are all the project's services, ``services`` plus the disabled ones (default:
    ``services``): containers of a known service outside ``services`` stay, as Compose
    leaves a disabled profile's; containers of unknown services (orphans) stay unless
    ``remove_orphans``.
    """
    state = observe(client, project)
    result = DownResult()
    if services is not None:
        wanted = set(services)
        known_names = wanted | set(known or ())
        orphans = sorted(s for s in state.containers if s not in known_names)
        if remove_orphans:
            wanted |= set(orphans)
        else:
            result.orphans_kept = orphans
            for s in orphans:
                on_progress(Event("service", s, "orphan", "kept; remove with --remove-orphans"))
        for s in [s for s in state.containers if s not in wanted]:
            del state.containers[s]
    # Remove each group while the next one stops: dependents go first, and nothing waits
    # for a removal it does not need.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dd-rm") as remover:
        removals = []
        for group in stop_order(state):
            stop_containers(client, group, on_progress)
            removals.append(remover.submit(remove_containers, client, group, on_progress, volumes))
        for removal in removals:
            removal.result()
    every = state.all_containers()
    result.containers = sorted(short_name(c) for c in every)
    if volumes:
        # anonymous volumes handed on at a recreate are mounted by name, so removing the
        # container (v=True) leaves them: remove them here
        for name in sorted({name for c in every for name, _ in anonymous_mounts(c)}):
            try:
                client.api.remove_volume(name)
            except (NotFound, APIError):
                continue
    result.networks = _remove_networks(client, project, on_progress)
    if volumes:
        result.volumes = _remove_volumes(client, project, on_progress)
    return result


def _remove_networks(
    client: docker.DockerClient, project: str, on_progress: OnProgress
) -> list[str]:
    """Remove the project's networks; the names removed (one still in use is kept, said)."""
    removed = []
    for net in client.api.networks(filters=L.project_filter(project)):
        try:
            client.api.remove_network(net["Id"])
        except NotFound:
            continue
        except APIError as exc:
            on_progress(Event("network", net["Name"], "kept", str(exc.explanation or exc)))
            continue
        removed.append(net["Name"])
        on_progress(Event("network", net["Name"], "removed"))
    return removed


def _remove_volumes(
    client: docker.DockerClient, project: str, on_progress: OnProgress
) -> list[str]:
    """Remove the project's named volumes; the names removed."""
    removed = []
    for vol in client.api.volumes(filters=L.project_filter(project)).get("Volumes") or []:
        try:
            client.api.remove_volume(vol["Name"])
        except NotFound:
            continue
        except APIError as exc:
            raise EngineError(
                f"could not remove volume {vol['Name']}: {exc.explanation or exc}"
            ) from None
        removed.append(vol["Name"])
        on_progress(Event("volume", vol["Name"], "removed"))
    return removed


@translate_errors
def stop(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    timeout: int | None = None,
    on_progress: OnProgress = ignore,
) -> None:
    """Stop containers (all, or those of ``services``), dependents first."""
    for group in stop_order(observe(client, project), services):
        stop_containers(client, group, on_progress, timeout=timeout)


@translate_errors
def start(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    on_progress: OnProgress = ignore,
) -> None:
    """Start existing containers, what others depend on first."""
    state = observe(client, project)
    if not state.containers:
        raise EngineError(
            f"project {project} has no containers", hint="create them with: dockdjango up"
        )
    for group in reversed(stop_order(state, services)):
        for c in group:
            if c.get("State") == "running":
                continue
            service = (c.get("Labels") or {}).get(L.SERVICE, "")
            try:
                client.api.start(c["Id"])
            except APIError as exc:
                raise explain_start_error(service, exc) from None
            on_progress(Event("container", short_name(c), "started"))


@translate_errors
def restart(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    timeout: int | None = None,
    on_progress: OnProgress = ignore,
) -> None:
    """Stop then start (all, or ``services``)."""
    chosen = list(services) if services is not None else None
    stop(client, project, chosen, timeout=timeout, on_progress=on_progress)
    start(client, project, chosen, on_progress=on_progress)


@translate_errors
def ps(
    client: docker.DockerClient, project: str, services: Iterable[str] | None = None
) -> list[ContainerStatus]:
    """The project's containers with state, health and published ports, by service."""
    podman = podman_health(client, L.project_filter(project)) if is_podman(client) else {}
    return status_rows(project_containers(client, project), services, podman)


@translate_errors
def port(
    client: docker.DockerClient,
    project: str,
    service: str,
    target: int,
    protocol: str = "tcp",
    index: int = 1,
) -> tuple[str, int]:
    """An address to connect to ``target`` of container ``index`` of ``service``: (host ip,
    host port) as bound, with 127.0.0.1 for a port bound on all interfaces (see
    :func:`published` for the bindings themselves)."""
    ip, host = published(client, project, service, target, protocol, index)[0]
    return ("127.0.0.1" if ip in ALL_INTERFACES else ip), host


@translate_errors
def published(
    client: docker.DockerClient,
    project: str,
    service: str,
    target: int,
    protocol: str = "tcp",
    index: int = 1,
) -> list[tuple[str, int]]:
    """Every (host ip, host port) where container ``index`` of ``service`` publishes
    ``target``, as the engine bound it (``0.0.0.0`` and ``::`` for all interfaces)."""
    return bindings_of(ps(client, project, [service]), service, target, protocol, index)


@translate_errors
def container_id(
    client: docker.DockerClient,
    project: str,
    service: str,
    index: int = 1,
    *,
    running: bool = False,
) -> str:
    """The engine id of container ``index`` of ``service``; with ``running``, it must run."""
    for c in observe(client, project).containers.get(service, []):
        if number(c) != index:
            continue
        if running and c.get("State") != "running":
            raise ServiceError(
                service,
                f"service {service} is not running ({c.get('State') or 'unknown'})",
                hint=f"start it with: dockdjango up {service}",
            )
        return str(c["Id"])
    raise ServiceError(
        service, f"service {service} has no container {index}", hint="run: dockdjango up"
    )
