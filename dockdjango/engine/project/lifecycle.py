"""``down``, ``stop``, ``start``, ``restart``, ``ps`` and ``port`` for a project, by its labels.

These work from what the engine has (Compose's labels), not from the file, so they also
handle a stack brought up by ``docker compose`` or by an older version of the file.
Dependents stop before what they depend on, read from the ``depends_on`` label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import docker

from dockdjango.engine import labels as L
from dockdjango.engine import stop as teardown
from dockdjango.engine.failures import translate_errors
from dockdjango.engine.labels import number
from dockdjango.engine.podman import is_podman, podman_health
from dockdjango.engine.progress import OnProgress, ignore
from dockdjango.engine.project.status import (
    ALL_INTERFACES,
    ContainerStatus,
    bindings_of,
    status_rows,
)
from dockdjango.engine.stop import DownResult, SdkOperations
from dockdjango.engine.up.observe import Observed, observe, project_containers
from dockdjango.errors import ServiceError

__all__ = ["DownResult", "container_id", "down", "port", "ps", "published", "restart", "start"]
__all__ += ["stop", "stop_order"]


def stop_order(
    state: Observed, services: Iterable[str] | None = None
) -> list[list[dict[str, Any]]]:
    """Containers grouped for stopping: dependents first, each group stopped at once."""
    return teardown.stop_order(state.containers, services)


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
    return teardown.down(
        SdkOperations(client),
        project,
        services=services,
        known=known,
        volumes=volumes,
        remove_orphans=remove_orphans,
        on_progress=on_progress,
    )


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
    ops = SdkOperations(client)
    teardown.stop(ops, project, services, timeout=timeout, on_progress=on_progress)


@translate_errors
def start(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    on_progress: OnProgress = ignore,
) -> None:
    """Start existing containers, what others depend on first."""
    teardown.start(SdkOperations(client), project, services, on_progress=on_progress)


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
