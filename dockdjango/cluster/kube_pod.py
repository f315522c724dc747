"""A compose service's container and pod settings in Kubernetes terms: probes from the
healthcheck, resources and strategy from ``deploy``, security and DNS settings."""

from __future__ import annotations

import math
from typing import Any

from dockdjango.cluster.notes import Notes
from dockdjango.cluster.settings import deploy_of, resource_settings
from dockdjango.compose import Healthcheck, Service
from dockdjango.compose.schema.deploy_keys import byte_count
from dockdjango.compose.schema.shapes import Loc

_MIB = 1024 * 1024


def exec_command(test: list[str]) -> list[str] | None:
    """A healthcheck test as an exec command (``CMD-SHELL`` runs through ``/bin/sh -c``)."""
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(test[1:])]
    if test[0] == "CMD":
        return list(test[1:])
    return ["/bin/sh", "-c", " ".join(test)]


def probes(check: Healthcheck | None, path: str, notes: Notes) -> dict[str, Any]:
    """``readinessProbe`` and ``livenessProbe`` (and ``startupProbe`` for ``start_period``).

    Docker runs the check every ``interval`` and calls the container unhealthy after
    ``retries`` failures, not counting failures during ``start_period``: readiness keeps
    traffic (and dependents) away until it passes, as ``service_healthy`` does; liveness
    replaces a container that turns unhealthy, as Swarm does.
    """
    if check is None or check.disabled or not check.test:
        return {}
    command = exec_command(check.test)
    if command is None:
        return {}
    period = max(1, math.ceil(check.interval_seconds or 30))
    probe: dict[str, Any] = {
        "exec": {"command": command},
        "periodSeconds": period,
        "timeoutSeconds": max(1, math.ceil(check.timeout_seconds or 30)),
        "failureThreshold": check.retries if check.retries is not None else 3,
    }
    out: dict[str, Any] = {"readinessProbe": probe, "livenessProbe": dict(probe)}
    if check.start_period_seconds:
        out["startupProbe"] = {
            **probe,
            "failureThreshold": math.ceil(check.start_period_seconds / period)
            + probe["failureThreshold"],
        }
    if check.start_interval is not None:
        notes.left_out(f"{path}.start_interval", "probes have one period")
    return out


def quantity_memory(value: Any, path: str) -> str:
    """Bytes as a Kubernetes quantity, in Mi when they divide evenly: ``256Mi``."""
    count = int(byte_count(value, Loc(path, None)))
    return f"{count // _MIB}Mi" if count % _MIB == 0 else str(count)


def quantity_cpu(value: Any) -> str:
    """CPUs as a Kubernetes quantity: ``0.5`` -> ``500m``, ``2`` -> ``2``."""
    milli = round(float(value) * 1000)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def resources(service: Service, path: str, notes: Notes) -> dict[str, Any]:
    """``resources`` (limits, requests) from ``deploy.resources`` and the legacy keys."""
    settings = resource_settings(service)
    out: dict[str, Any] = {}
    for kind, name in (("limits", "limits"), ("reservations", "requests")):
        values = settings[kind]
        part: dict[str, str] = {}
        if values.get("cpus") is not None:
            part["cpu"] = quantity_cpu(values["cpus"])
        if values.get("memory") is not None:
            part["memory"] = quantity_memory(values["memory"], f"{path}.{kind}.memory")
        for extra in ("pids", "devices", "generic_resources"):
            if values.get(extra):
                notes.left_out(f"{path}.deploy.resources.{kind}.{extra}")
        if part:
            out[name] = part
    return out


def node_selector(service: Service, path: str, notes: Notes) -> dict[str, str]:
    """``nodeSelector`` from placement constraints on node labels, hostname, os and arch."""
    deploy = deploy_of(service)
    placement = deploy.get("placement") or {}
    known = {
        "node.hostname": "kubernetes.io/hostname",
        "node.platform.os": "kubernetes.io/os",
        "node.platform.arch": "kubernetes.io/arch",
    }
    out: dict[str, str] = {}
    for i, constraint in enumerate(placement.get("constraints") or []):
        field, eq, value = str(constraint).partition("==")
        field, value = field.strip(), value.strip()
        if eq and field.startswith("node.labels."):
            out[field[len("node.labels.") :]] = value
        elif eq and field in known:
            out[known[field]] = value
        else:
            notes.left_out(
                f"{path}.deploy.placement.constraints[{i}]",
                "only `==` on node labels, hostname, os or arch converts",
            )
    for extra in ("preferences", "max_replicas_per_node"):
        if placement.get(extra):
            notes.left_out(f"{path}.deploy.placement.{extra}")
    if service.platform:
        os_name, _, arch = service.platform.partition("/")
        out.setdefault("kubernetes.io/os", os_name)
        if arch:
            out.setdefault("kubernetes.io/arch", arch.split("/")[0])
    return out


