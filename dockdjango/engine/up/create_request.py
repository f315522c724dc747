"""From one typed `Service` to the engine's container-create request, section by section.

Pure: returns plain dicts for ``APIClient.create_container`` so the translation is tested
without a daemon. Each section of the service (process, ports, mounts, health, limits,
networks) has its own small function; settings the engine can express map one to one (see
the Compose Specification), and the few we do not translate yet are returned as warnings
that name the file and line, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockdjango.compose.engine_api import (
    extra_hosts,
    health_config,
    health_left_out,
    nano_cpus,
    ulimits,
)
from dockdjango.compose.models import Service, ServiceNetwork
from dockdjango.compose.naming import DEFAULT_NETWORK, container_name
from dockdjango.compose.project import Project
from dockdjango.errors import ServiceError

#: Compose's (and Docker's) stop grace period when a service sets none, in seconds.
DEFAULT_STOP_SECONDS = 10
# Keys of ``Service.other`` that do not reach the engine on purpose (handled elsewhere or
# not per-container).
_HANDLED_ELSEWHERE = {"scale", "deploy", "develop", "label_file", "post_start", "pre_stop"}
# Keys of ``Service.other`` translated below.
_TRANSLATED = {
    "domainname",
    "cap_add",
    "cap_drop",
    "shm_size",
    "tmpfs",
    "mem_limit",
    "cpus",
    "ulimits",
    "sysctls",
    "dns",
    "dns_search",
    "dns_opt",
    "security_opt",
    "group_add",
    "logging",
    "ipc",
    "pid",
    "mac_address",
    "runtime",
}


@dataclass
class CreateRequest:
    """Everything needed to create one container and attach it to its networks."""

    name: str
    create: dict[str, Any]
    host_config: dict[str, Any]
    #: engine network name -> endpoint settings (aliases, addresses); the first is primary
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def create_request(
    project: Project, service: str, number: int, *, image: str, labels: Mapping[str, str]
) -> CreateRequest:
    """The create request for container ``number`` of ``service`` in ``project``."""
    svc = project.services[service]
    check_supported(project, service)
    name = svc.container_name or container_name(project.name, service, number)
    exposed, bindings = _ports(svc)
    binds, anonymous, tmpfs, mount_warnings = _mounts(project, service)
    create = {
        "image": image,
        "name": name,
        "labels": dict(labels),
        **_process(svc),
        # the SDK wants (port, protocol) pairs; it writes "8000/tcp" itself
        "ports": [(int(k.split("/")[0]), k.split("/")[1]) for k in exposed] or None,
        "volumes": anonymous or None,
        "healthcheck": health_config(svc.healthcheck),
    }
    host = {
        "binds": binds or None,
        "port_bindings": bindings or None,
        "tmpfs": tmpfs or None,
        **_host_settings(svc),
        **_limits(svc.other),
    }
    networks = _networks(project, service, name)
    # network_mode "" is the engine's default network (bridge), as Compose passes it on
    host["network_mode"] = next(iter(networks)) if networks else _network_mode(project, svc)
    return CreateRequest(
        name=name,
        create={k: v for k, v in create.items() if v is not None},
        host_config={k: v for k, v in host.items() if v is not None},
        networks=networks,
        warnings=_unsupported(project, service) + mount_warnings,
    )


def check_supported(project: Project, service: str) -> None:
    """Raise for settings we cannot honour at all (rather than fail halfway through ``up``)."""
    svc = project.services[service]
    network_mode = svc.network_mode or ""
    owner = network_mode.partition(":")[2] if network_mode.startswith("service:") else ""
    where = project.where(f"services.{service}.network_mode")
    if owner and owner not in project.services:
        raise ServiceError(
            service,
            f"{where}: {network_mode} names no service of this project",
            hint=f"name one of: {', '.join(sorted(project.services))}",
        )
    if owner and svc.ports:
        # the engine refuses to publish ports on a container that has no network of its own
        raise ServiceError(
            service,
            f"{where}: {network_mode} shares {owner}'s network, so its ports cannot be "
            "published here",
            hint=f"move its ports: to services.{owner}",
        )


def _network_mode(project: Project, svc: Service) -> str | None:
    """``service:db`` is the engine's ``container:<db's first container>``, as Compose
    passes it (the owner is created first: network_mode implies depends_on)."""
    mode = svc.network_mode
    if mode is None or not mode.startswith("service:"):
        return mode
    owner = mode.partition(":")[2]
    named = project.services[owner].container_name
    return "container:" + (named or container_name(project.name, owner, 1))


def _unsupported(project: Project, service: str) -> list[str]:
    """One warning per setting that dockdjango does not translate yet."""
    svc = project.services[service]
    keys = [key for key in sorted(svc.other) if key not in _TRANSLATED | _HANDLED_ELSEWHERE]
    keys += [f"healthcheck.{key}" for key in health_left_out(svc.healthcheck)]
    return [
        f"{project.where(f'services.{service}.{key}')} is not supported by dockdjango yet "
        "and was ignored"
        for key in keys
    ]


def _process(svc: Service) -> dict[str, Any]:
    """What runs and as whom: command, environment, user, directory, terminal, stop."""
    env = [
        key if value is None else f"{key}={value}" for key, value in sorted(svc.environment.items())
    ]
    other = svc.other
    create: dict[str, Any] = {
        "environment": env or None,
        "command": svc.command,
        "entrypoint": svc.entrypoint,
        "user": svc.user or None,
        "working_dir": svc.working_dir or None,
        "hostname": svc.hostname or None,
        "domainname": other.get("domainname") or None,
        "tty": bool(svc.tty),
        "stdin_open": bool(svc.stdin_open),
        "stop_signal": svc.stop_signal or None,
        "mac_address": other.get("mac_address") or None,
        "platform": svc.platform or None,
    }
    grace = svc.stop_grace_period_seconds
    # Always sent: Podman stores no timeout as 0 and then kills at once on stop (Docker
    # would wait 10 s), which leaves PostgreSQL to recover on its next start.
    create["stop_timeout"] = int(grace) if grace is not None else DEFAULT_STOP_SECONDS
    return create


def _ports(svc: Service) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, str]]]]:
    """Exposed ports (``"8000/tcp"``) and where the published ones bind on the host."""
    exposed: dict[str, dict[str, Any]] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for port in svc.ports:
        key = f"{port.target}/{port.protocol or 'tcp'}"
        exposed[key] = {}
        bindings.setdefault(key, []).append(
            {"HostIp": port.host_ip or "", "HostPort": port.published or ""}
        )
    for item in svc.expose:
        text, _, proto = str(item).partition("/")
        lo, _, hi = text.partition("-")
        for p in range(int(lo), int(hi or lo) + 1):
            exposed.setdefault(f"{p}/{proto or 'tcp'}", {})
    return exposed, bindings


def _mounts(
    project: Project, service: str
) -> tuple[list[str], list[str], dict[str, str], list[str]]:
    """(binds, anonymous volume targets, tmpfs mounts, warnings) of the service's mounts."""
    svc = project.services[service]
    binds: list[str] = []
    anonymous: list[str] = []
    tmpfs: dict[str, str] = {}
    warnings: list[str] = []
    for i, vol in enumerate(svc.volumes):
        mode = "ro" if vol.read_only else "rw"
        if vol.type == "volume" and vol.source:
            opts = mode + (",nocopy" if vol.volume and vol.volume.nocopy else "")
            known = project.volumes.get(vol.source)
            engine_name = known.name if known and known.name else vol.source
            binds.append(f"{engine_name}:{vol.target}:{opts}")
        elif vol.type == "volume":
            anonymous.append(vol.target)
        elif vol.type == "bind":
            binds.append(f"{vol.source}:{vol.target}:{mode}")
        elif vol.type == "tmpfs":
            size = vol.tmpfs.size if vol.tmpfs else None
            tmpfs[vol.target] = f"size={size}" if size else ""
        else:
            where = project.where(f"services.{service}.volumes[{i}]")
            warnings.append(f"{where}: type {vol.type!r} is not supported yet")
    for entry in svc.other.get("tmpfs") or []:
        path, _, opts = str(entry).partition(":")
        tmpfs[path] = opts
    return binds, anonymous, tmpfs, warnings


