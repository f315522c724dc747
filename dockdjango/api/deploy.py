"""Deploying a compose project beyond one machine: Docker Swarm, and Kubernetes manifests.

```python
from dockdjango.api.deploy import deploy_swarm, undeploy_swarm, kube_manifests

result = deploy_swarm("compose.yaml")          # builds, deploys, waits until converged
print(result.warning())                        # every setting Swarm could not take
undeploy_swarm(result.stack)                   # named volumes kept unless volumes=True
print(kube_manifests("compose.yaml").yaml())   # Deployments, Services, ... (no daemon)
```

A deployed stack carries ``docker stack``'s labels, so ``docker stack ps/services/rm``
manage it too.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockdjango.cluster.notes import Notes

if TYPE_CHECKING:
    import docker

    from dockdjango.cluster.kube import KubeManifests
    from dockdjango.cluster.swarm import SwarmPlan
    from dockdjango.compose import Project
    from dockdjango.engine.progress import OnProgress
    from dockdjango.engine.swarm.swarm_apply import Removed, SwarmNode
    from dockdjango.engine.swarm.swarm_watch import Convergence


@dataclass
class ServiceDeploy:
    """What deploying did to one service."""

    service: str  # compose name
    name: str  # swarm service name, ``<stack>_<service>``
    action: str  # "created", "updated" or "unchanged"
    image: str  # the image reference the service was asked to run
    image_id: str  # what Swarm runs: the local image id, or the reference when not local
    convergence: Convergence | None = None


@dataclass
class DeployResult:
    """A finished ``deploy_swarm``: per service what happened, and what was not carried over."""

    stack: str
    services: list[ServiceDeploy] = field(default_factory=list)
    notes: Notes = field(default_factory=lambda: Notes("Swarm"))
    seconds: float = 0.0
    #: ``web 127.0.0.1:8080`` for each published port that accepted a connection
    answering: list[str] = field(default_factory=list)

    def warning(self) -> str:
        """Every setting that has no Swarm meaning, in one warning ("" when none)."""
        return self.notes.warning()

    @property
    def changed(self) -> bool:
        """True when some service was created or updated."""
        return any(s.action != "unchanged" for s in self.services)


def load(
    project: Any = None,
    *,
    project_name: str | None = None,
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Project:
    """A `Project` as given, or loaded from compose file(s) the way Compose finds them."""
    from dockdjango.compose import Project, load_project

    if isinstance(project, Project):
        return project
    files = [project] if isinstance(project, str | Path) else project
    return load_project(
        [str(f) for f in files] if files else None,
        project_name=project_name,
        profiles=tuple(profiles),
        environ=environ,
    )


def swarm_plan(project: Any = None, *, routing_mesh: bool = True, **load_options: Any) -> SwarmPlan:
    """The Swarm plan for a project (no engine needed): specs, networks, notes."""
    from dockdjango.cluster.swarm import swarm_plan as plan

    return plan(load(project, **load_options), routing_mesh=routing_mesh)


def deploy_swarm(
    project: Any = None,
    *,
    project_name: str | None = None,
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    build: bool = True,
    wait: bool = True,
    timeout: float = 300.0,
    routing_mesh: bool = True,
    client: docker.DockerClient | None = None,
    on_progress: OnProgress | None = None,
) -> DeployResult:
    """Deploy ``project`` to the swarm the engine manages, as stack ``project.name``.

    Images with ``build:`` are built first (dockdjango's builder); every image present on
    this engine is given to Swarm by id, so no node looks it up in a registry. Services
    are created in ``depends_on`` order, each waiting for what it depends on (started,
    healthy, or completed); with ``wait`` the call returns once every service has
    converged — its tasks running and healthy, or its job complete — and raises
    `ServiceError` when one fails or ``timeout`` seconds pass, or when a published port
    accepts no connection (``result.answering`` lists those that do).

    ``routing_mesh`` is turned off, and a note says so, where the engine runs on this
    machine's kernel and it has no IPVS (the mesh could not publish anything there).
    """
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.progress import ignore
    from dockdjango.engine.swarm import swarm_apply as engine

    report = on_progress or ignore
    started = time.monotonic()
    loaded = load(project, project_name=project_name, profiles=profiles, environ=environ)
    client = client or _connect()
    with engine_errors():
        node = engine.require_manager(client)
        plan = _plan_here(client, loaded, routing_mesh)
    result = DeployResult(plan.stack, notes=plan.notes)
    with engine_errors():
        images = _images(client, loaded, plan, build=build, node_count=node.nodes, notes=plan.notes)
        ids = engine.apply_objects(client, plan)
        engine.apply_networks(client, plan, report)
        deadline = started + timeout
        applied = _apply_services(client, plan, node, images, ids, result, deadline, report)
        if wait:
            _wait_converged(client, plan, result, applied, deadline, report)
            result.answering = check_published(client, plan)
    result.seconds = round(time.monotonic() - started, 2)
    return result


#: Why a deploy publishes in host mode when the routing mesh was asked for.
NO_MESH = (
    "this engine's kernel has no IPVS, so Swarm's routing mesh cannot publish: every port "
    "is published in host mode on its task's node and services find each other by DNS "
    "round-robin (what --no-routing-mesh does)"
)


def _apply_services(
    client: docker.DockerClient,
    plan: SwarmPlan,
    node: SwarmNode,
    images: dict[str, str],
    ids: dict[str, dict[str, str]],
    result: DeployResult,
    deadline: float,
    report: OnProgress,
) -> dict[str, tuple[str, float]]:
    """Create or update the services wave by wave, each once what it depends on is ready;
    service -> (its swarm id, when it was applied). Each lands in ``result.services``."""
    from dockdjango.engine.progress import Event
    from dockdjango.engine.swarm import swarm_apply as engine

    applied: dict[str, tuple[str, float]] = {}
    for wave in plan.waves:
        for key in wave:
            _wait_for_dependencies(client, plan, key, applied, deadline, report)
            service = plan.services[key]
            spec = engine.service_spec(service, images[key], ids)
            if node.nodes > 1 and images[key].startswith("sha256:"):
                _pin_to_this_node(spec, node.node_id)
            when = time.monotonic()
            service_id, action = engine.apply_service(client, spec)
            applied[key] = (service_id, when)
            report(Event("service", key, action, service.name))
            result.services.append(
                ServiceDeploy(key, service.name, action, service.image, images[key])
            )
    return applied


def _wait_for_dependencies(
    client: docker.DockerClient,
    plan: SwarmPlan,
    key: str,
    applied: dict[str, tuple[str, float]],
    deadline: float,
    report: OnProgress,
) -> None:
    """Wait until every service ``key`` depends on meets its ``depends_on`` condition."""
    from dockdjango.engine.swarm.swarm_watch import wait_service

    for need in plan.waits_for(key):
        svc = plan.services[need.dependency]
        wait_service(
            client,
            applied[need.dependency][0],
            need.dependency,
            condition=need.condition,
            healthcheck=svc.healthcheck,
            deadline=deadline,
            on_progress=report,
        )


def _wait_converged(
    client: docker.DockerClient,
    plan: SwarmPlan,
    result: DeployResult,
    applied: dict[str, tuple[str, float]],
    deadline: float,
    report: OnProgress,
) -> None:
    """Wait until every deployed service converged (tasks running and healthy, or its job
    complete), keeping each one's convergence in ``result``."""
    from dockdjango.engine.swarm.swarm_watch import wait_service

    for deployed in result.services:
        svc = plan.services[deployed.service]
        condition = "service_completed_successfully" if svc.job else "service_healthy"
        service_id, since = applied[deployed.service]
        deployed.convergence = wait_service(
            client,
            service_id,
            deployed.service,
            condition=condition,
            healthcheck=svc.healthcheck,
            deadline=deadline,
            on_progress=report,
            since=since,
        )


def _plan_here(client: docker.DockerClient, project: Project, routing_mesh: bool) -> SwarmPlan:
    """The plan for this engine: no IPVS, no routing mesh -- what --no-routing-mesh does,
    said in a note, rather than ports that never answer."""
    from dockdjango.engine.swarm.swarm_mesh import mesh_support

    if routing_mesh and mesh_support(client) is False:
        plan = swarm_plan(project, routing_mesh=False)
        plan.notes.add("ports", NO_MESH)
        return plan
    return swarm_plan(project, routing_mesh=routing_mesh)


def check_published(
    client: docker.DockerClient, plan: SwarmPlan, *, within: float = 10.0
) -> list[str]:
    """``host:port`` of every published TCP port, once each accepts a connection (each is
    given ``within`` seconds); a `ServiceError` naming the first that does not
    ("deployed" is no claim until then). Nothing is asked where this machine cannot reach
    the engine's ports (ssh)."""
    from dockdjango.engine.swarm.swarm_mesh import accepts, published_host
    from dockdjango.errors import ServiceError

    host = published_host(client)
    if host is None:
        return []
    out = []
    for key, service in sorted(plan.services.items()):
        ports = (service.spec.get("EndpointSpec") or {}).get("Ports") or []
        for port in ports:
            if port.get("Protocol", "tcp") != "tcp" or not port.get("PublishedPort"):
                continue
            where = f"{host}:{port['PublishedPort']}"
            if not accepts(host, int(port["PublishedPort"]), within=within):
                hint = (
                    "this engine's routing mesh may not work (no IPVS?): `dockdjango deploy "
                    "--swarm --no-routing-mesh` publishes in host mode"
                    if port.get("PublishMode") != "host"
                    else f"see why: docker service ps {service.name} --no-trunc"
                )
                raise ServiceError(
                    key,
                    f"stack {plan.stack} is deployed, but nothing accepts connections on "
                    f"{where} (services.{key}.ports, target {port['TargetPort']})",
                    hint=hint,
                )
            out.append(f"{key} {where}")
    return out


def undeploy_swarm(
    stack: str,
    *,
    volumes: bool = False,
    timeout: float = 60.0,
    client: docker.DockerClient | None = None,
    on_progress: OnProgress | None = None,
) -> Removed:
    """Remove stack ``stack`` (services, networks, configs, secrets; named volumes only with
    ``volumes``), found by its ``com.docker.stack.namespace`` label as ``docker stack rm``
    finds it."""
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.progress import ignore
    from dockdjango.engine.swarm import swarm_apply as engine

    client = client or _connect()
    with engine_errors():
        engine.require_manager(client)
        return engine.remove_stack(
            client, stack, volumes=volumes, timeout=timeout, on_progress=on_progress or ignore
        )


def kube_manifests(
    project: Any = None,
    *,
    namespace: str | None = None,
    wait_image: str | None = None,
    **load_options: Any,
) -> KubeManifests:
    """Kubernetes manifests for a project (pure: no engine, no cluster)."""
    from dockdjango.cluster.kube import DEFAULT_WAIT_IMAGE
    from dockdjango.cluster.kube import kube_manifests as convert

    return convert(
        load(project, **load_options),
        namespace=namespace,
        wait_image=wait_image or DEFAULT_WAIT_IMAGE,
    )


def validate_kube(manifests: KubeManifests, version: str | None = None) -> str:
    """Check the manifests strictly against Kubernetes' schemas; the version checked
    against (``kube --validate``)."""
    from dockdjango.cluster.kube_validate import validate

    return validate(manifests.objects, version)


def _connect() -> docker.DockerClient:
    from dockdjango.engine.client import connect

    return connect()


def _images(
    client: docker.DockerClient,
    project: Project,
    plan: SwarmPlan,
    *,
    build: bool,
    node_count: int,
    notes: Notes,
) -> dict[str, str]:
    """Service -> what Swarm runs: a built or local image by id, else the reference."""
    from dockdjango.api.stack.stack_build import build_service
    from dockdjango.engine.image_store import inspect_image

    out: dict[str, str] = {}
    for key, service in sorted(plan.services.items()):
        present = inspect_image(client, service.image)
        if service.build is not None and (build or present is None):
            out[key] = build_service(
                client,
                project.working_dir,
                key,
                service.build,
                service.image,
                functools.partial(notes.add, f"services.{key}.build"),
            )
        elif present is not None:
            out[key] = str(present["Id"])
        else:
            out[key] = service.image
            notes.add(
                f"services.{key}.image",
                f"{service.image} is not on this engine: each node pulls it from its registry",
            )
    if node_count > 1 and any(v.startswith("sha256:") for v in out.values()):
        notes.add(
            "services",
            "images built or kept on this engine exist only on this node: "
            "their services are placed here (push them to a registry to spread them)",
        )
    return out


def _pin_to_this_node(spec: dict[str, Any], node_id: str) -> None:
    """Place the service on this node, where its image is (no registry holds it)."""
    placement = spec["TaskTemplate"].setdefault("Placement", {})
    placement.setdefault("Constraints", []).append(f"node.id=={node_id}")
