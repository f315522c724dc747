"""Applying a Swarm plan through the SDK: configs, secrets, networks, services; removal.

The plan (``dockdjango.cluster.swarm``) is pure Engine API JSON; this module only looks
up what exists, creates or updates it, and removes a stack by its
``com.docker.stack.namespace`` label, as ``docker stack rm`` does (named volumes are kept
unless asked).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.cluster.swarm import SwarmPlan, SwarmService
from dockdjango.cluster.swarm_objects import SwarmObject
from dockdjango.cluster.swarm_parts import NAMESPACE_LABEL
from dockdjango.engine.progress import Event, OnProgress
from dockdjango.errors import EngineError

DIGEST_LABEL = "dev.dockdjango.digest"


@dataclass(frozen=True)
class SwarmNode:
    """What the engine we talk to is, as a member of a swarm."""

    state: str  # "inactive", "active", "pending", "error", "locked"
    manager: bool
    node_id: str
    nodes: int


def swarm_node(client: docker.DockerClient) -> SwarmNode:
    """The engine's swarm membership (``docker info``'s Swarm section)."""
    info = client.info().get("Swarm") or {}
    return SwarmNode(
        state=str(info.get("LocalNodeState") or "inactive"),
        manager=bool(info.get("ControlAvailable")),
        node_id=str(info.get("NodeID") or ""),
        nodes=int(info.get("Nodes") or 0),
    )


def require_manager(client: docker.DockerClient) -> SwarmNode:
    """The node, when it is a swarm manager; else an `EngineError` saying what to do."""
    node = swarm_node(client)
    if node.state != "active":
        raise EngineError(
            f"this Docker engine is not part of a swarm (swarm state: {node.state})",
            hint="run `docker swarm init` (or join one), or use `dockdjango kube` for Kubernetes",
        )
    if not node.manager:
        raise EngineError(
            "this Docker engine is a swarm worker; deploying needs a manager",
            hint="point DOCKER_HOST at a manager node",
        )
    return node


def apply_objects(client: docker.DockerClient, plan: SwarmPlan) -> dict[str, dict[str, str]]:
    """Create the plan's configs and secrets that are missing; kind -> name -> id."""
    ids: dict[str, dict[str, str]] = {"config": {}, "secret": {}}
    for obj in plan.objects:
        existing = _find_object(client, obj.kind, obj.name)
        if obj.data is None:
            if existing is None:
                raise EngineError(
                    f"external {obj.kind} {obj.name} does not exist",
                    hint=f"create it with `docker {obj.kind} create {obj.name} FILE`",
                )
            ids[obj.kind][obj.name] = existing["ID"]
            continue
        digest = hashlib.sha256(obj.data).hexdigest()
        if existing is not None:
            labels = (existing.get("Spec") or {}).get("Labels") or {}
            if labels.get(DIGEST_LABEL) != digest:
                raise EngineError(
                    f"{obj.kind} {obj.name} changed, and swarm {obj.kind}s cannot be changed",
                    hint=f"undeploy first, or give the {obj.kind} a new name in the compose file",
                )
            ids[obj.kind][obj.name] = existing["ID"]
            continue
        ids[obj.kind][obj.name] = _create_object(client, obj, digest)
    return ids


def _find_object(client: docker.DockerClient, kind: str, name: str) -> dict[str, Any] | None:
    found = (
        client.api.configs(filters={"name": name})
        if kind == "config"
        else (client.api.secrets(filters={"name": name}))
    )
    for item in found:
        if (item.get("Spec") or {}).get("Name") == name:
            return dict(item)
    return None


def _create_object(client: docker.DockerClient, obj: SwarmObject, digest: str) -> str:
    labels = {**obj.labels, DIGEST_LABEL: digest}
    create = client.api.create_config if obj.kind == "config" else client.api.create_secret
    result = create(obj.name, obj.data, labels=labels)
    return str(result["ID"])


def apply_networks(client: docker.DockerClient, plan: SwarmPlan, on_progress: OnProgress) -> None:
    """Create the overlay networks that are missing; check that external ones exist."""
    existing = {n["Name"] for n in client.api.networks()}
    for name in plan.external_networks:
        if name not in existing:
            raise EngineError(
                f"external network {name} does not exist",
                hint=f"create it with `docker network create --driver overlay {name}`",
            )
    for name, options in sorted(plan.networks.items()):
        if name in existing:
            continue
        client.api.create_network(
            name,
            driver=options["Driver"],
            options=options.get("Options"),
            ipam=options.get("IPAM"),
            internal=options["Internal"],
            labels=options["Labels"],
            enable_ipv6=options.get("EnableIPv6", False),
            attachable=options["Attachable"],
            scope="swarm",
        )
        on_progress(Event("network", name, "created"))