def strategy(service: Service, path: str, stateful: bool, notes: Notes) -> dict[str, Any]:
    """A Deployment's rolling ``strategy`` from ``deploy.update_config``."""
    deploy = deploy_of(service)
    update = deploy.get("update_config") or {}
    for key in ("delay", "monitor", "failure_action", "max_failure_ratio"):
        if update.get(key) is not None:
            notes.left_out(f"{path}.deploy.update_config.{key}")
    if deploy.get("rollback_config"):
        notes.left_out(f"{path}.deploy.rollback_config", "use `kubectl rollout undo`")
    if not update or stateful:
        if update and stateful:
            notes.left_out(f"{path}.deploy.update_config", "a StatefulSet replaces pods one by one")
        return {}
    step = int(update.get("parallelism") or 1)
    if update.get("order") == "start-first":
        rolling = {"maxSurge": step, "maxUnavailable": 0}
    else:
        rolling = {"maxSurge": 0, "maxUnavailable": step}
    return {"type": "RollingUpdate", "rollingUpdate": rolling}


def security(service: Service, path: str, notes: Notes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(container securityContext, pod securityContext)."""
    container: dict[str, Any] = {}
    pod: dict[str, Any] = {}
    if service.user:
        uid, _, gid = service.user.partition(":")
        if uid.isdigit() and (not gid or gid.isdigit()):
            container["runAsUser"] = int(uid)
            if gid:
                container["runAsGroup"] = int(gid)
        else:
            notes.left_out(f"{path}.user", "Kubernetes needs numeric user and group ids")
    if service.privileged:
        container["privileged"] = True
    if service.read_only:
        container["readOnlyRootFilesystem"] = True
    caps = {k: [str(c) for c in service.other.get(f"cap_{k}") or []] for k in ("add", "drop")}
    if any(caps.values()):
        container["capabilities"] = {k: v for k, v in caps.items() if v}
    groups = [str(g) for g in service.other.get("group_add") or []]
    if groups:
        if all(g.isdigit() for g in groups):
            pod["supplementalGroups"] = [int(g) for g in groups]
        else:
            notes.left_out(f"{path}.group_add", "Kubernetes needs numeric group ids")
    sysctls = service.other.get("sysctls") or {}
    if isinstance(sysctls, list):
        sysctls = dict(str(s).partition("=")[::2] for s in sysctls)
    if sysctls:
        pod["sysctls"] = [{"name": k, "value": str(v)} for k, v in sorted(sysctls.items())]
    return container, pod


def dns_config(service: Service) -> dict[str, Any]:
    """``dnsConfig`` from ``dns``, ``dns_search`` and ``dns_opt``."""
    other = service.other
    out: dict[str, Any] = {}
    if other.get("dns"):
        out["nameservers"] = list(other["dns"])
    if other.get("dns_search"):
        out["searches"] = list(other["dns_search"])
    if other.get("dns_opt"):
        out["options"] = [
            {"name": n, **({"value": v} if sep else {})}
            for n, sep, v in (str(o).partition(":") for o in other["dns_opt"])
        ]
    return out


def host_aliases(service: Service) -> list[dict[str, Any]]:
    """``hostAliases`` from ``extra_hosts`` (``host=ip``), one entry per address."""
    by_ip: dict[str, list[str]] = {}
    for entry in service.extra_hosts:
        host, _, ip = entry.partition("=")
        by_ip.setdefault(ip.strip("[]"), []).append(host)
    return [{"ip": ip, "hostnames": sorted(hosts)} for ip, hosts in sorted(by_ip.items())]
