"""Which host ports the engine's containers hold, and the one a project's service was given.

Asked before a zero-config ``up`` chooses where ``web`` publishes (8000, else the next free
port): a port another container publishes is taken even where no local socket shows it
(a remote engine, a rootless one).
"""

from __future__ import annotations

import docker
from docker.errors import NotFound

from dockdjango.engine import labels as L
from dockdjango.engine.failures import translate_errors
from dockdjango.engine.up.observe import project_containers


@translate_errors
def host_ports_in_use(client: docker.DockerClient) -> set[int]:
    """The host ports running containers publish (any address, TCP or UDP)."""
    return {
        int(port["PublicPort"])
        for row in client.api.containers()
        for port in row.get("Ports") or []
        if port.get("PublicPort")
    }


@translate_errors
def service_host_port(
    client: docker.DockerClient, project: str, service: str, target: int
) -> tuple[int, bool] | None:
    """(host port, running) where the project's ``service`` container publishes ``target``
    as configured (also when it is stopped); None when it has no such container."""
    for row in project_containers(client, project):
        if (row.get("Labels") or {}).get(L.SERVICE) != service:
            continue
        try:
            data = client.api.inspect_container(row["Id"])
        except NotFound:
            continue
        bindings = ((data.get("HostConfig") or {}).get("PortBindings") or {}).get(
            f"{target}/tcp"
        ) or []
        for binding in bindings:
            if str(binding.get("HostPort") or "").isdigit():
                running = bool((data.get("State") or {}).get("Running"))
                return int(binding["HostPort"]), running
    return None