def service_spec(
    service: SwarmService, image: str, ids: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """The service's spec with its image and the ids of its configs and secrets filled in."""
    spec = copy.deepcopy(service.spec)
    container = spec["TaskTemplate"]["ContainerSpec"]
    container["Image"] = image
    for kind in ("config", "secret"):
        for ref in container.get(f"{kind.capitalize()}s") or []:
            ref[f"{kind.capitalize()}ID"] = ids[kind][ref[f"{kind.capitalize()}Name"]]
    return spec


def find_service(client: docker.DockerClient, name: str) -> dict[str, Any] | None:
    """The service called exactly ``name`` (the name filter also matches prefixes)."""
    for item in client.api.services(filters={"name": name}):
        if (item.get("Spec") or {}).get("Name") == name:
            return dict(item)
    return None


def apply_service(client: docker.DockerClient, spec: dict[str, Any]) -> tuple[str, str]:
    """Create or update one service; (service id, "created" | "updated" | "unchanged").

    The spec's digest is kept in a label, so an unchanged service is left alone (Swarm
    would not restart its tasks anyway, but the report can then say "unchanged").
    """
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]
    labels = {**spec["Labels"], DIGEST_LABEL: digest}
    options: dict[str, Any] = {
        "name": spec["Name"],
        "labels": labels,
        "mode": spec["Mode"],
        "update_config": spec.get("UpdateConfig"),
        "endpoint_spec": spec["EndpointSpec"],
        "rollback_config": spec.get("RollbackConfig"),
    }
    existing = find_service(client, spec["Name"])
    if existing is None:
        result = client.api.create_service(spec["TaskTemplate"], **options)
        return str(result["ID"]), "created"
    current = existing.get("Spec") or {}
    if (current.get("Labels") or {}).get(DIGEST_LABEL) == digest:
        return str(existing["ID"]), "unchanged"
    task = copy.deepcopy(spec["TaskTemplate"])
    force = (current.get("TaskTemplate") or {}).get("ForceUpdate")
    if force:
        task["ForceUpdate"] = force  # keep the counter, or Swarm sees a change
    client.api.update_service(
        existing["ID"], existing["Version"]["Index"], task_template=task, **options
    )
    return str(existing["ID"]), "updated"


@dataclass
class Removed:
    """What removing a stack removed."""

    services: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)


def stack_services(client: docker.DockerClient, stack: str) -> list[dict[str, Any]]:
    """The services labelled as the stack's, sorted by name."""
    found = client.api.services(filters={"label": f"{NAMESPACE_LABEL}={stack}"})
    return sorted(found, key=lambda s: s["Spec"]["Name"])


def remove_stack(
    client: docker.DockerClient,
    stack: str,
    *,
    volumes: bool = False,
    timeout: float = 60.0,
    on_progress: OnProgress,
) -> Removed:
    """Remove the stack's services, then (once their containers are gone) its networks,
    configs and secrets — and its named volumes when ``volumes`` is true."""
    label = f"{NAMESPACE_LABEL}={stack}"
    out = Removed()
    for service in stack_services(client, stack):
        name = service["Spec"]["Name"]
        _ignore_missing(client.api.remove_service, service["ID"])
        out.services.append(name)
        on_progress(Event("service", name, "removed"))
    _wait_containers_gone(client, label, timeout)
    for network in sorted(client.api.networks(filters={"label": label}), key=lambda n: n["Name"]):
        _retry_in_use(lambda n=network: client.api.remove_network(n["Id"]), timeout)
        out.networks.append(network["Name"])
        on_progress(Event("network", network["Name"], "removed"))
    for kind, listing, remove, names in (
        ("config", client.api.configs, client.api.remove_config, out.configs),
        ("secret", client.api.secrets, client.api.remove_secret, out.secrets),
    ):
        for item in sorted(listing(filters={"label": label}), key=lambda i: i["Spec"]["Name"]):
            _ignore_missing(remove, item["ID"])
            names.append(item["Spec"]["Name"])
            on_progress(Event(kind, item["Spec"]["Name"], "removed"))
    if volumes:
        found = client.api.volumes(filters={"label": label}).get("Volumes") or []
        for volume in sorted(found, key=lambda v: v["Name"]):
            _retry_in_use(lambda v=volume: client.api.remove_volume(v["Name"]), timeout)
            out.volumes.append(volume["Name"])
            on_progress(Event("volume", volume["Name"], "removed"))
    return out


def _ignore_missing(remove: Any, ident: str) -> None:
    try:
        remove(ident)
    except NotFound:
        pass


def _wait_containers_gone(client: docker.DockerClient, label: str, timeout: float) -> None:
    """Wait for the stack's containers to go. Running ones are stopped by Swarm; ones left
    exited (a finished job's container can outlive its service) are removed here, since
    they would hold volumes."""
    deadline = time.monotonic() + timeout
    while True:
        left = client.api.containers(all=True, filters={"label": label})
        if not left:
            return
        if time.monotonic() > deadline:
            raise EngineError(
                "the stack's containers are still there after its services were removed",
                hint="check `docker ps -a --filter label=" + label + "` and try again",
            )
        for container in left:
            if container.get("State") != "running":
                try:
                    client.api.remove_container(container["Id"])
                except APIError as exc:  # gone, or Swarm is removing it right now
                    if exc.status_code not in (404, 409):
                        raise
        time.sleep(0.5)


def _retry_in_use(remove: Any, timeout: float) -> None:
    """Networks and volumes stay busy for a moment after their last container goes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            remove()
            return
        except NotFound:
            return
        except APIError as exc:
            if time.monotonic() > deadline or exc.status_code not in (409, 500):
                raise
            time.sleep(0.5)
