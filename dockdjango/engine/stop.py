"""Stopping and removing a project's containers, networks and volumes, by Compose's labels,
quickly (all at once, each with its own grace period), written once for both ways of
reaching the engine.

What ``stop`` and ``down`` decide -- which containers, in which order (dependents first,
from the ``depends_on`` label), what an orphan is, what a refusal means -- is here, and
the Docker SDK is imported only by :class:`SdkOperations`, when used. The engine calls go
through :class:`Operations`: the SDK's client (:class:`SdkOperations`) or the local
socket's (:class:`dockdjango.engine.socket_client.SocketEngine`), which answer alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dockdjango.engine import labels as L
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.errors import EngineError, start_refusal

if TYPE_CHECKING:
    import docker

Containers = dict[str, list[dict[str, Any]]]


class Operations(Protocol):
    """The engine calls ``stop`` and ``down`` make. A container, network or volume that is
    gone already is not an error (False, or ``""`` for a network/volume); any other refusal
    of a container raises the engine's error."""

    def containers(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every container matching ``filters``, running or not (list summaries)."""
        ...

    def stop_container(self, container: str, timeout: int | None) -> bool:
        """Stop it (already stopping or stopped counts as done); False when it is gone."""
        ...

    def remove_container(self, container: str, volumes: bool) -> bool:
        """Remove it by force (``volumes``: its anonymous volumes too); False when gone."""
        ...

    def start_container(self, container: str) -> str | None:
        """Start it (already running counts as done): None, else the engine's explanation."""
        ...

    def networks(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every network matching ``filters``."""
        ...

    def remove_network(self, network: str) -> str | None:
        """Remove it: None when removed, "" when gone, else the engine's explanation."""
        ...

    def volumes(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every volume matching ``filters``."""
        ...

    def remove_volume(self, name: str) -> str | None:
        """Remove it: None when removed, "" when gone, else the engine's explanation."""
        ...


@dataclass
class DownResult:
    """What ``down`` removed."""

    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    orphans_kept: list[str] = field(default_factory=list)


def by_service(summaries: Iterable[dict[str, Any]]) -> Containers:
    """Containers grouped by their service label, each group by container number."""
    grouped: Containers = {}
    for c in summaries:
        grouped.setdefault((c.get("Labels") or {}).get(L.SERVICE, ""), []).append(c)
    for group in grouped.values():
        group.sort(key=L.number)
    return grouped


def project_containers(ops: Operations, project: str) -> Containers:
    """The project's service containers (one-off ``run`` ones excluded), by service."""
    return by_service(L.service_containers(ops.containers(L.project_filter(project))))


def stop_order(
    containers: Containers, services: Iterable[str] | None = None
) -> list[list[dict[str, Any]]]:
    """Containers grouped for stopping: dependents first, each group stopped at once."""
    chosen = set(containers) if services is None else set(services) & set(containers)
    deps = {s: set().union(*(L.depends_on(c) for c in containers[s])) & chosen for s in chosen}
    groups: list[list[dict[str, Any]]] = []
    left = set(chosen)
    while left:
        # a service can stop once nothing left depends on it
        ready = {s for s in left if not any(s in deps[o] for o in left if o != s)} or set(left)
        groups.append([c for s in sorted(ready) for c in containers[s]])
        left -= ready
    return groups


def display_name(container: dict[str, Any]) -> str:
    """A container's name from a list summary (``Names``) or inspect data (``Name``)."""
    if container.get("Names"):
        return str(container["Names"][0]).lstrip("/")
    return str(container.get("Name") or container.get("Id", "")[:12]).lstrip("/")


def is_running(container: dict[str, Any]) -> bool:
    """Whether a container (summary or inspect data) has something to stop."""
    state = container.get("State")
    if isinstance(state, dict):
        return bool(state.get("Running") or state.get("Restarting"))
    return state in ("running", "restarting", "paused")


def each(fn: Callable[[Any], Any], items: list[Any]) -> None:
    """``fn(item)`` for every item, at once (up to 8 threads); the first error is raised."""
    if not items:
        return
    if len(items) == 1:
        fn(items[0])
        return
    with ThreadPoolExecutor(max_workers=min(8, len(items)), thread_name_prefix="dd-stop") as pool:
        for future in [pool.submit(fn, c) for c in items]:
            future.result()


def stop_each(
    ops: Operations,
    containers: Sequence[dict[str, Any]],
    on_progress: OnProgress,
    timeout: int | None = None,
) -> None:
    """Stop the running ones in parallel; with ``timeout`` None the engine uses each
    container's own stop timeout (``stop_grace_period``), after its ``stop_signal``."""

    def stop(c: dict[str, Any]) -> None:
        if ops.stop_container(c["Id"], timeout):
            on_progress(Event("container", display_name(c), "stopped"))

    each(stop, [c for c in containers if is_running(c)])


def remove_each(
    ops: Operations, containers: Sequence[dict[str, Any]], on_progress: OnProgress, volumes: bool
) -> None:
    """Remove containers in parallel (``volumes``: their anonymous volumes too)."""

    def remove(c: dict[str, Any]) -> None:
        if ops.remove_container(c["Id"], volumes):
            on_progress(Event("container", display_name(c), "removed"))

    each(remove, list(containers))


def stop(
    ops: Operations,
    project: str,
    services: Iterable[str] | None = None,
    *,
    timeout: int | None = None,
    on_progress: OnProgress = ignore,
) -> None:
    """Stop containers (all, or those of ``services``), dependents first."""
    for group in stop_order(project_containers(ops, project), services):
        stop_each(ops, group, on_progress, timeout=timeout)


def start(
    ops: Operations,
    project: str,
    services: Iterable[str] | None = None,
    *,
    on_progress: OnProgress = ignore,
) -> None:
    """Start existing containers, what others depend on first."""
    containers = project_containers(ops, project)
    if not containers:
        raise EngineError(
            f"project {project} has no containers", hint="create them with: dockdjango up"
        )
    for group in reversed(stop_order(containers, services)):
        for c in group:
            if c.get("State") == "running":
                continue
            refused = ops.start_container(c["Id"])
            if refused is not None:
                raise start_refusal((c.get("Labels") or {}).get(L.SERVICE, ""), refused)
            on_progress(Event("container", L.short_name(c), "started"))


def _left_for_down(
    containers: Containers,
    services: Iterable[str] | None,
    known: Iterable[str] | None,
    remove_orphans: bool,
    on_progress: OnProgress,
) -> list[str]:
    """Drop from ``containers`` what ``down`` keeps; the orphans kept (said)."""
    if services is None:
        return []
    wanted = set(services)
    orphans = sorted(s for s in containers if s not in wanted | set(known or ()))
    if remove_orphans:
        wanted |= set(orphans)
    else:
        for s in orphans:
            on_progress(Event("service", s, "orphan", "kept; remove with --remove-orphans"))
    for s in [s for s in containers if s not in wanted]:
        del containers[s]
    return [] if remove_orphans else orphans


def down(
    ops: Operations,
    project: str,
    *,
    services: Iterable[str] | None = None,
    known: Iterable[str] | None = None,
    volumes: bool = False,
    remove_orphans: bool = False,
    on_progress: OnProgress = ignore,
) -> DownResult:
    """Stop and remove the project's containers and networks (and volumes if asked); see
    :func:`dockdjango.engine.project.lifecycle.down` for ``services`` and ``known``."""
    containers = project_containers(ops, project)
    result = DownResult()
    result.orphans_kept = _left_for_down(containers, services, known, remove_orphans, on_progress)
    # Remove each group while the next one stops: dependents go first, and nothing waits
    # for a removal it does not need.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dd-rm") as remover:
        removals = []
        for group in stop_order(containers):
            stop_each(ops, group, on_progress)
            removals.append(remover.submit(remove_each, ops, group, on_progress, volumes))
        for removal in removals:
            removal.result()
    every = [c for group in containers.values() for c in group]
    result.containers = sorted(L.short_name(c) for c in every)
    if volumes:
        # anonymous volumes handed on at a recreate are mounted by name, so removing the
        # container (v=True) leaves them: remove them here, whatever the engine says
        for name in sorted({name for c in every for name, _ in L.anonymous_mounts(c)}):
            ops.remove_volume(name)
    result.networks = _remove_networks(ops, project, on_progress)
    if volumes:
        result.volumes = _remove_volumes(ops, project, on_progress)
    return result


def _remove_networks(ops: Operations, project: str, on_progress: OnProgress) -> list[str]:
    """Remove the project's networks; the names removed (one still in use is kept, said)."""
    return _remove_all("network", ops.networks(L.project_filter(project)), ops, on_progress)


def _remove_volumes(ops: Operations, project: str, on_progress: OnProgress) -> list[str]:
    """Remove the project's named volumes; the names removed."""
    return _remove_all("volume", ops.volumes(L.project_filter(project)), ops, on_progress)


def _remove_all(
    kind: str, found: list[dict[str, Any]], ops: Operations, on_progress: OnProgress
) -> list[str]:
    """Remove networks or volumes one by one; the names removed. The engine refusing
    keeps a network (said: a container outside the project may use it) and is an error
    for a volume (``down -v`` was asked to remove the data)."""
    removed = []
    for item in found:
        name = item["Name"]
        if kind == "network":
            refused = ops.remove_network(item["Id"])
        else:
            refused = ops.remove_volume(name)
        if refused == "":
            continue
        if refused is not None and kind == "volume":
            raise EngineError(f"could not remove volume {name}: {refused}")
        if refused is not None:
            on_progress(Event("network", name, "kept", refused))
            continue
        removed.append(name)
        on_progress(Event(kind, name, "removed"))
    return removed


class SdkOperations:
    """:class:`~dockdjango.engine.stop.Operations` through the SDK's client;
    refusals other than those of the protocol raise the SDK's ``APIError``."""

    def __init__(self, client: docker.DockerClient) -> None:
        self.api = client.api

    def containers(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """See the protocol."""
        return list(self.api.containers(all=True, filters=dict(filters)))

    def stop_container(self, container: str, timeout: int | None) -> bool:
        """See the protocol."""
        from docker.errors import APIError, NotFound

        try:
            self.api.stop(container, timeout=timeout)
        except NotFound:
            return False
        except APIError as exc:  # already stopping or stopped
            if exc.status_code not in (304, 409):
                raise
        return True

    def remove_container(self, container: str, volumes: bool) -> bool:
        """See the protocol."""
        from docker.errors import APIError, NotFound

        try:
            self.api.remove_container(container, v=volumes, force=True)
        except NotFound:
            return False
        except APIError as exc:
            if exc.status_code != 409 or "already in progress" not in str(exc):
                raise
        return True

    def start_container(self, container: str) -> str | None:
        """See the protocol."""
        from docker.errors import APIError

        try:
            self.api.start(container)
        except APIError as exc:
            text = str(exc.explanation or exc)
            return text if text.strip() else type(exc).__name__
        return None

    def networks(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """See the protocol."""
        return list(self.api.networks(filters=dict(filters)))

    def remove_network(self, network: str) -> str | None:
        """See the protocol."""
        return _refusal(self.api.remove_network, network)

    def volumes(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """See the protocol."""
        return list(self.api.volumes(filters=dict(filters)).get("Volumes") or [])

    def remove_volume(self, name: str) -> str | None:
        """See the protocol."""
        return _refusal(self.api.remove_volume, name)


def _refusal(remove: Callable[[str], Any], what: str) -> str | None:
    """``remove(what)``: None when done, "" when gone, else the engine's explanation."""
    from docker.errors import APIError, NotFound

    try:
        remove(what)
    except NotFound:
        return ""
    except APIError as exc:
        return str(exc.explanation or exc)
    return None


def stop_containers(
    client: docker.DockerClient,
    containers: Sequence[dict[str, Any]],
    on_progress: OnProgress,
    timeout: int | None = None,
) -> None:
    """Stop running containers in parallel.

    With ``timeout`` None the engine uses each container's own stop timeout (set from
    ``stop_grace_period`` at create time), after sending its ``stop_signal``.
    """
    stop_each(SdkOperations(client), containers, on_progress, timeout)


def remove_containers(
    client: docker.DockerClient,
    containers: Sequence[dict[str, Any]],
    on_progress: OnProgress,
    volumes: bool = False,
) -> None:
    """Remove containers in parallel (``volumes``: their anonymous volumes too)."""
    remove_each(SdkOperations(client), containers, on_progress, volumes)
