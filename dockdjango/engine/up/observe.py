"""Reading a project's current state from the engine, by Compose's labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import docker

from dockdjango.engine import labels as L
from dockdjango.engine.failures import translate_errors
from dockdjango.engine.image_store import image_id
from dockdjango.engine.podman import network_ids_of
from dockdjango.engine.stop import by_service

if TYPE_CHECKING:
    from dockdjango.compose.project import Project


@dataclass
class Observed:
    """What exists for one project: containers by service, networks and volumes by key."""

    containers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def all_containers(self) -> list[dict[str, Any]]:
        """Every service container, in no particular order."""
        return [c for group in self.containers.values() for c in group]


@translate_errors
def project_containers(client: docker.DockerClient, project: str) -> list[dict[str, Any]]:
    """The project's service containers (one-off ``run`` containers excluded), summaries."""
    return L.service_containers(client.api.containers(all=True, filters=L.project_filter(project)))


@translate_errors
def observe(client: docker.DockerClient, project: str, *, resources: bool = False) -> Observed:
    """The project's containers as the engine has them now; with ``resources`` its
    networks and volumes too (two more engine calls, which ``up``/``down`` do not need)."""
    state = Observed(by_service(network_ids_of(client, project_containers(client, project))))
    if not resources:
        return state
    for net in client.api.networks(filters=L.project_filter(project)):
        key = (net.get("Labels") or {}).get(L.NETWORK)
        if key:
            state.networks[key] = net
    for vol in client.api.volumes(filters=L.project_filter(project)).get("Volumes") or []:
        key = (vol.get("Labels") or {}).get(L.VOLUME)
        if key:
            state.volumes[key] = vol
    return state


@translate_errors
def is_current(client: docker.DockerClient, project: Project) -> bool:
    """True when every service of ``project`` runs (healthy, if it has a check) with the
    config hash and image it would get now, and nothing else of the project does."""
    # here, not at the top: reading containers by their labels (ps, down) needs no models
    from dockdjango.compose.confighash import service_hash

    state = observe(client, project.name)
    if set(state.containers) != set(project.services):
        return False
    for name, svc in project.services.items():
        running = state.containers[name]
        if len(running) != project.scale(name):
            return False
        image = image_id(client, project.image_ref(name))
        if image is None:
            return False
        for c in running:
            labels = c.get("Labels") or {}
            status = str(c.get("Status", ""))
            if c.get("State") != "running" or "unhealthy" in status or "health: starting" in status:
                return False
            if labels.get(L.CONFIG_HASH) != service_hash(svc) or labels.get(L.IMAGE) != image:
                return False
    return True