def _host_settings(svc: Service) -> dict[str, Any]:
    """Privileges, restart policy, host entries, namespaces, DNS and logging."""
    other = svc.other
    return {
        "init": svc.init,
        "privileged": bool(svc.privileged),
        "read_only": bool(svc.read_only),
        "cap_add": other.get("cap_add") or None,
        "cap_drop": other.get("cap_drop") or None,
        "extra_hosts": [f"{host}:{ip}" for host, ip in extra_hosts(svc.extra_hosts)] or None,
        "restart_policy": _restart(svc.restart),
        "dns": other.get("dns") or None,
        "dns_search": other.get("dns_search") or None,
        "dns_opt": other.get("dns_opt") or None,
        "security_opt": other.get("security_opt") or None,
        "group_add": other.get("group_add") or None,
        "ipc_mode": other.get("ipc") or None,
        "pid_mode": other.get("pid") or None,
        "runtime": other.get("runtime") or None,
        "log_config": _logging(other.get("logging")),
    }


def _limits(other: Mapping[str, Any]) -> dict[str, Any]:
    """Memory, CPU, shared memory, ulimits and sysctls."""
    return {
        "shm_size": int(other["shm_size"]) if other.get("shm_size") else None,
        "mem_limit": int(other["mem_limit"]) if other.get("mem_limit") else None,
        "nano_cpus": nano_cpus(other.get("cpus")),
        "sysctls": {k: str(v) for k, v in (other.get("sysctls") or {}).items()} or None,
        "ulimits": ulimits(other.get("ulimits")),
    }


def _networks(project: Project, service: str, name: str) -> dict[str, dict[str, Any]]:
    """Engine network name -> endpoint settings, the primary network first ({} with
    ``network_mode``)."""
    svc = project.services[service]
    if svc.network_mode is not None:
        return {}
    wanted = svc.networks or {DEFAULT_NETWORK: None}
    out: dict[str, dict[str, Any]] = {}
    # by priority (highest first), then name: Compose's primary-network rule
    for key in sorted(wanted, key=lambda k: (-_priority(wanted[k]), k)):
        settings = wanted[key]
        aliases = [name, service, *(settings.aliases if settings else [])]
        endpoint: dict[str, Any] = {"aliases": list(dict.fromkeys(aliases))}
        if settings and settings.ipv4_address:
            endpoint["ipv4_address"] = settings.ipv4_address
        if settings and settings.ipv6_address:
            endpoint["ipv6_address"] = settings.ipv6_address
        known = project.networks.get(key)
        out[known.name if known and known.name else key] = endpoint
    return out


def _priority(settings: ServiceNetwork | None) -> int:
    return (settings.priority if settings else None) or 0


def _restart(policy: str | None) -> dict[str, Any] | None:
    if not policy or policy == "no":
        return None
    name, _, count = policy.partition(":")
    return {"Name": name, "MaximumRetryCount": int(count or 0)}


def _logging(logging: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not logging or not logging.get("driver"):
        return None
    return {"Type": logging["driver"], "Config": dict(logging.get("options") or {})}
