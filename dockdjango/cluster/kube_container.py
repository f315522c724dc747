"""The container of a Kubernetes pod made from one compose service: image and pull
policy, what it runs, environment, ports, mounts, probes, resources, security.

Pure; what has no Kubernetes meaning is noted on the `Notes` passed in.
"""

from __future__ import annotations

from typing import Any

from dockdjango.cluster import kube_objects as objects
from dockdjango.cluster import kube_pod as pod
from dockdjango.cluster.kube_volumes import pod_volumes
from dockdjango.cluster.notes import Notes
from dockdjango.compose import Project, Service


def container_spec(
    project: Project,
    key: str,
    service: Service,
    name: str,
    env_from: list[dict[str, Any]],
    ports: list[tuple[int, str]],
    own_volumes: list[str],
    volume_size: str,
    notes: Notes,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The pod's container for ``service``, the pod's volumes and the claim templates of
    its own named volumes (a StatefulSet's); what has no Kubernetes meaning is noted."""
    path = f"services.{key}"
    image = service.image or f"{project.name}-{key}"
    if service.build is not None:
        notes.add(
            f"{path}.build",
            f"not built for the cluster: push {image} where it pulls "
            "from (dockdjango build tags it)",
        )
    container: dict[str, Any] = {"name": name, "image": image}
    policy = {
        "always": "Always",
        "never": "Never",
        "missing": "IfNotPresent",
        "if_not_present": "IfNotPresent",
    }.get(service.pull_policy or "")
    if policy:
        container["imagePullPolicy"] = policy
    container.update(process(service))
    if env_from:
        container["envFrom"] = env_from
    if ports:
        container["ports"] = [
            {"name": objects.port_name(p, proto), "containerPort": p, "protocol": proto}
            for p, proto in ports
        ]
    _note_published(service, path, name, notes)
    mounts, volumes, templates = pod_volumes(project, key, service, own_volumes, volume_size, notes)
    if mounts:
        container["volumeMounts"] = mounts
    container.update(pod.probes(service.healthcheck, f"{path}.healthcheck", notes))
    limits = pod.resources(service, path, notes)
    if limits:
        container["resources"] = limits
    context, _ = pod.security(service, path, notes)
    if context:
        container["securityContext"] = context
    if service.tty:
        container["tty"] = True
    if service.stdin_open:
        container["stdin"] = True
    return container, volumes, templates


def _note_published(service: Service, path: str, name: str, notes: Notes) -> None:
    """A published port becomes a ClusterIP Service: say how to reach it from here."""
    for i, port in enumerate(service.ports):
        if port.published or port.host_ip:
            where = f"{port.host_ip + ':' if port.host_ip else ''}{port.published or '(any)'}"
            notes.add(
                f"{path}.ports[{i}]",
                f"published on {where} in Compose; in the "
                f"cluster a ClusterIP Service ({name}:{port.target}): "
                f"`kubectl port-forward service/{name} {port.published or port.target}"
                f":{port.target}` or an Ingress",
            )


def process(service: Service) -> dict[str, Any]:
    """What a container runs: ``command`` (entrypoint), ``args`` (command), ``workingDir``."""
    out: dict[str, Any] = {}
    if service.entrypoint:
        out["command"] = list(service.entrypoint)
    if service.command:
        out["args"] = list(service.command)
    if service.working_dir:
        out["workingDir"] = service.working_dir
    return out
