"""A compose project as a Swarm stack: service specs, networks, configs and secrets.

The plan is plain Engine API JSON (what ``POST /services/create`` takes), labelled as
``docker stack deploy`` labels it (``com.docker.stack.namespace`` on services, containers,
networks, volumes, configs and secrets; ``com.docker.stack.image`` on services), so
``docker stack ps/services/rm`` see and manage what dockdjango deploys. Names follow the
stack convention ``<stack>_<key>``.

Two things are left to the engine layer: the image each service runs (built or looked
up first, then given by id so no node asks a registry) and the ids of configs and
secrets, which exist only once created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dockdjango.cluster import swarm_parts as parts
from dockdjango.cluster.keys import SWARM, note_unconverted
from dockdjango.cluster.notes import Notes
from dockdjango.cluster.ordering import Wait, completed_dependencies, start_waves, waits
from dockdjango.cluster.settings import deploy_of, replicas
from dockdjango.cluster.swarm_objects import SwarmObject, swarm_networks, swarm_objects
from dockdjango.cluster.swarm_parts import IMAGE_LABEL, NAMESPACE_LABEL
from dockdjango.compose import BuildConfig, Project, Service
from dockdjango.compose.engine_api import extra_hosts, nanoseconds, ulimits
from dockdjango.errors import SpecError


@dataclass
class SwarmService:
    """One service of the stack: its spec, and the image it needs."""

    key: str  # the compose service name
    name: str  # ``<stack>_<key>``
    image: str  # the image as written, or the tag a build produces
    build: BuildConfig | None
    spec: dict[str, Any]  # ``ContainerSpec.Image`` is ``image`` until the engine resolves it
    job: bool = False  # runs to completion (``replicated-job``/``global-job``)
    healthcheck: bool = False


@dataclass
class SwarmPlan:
    """Everything ``deploy --swarm`` creates or updates, in the order it must."""

    stack: str
    services: dict[str, SwarmService]
    networks: dict[str, dict[str, Any]]  # engine name -> create options (ours to make)
    external_networks: list[str]
    volumes: list[str]  # named volumes the stack owns (kept by undeploy unless asked)
    objects: list[SwarmObject]
    waves: list[list[str]]
    waits: list[Wait]
    notes: Notes = field(default_factory=lambda: Notes("Swarm"))

    def waits_for(self, service: str) -> list[Wait]:
        """What ``service`` must wait for before it is created."""
        return [w for w in self.waits if w.service == service]


def swarm_plan(project: Project, *, routing_mesh: bool = True) -> SwarmPlan:
    """The Swarm plan for ``project`` (stack name: the project name).

    ``routing_mesh=False`` is for engines whose kernel has no IPVS (some VMs, WSL): every
    port is published in ``host`` mode and services are found by DNS round-robin
    (``endpoint_mode: dnsrr``) instead of a virtual IP. Each change is noted.
    """
    stack = project.name
    notes = Notes("Swarm")
    note_unconverted(project.services, SWARM, notes)
    jobs = completed_dependencies(project)
    objects, names = swarm_objects(project, stack, notes)
    used_networks: set[str] = set()
    services: dict[str, SwarmService] = {}
    for key, service in sorted(project.services.items()):
        used_networks |= set(service.networks)
        services[key] = _service(
            project, stack, key, service, names, key in jobs, routing_mesh, notes
        )
    networks, external = swarm_networks(project, stack, used_networks, notes)
    volumes = sorted(
        (v.name or f"{stack}_{k}") for k, v in project.volumes.items() if not v.external
    )
    return SwarmPlan(
        stack=stack,
        services=services,
        networks=networks,
        external_networks=external,
        volumes=volumes,
        objects=objects,
        waves=start_waves(project),
        waits=waits(project),
        notes=notes,
    )


def _service(
    project: Project,
    stack: str,
    key: str,
    service: Service,
    names: dict[str, dict[str, str]],
    job: bool,
    routing_mesh: bool,
    notes: Notes,
) -> SwarmService:
    """One compose service as a Swarm service spec, what cannot be carried noted."""
    path = f"services.{key}"
    deploy = deploy_of(service)
    image = service.image or f"{stack}-{key}"
    if service.image is None and service.build is None:
        raise SpecError("has neither image nor build", path=path, hint="add image: or build:")
    container = _container_spec(project, stack, path, service, image, names, notes)
    task = _task_template(project, stack, key, service, container, notes)
    job = job or str(deploy.get("mode", "")).endswith("-job")
    if job and not deploy.get("mode"):
        notes.add(
            f"{path}.deploy.mode",
            "deployed as replicated-job: another service waits for it to complete",
        )
    spec: dict[str, Any] = {
        "Name": f"{stack}_{key}",
        "Labels": {
            **parts.key_values(deploy.get("labels") or {}),
            NAMESPACE_LABEL: stack,
            IMAGE_LABEL: image,
        },
        "TaskTemplate": task,
        "Mode": parts.service_mode(deploy, replicas(service), job),
        "EndpointSpec": _endpoint(service, deploy, path, routing_mesh, notes),
    }
    for name, config in (("UpdateConfig", "update_config"), ("RollbackConfig", "rollback_config")):
        converted = parts.update_config(deploy.get(config))
        if converted and not job:
            spec[name] = converted
    _note_dependencies(service, path, notes)
    return SwarmService(
        key=key,
        name=spec["Name"],
        image=image,
        build=service.build,
        spec=spec,
        job=job,
        healthcheck=service.has_healthcheck,
    )


def _container_spec(
    project: Project,
    stack: str,
    path: str,
    service: Service,
    image: str,
    names: dict[str, dict[str, str]],
    notes: Notes,
) -> dict[str, Any]:
    """``TaskTemplate.ContainerSpec``: the process, its settings, mounts, secrets, configs."""
    other = service.other
    container: dict[str, Any] = {
        "Image": image,
        "Labels": {**service.labels, NAMESPACE_LABEL: stack},
        "Env": _environment(service, path, notes),
    }
    optional: dict[str, Any] = {
        "Command": service.entrypoint,
        "Args": service.command,
        "Hostname": service.hostname,
        "Dir": service.working_dir,
        "User": service.user,
        "StopSignal": service.stop_signal,
        "StopGracePeriod": nanoseconds(service.stop_grace_period),
        "TTY": service.tty,
        "OpenStdin": service.stdin_open,
        "ReadOnly": service.read_only,
        "Init": service.init,
        "Healthcheck": parts.healthcheck(service.healthcheck, f"{path}.healthcheck", notes),
        "Hosts": [f"{ip} {host}" for host, ip in extra_hosts(service.extra_hosts)],
        "CapabilityAdd": other.get("cap_add"),
        "CapabilityDrop": other.get("cap_drop"),
        "Groups": [str(g) for g in other.get("group_add") or []],
        "Sysctls": {k: str(v) for k, v in parts.key_values(other.get("sysctls") or {}).items()},
        "Ulimits": ulimits(other.get("ulimits")),
        "Isolation": other.get("isolation"),
    }
    container.update({k: v for k, v in optional.items() if v not in (None, [], {})})
    dns = {
        "Nameservers": list(other.get("dns") or []),
        "Search": list(other.get("dns_search") or []),
        "Options": list(other.get("dns_opt") or []),
    }
    if any(dns.values()):
        container["DNSConfig"] = {k: v for k, v in dns.items() if v}
    container.update(_mounts_and_files(project, stack, path, service, names, notes))
    return container


def _mounts_and_files(
    project: Project,
    stack: str,
    path: str,
    service: Service,
    names: dict[str, dict[str, str]],
    notes: Notes,
) -> dict[str, Any]:
    """``Mounts``, ``Secrets`` and ``Configs`` of a container spec (those there are)."""
    out: dict[str, Any] = {}
    mounts = [
        parts.mount(v, project, stack, f"{path}.volumes[{i}]", notes)
        for i, v in enumerate(service.volumes)
    ]
    mounts += [{"Type": "tmpfs", "Target": t} for t in service.other.get("tmpfs") or []]
    if any(mounts):
        out["Mounts"] = [m for m in mounts if m]
    for kind in ("secret", "config"):
        refs = [
            parts.file_reference(e, names[kind], kind, f"{path}.{kind}s")
            for e in service.other.get(f"{kind}s") or []
        ]
        if refs:
            out[f"{kind.capitalize()}s"] = sorted(
                refs, key=lambda r: (r[f"{kind.capitalize()}Name"], r["File"]["Name"])
            )
    return out


def _task_template(
    project: Project,
    stack: str,
    key: str,
    service: Service,
    container: dict[str, Any],
    notes: Notes,
) -> dict[str, Any]:
    """``TaskTemplate``: the container, its networks, restart policy, resources,
    placement and log driver."""
    path = f"services.{key}"
    deploy = deploy_of(service)
    task: dict[str, Any] = {
        "ContainerSpec": container,
        "Networks": _attachments(project, stack, key, service, notes),
    }
    policy = parts.restart_policy(deploy.get("restart_policy"), service.restart, path)
    if policy:
        task["RestartPolicy"] = policy
    limits = parts.resources(service, path, notes)
    if limits:
        task["Resources"] = limits
    where = parts.placement(deploy, service.platform)
    if where:
        task["Placement"] = where
    logging = service.other.get("logging")
    if logging:
        task["LogDriver"] = {
            "Name": logging.get("driver") or "json-file",
            "Options": dict(logging.get("options") or {}),
        }
    return task


def _note_dependencies(service: Service, path: str, notes: Notes) -> None:
    """What ``depends_on`` means that Swarm does not do."""
    if service.depends_on:
        notes.add(
            f"{path}.depends_on",
            "kept when deploying; Swarm does not hold the service back when a dependency's "
            "task is replaced later",
        )
    for dep, entry in sorted(service.depends_on.items()):
        if entry.restart:
            notes.add(
                f"{path}.depends_on.{dep}.restart",
                "Swarm does not restart dependents when a dependency is updated",
            )


def _environment(service: Service, path: str, notes: Notes) -> list[str]:
    out = []
    for name, value in sorted(service.environment.items()):
        if value is None:
            notes.add(f"{path}.environment.{name}", "has no value here, left unset")
            continue
        out.append(f"{name}={value}")
    return out


def _endpoint(
    service: Service, deploy: dict[str, Any], path: str, routing_mesh: bool, notes: Notes
) -> dict[str, Any]:
    mode = deploy.get("endpoint_mode") or "vip"
    if not routing_mesh and mode != "dnsrr":
        mode = "dnsrr"
        if service.ports or deploy.get("endpoint_mode"):
            notes.add(f"{path}.deploy.endpoint_mode", "dnsrr (no routing mesh on this engine)")
    ports = []
    for i, port in enumerate(service.ports):
        at = f"{path}.ports[{i}]"
        if port.host_ip:
            notes.add(
                f"{at}.host_ip", f"Swarm publishes on every interface, not only {port.host_ip}"
            )
        publish = port.mode
        if not routing_mesh and publish != "host":
            publish = "host"
            notes.add(f"{at}.mode", "host (no routing mesh on this engine)")
        entry: dict[str, Any] = {
            "Protocol": port.protocol,
            "TargetPort": port.target,
            "PublishMode": publish,
        }
        if port.published:
            first, _, last = port.published.partition("-")
            if last and last != first:
                notes.add(f"{at}.published", f"a range; only {first} is published")
            entry["PublishedPort"] = int(first)
        ports.append(entry)
    out: dict[str, Any] = {"Mode": mode}
    if ports:
        out["Ports"] = sorted(ports, key=lambda p: (p["TargetPort"], p.get("PublishedPort", 0)))
    return out


def _attachments(
    project: Project, stack: str, key: str, service: Service, notes: Notes
) -> list[dict[str, Any]]:
    out = []
    for net_key, attachment in sorted(service.networks.items()):
        declared = project.networks.get(net_key)
        target = (declared.name if declared else None) or f"{stack}_{net_key}"
        entry: dict[str, Any] = {"Target": target, "Aliases": [key]}
        if attachment is not None:
            entry["Aliases"] = [*attachment.aliases, key]
            if attachment.driver_opts:
                entry["DriverOpts"] = dict(attachment.driver_opts)
            for name in (
                "ipv4_address",
                "ipv6_address",
                "mac_address",
                "priority",
                "gw_priority",
                "interface_name",
            ):
                if getattr(attachment, name) is not None:
                    notes.left_out(f"services.{key}.networks.{net_key}.{name}")
        out.append(entry)
    if service.network_mode:
        notes.left_out(f"services.{key}.network_mode", "services join the stack's networks")
    return out
