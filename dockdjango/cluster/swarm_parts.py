"""Pieces of a Swarm service spec, each from one compose setting (Engine API JSON shapes).

Durations become nanoseconds and sizes bytes, as the Engine API wants them. Every
function is pure; whatever has no Swarm meaning is noted on the `Notes` passed in.
"""

from __future__ import annotations

from typing import Any

from dockdjango.cluster.notes import Notes
from dockdjango.cluster.settings import resource_settings
from dockdjango.compose import Healthcheck, Project, Service, ServiceVolume
from dockdjango.compose.engine_api import (
    health_config,
    health_left_out,
    nano_cpus,
    nanoseconds,
)
from dockdjango.compose.schema.deploy_keys import byte_count
from dockdjango.compose.schema.shapes import Loc

NAMESPACE_LABEL = "com.docker.stack.namespace"
IMAGE_LABEL = "com.docker.stack.image"


def size_bytes(value: Any, path: str) -> int:
    """``512m``, ``1g`` or a number of bytes, as an int."""
    return int(byte_count(value, Loc(path, None)))


def file_mode(value: Any, default: int = 0o444) -> int:
    """A secret/config file mode: an int, or an octal string (``"0400"``)."""
    if value is None:
        return default
    if isinstance(value, str):
        return int(value, 8)
    return int(value)


def healthcheck(check: Healthcheck | None, path: str, notes: Notes) -> dict[str, Any] | None:
    """``ContainerSpec.Healthcheck``; ``{"Test": ["NONE"]}`` when switched off."""
    for key in health_left_out(check):
        notes.add(f"{path}.{key}", "needs Engine API 1.44; left out")
    return health_config(check) if check is not None else None


def restart_policy(
    policy: dict[str, Any] | None, restart: str | None, path: str
) -> dict[str, Any] | None:
    """``TaskTemplate.RestartPolicy`` from ``deploy.restart_policy``, else from ``restart``
    (which ``docker stack deploy`` 20.10 ignores)."""
    if policy:
        out: dict[str, Any] = {"Condition": policy.get("condition") or "any"}
        if policy.get("delay") is not None:
            out["Delay"] = nanoseconds(policy["delay"])
        if policy.get("max_attempts") is not None:
            out["MaxAttempts"] = int(policy["max_attempts"])
        if policy.get("window") is not None:
            out["Window"] = nanoseconds(policy["window"])
        return out
    if not restart:
        return None
    name, _, count = restart.partition(":")
    condition = {"no": "none", "always": "any", "unless-stopped": "any"}.get(name, name)
    out = {"Condition": condition}
    if count.strip().isdigit() and int(count) > 0:
        out["MaxAttempts"] = int(count)
    return out


def update_config(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """``UpdateConfig``/``RollbackConfig`` from ``deploy.update_config``/``rollback_config``."""
    if not config:
        return None
    out: dict[str, Any] = {"Parallelism": int(config.get("parallelism", 1))}
    for key, name in (("delay", "Delay"), ("monitor", "Monitor")):
        if config.get(key) is not None:
            out[name] = nanoseconds(config[key])
    if config.get("failure_action"):
        out["FailureAction"] = config["failure_action"]
    if config.get("max_failure_ratio") is not None:
        out["MaxFailureRatio"] = float(config["max_failure_ratio"])
    if config.get("order"):
        out["Order"] = config["order"]
    return out


def service_mode(deploy: dict[str, Any], replicas: int | None, job: bool) -> dict[str, Any]:
    """``Mode``: replicated (the default), global, or a job that runs to completion."""
    mode = deploy.get("mode") or ("replicated-job" if job else "replicated")
    if mode == "global":
        return {"Global": {}}
    if mode == "global-job":
        return {"GlobalJob": {}}
    count = 1 if replicas is None else replicas
    if mode == "replicated-job":
        return {"ReplicatedJob": {"MaxConcurrent": count, "TotalCompletions": count}}
    return {"Replicated": {"Replicas": count}}


def resources(service: Service, path: str, notes: Notes) -> dict[str, Any] | None:
    """``TaskTemplate.Resources`` from ``deploy.resources`` and the legacy service keys."""
    settings = resource_settings(service)
    out: dict[str, Any] = {}
    for kind, name in (("limits", "Limits"), ("reservations", "Reservations")):
        values = settings[kind]
        part: dict[str, Any] = {}
        if values.get("cpus") is not None:
            part["NanoCPUs"] = nano_cpus(values["cpus"])
        if values.get("memory") is not None:
            part["MemoryBytes"] = size_bytes(values["memory"], f"{path}.{kind}.memory")
        if kind == "limits" and values.get("pids") is not None:
            part["Pids"] = int(values["pids"])
        if values.get("devices"):
            notes.left_out(f"{path}.deploy.resources.{kind}.devices", "Swarm cannot map devices")
        if kind == "reservations" and values.get("generic_resources"):
            part["GenericResources"] = [
                {
                    "DiscreteResourceSpec": {
                        "Kind": r["discrete_resource_spec"]["kind"],
                        "Value": int(r["discrete_resource_spec"]["value"]),
                    }
                }
                for r in values["generic_resources"]
                if (r or {}).get("discrete_resource_spec")
            ]
        if part:
            out[name] = part
    return out or None


def placement(deploy: dict[str, Any], platform: str | None) -> dict[str, Any] | None:
    """``TaskTemplate.Placement``: constraints, spread preferences, max replicas, platform."""
    spec = deploy.get("placement") or {}
    out: dict[str, Any] = {}
    if spec.get("constraints"):
        out["Constraints"] = list(spec["constraints"])
    if spec.get("preferences"):
        out["Preferences"] = [
            {"Spread": {"SpreadDescriptor": p["spread"]}} for p in spec["preferences"] if p
        ]
    if spec.get("max_replicas_per_node") is not None:
        out["MaxReplicas"] = int(spec["max_replicas_per_node"])
    if platform:
        os_name, _, arch = platform.partition("/")
        out["Platforms"] = [{"OS": os_name, "Architecture": arch.split("/")[0]}]
    return out or None


def mount(
    volume: ServiceVolume, project: Project, stack: str, path: str, notes: Notes
) -> dict[str, Any] | None:
    """One ``ContainerSpec.Mounts`` entry, or None (noted) for a mount Swarm cannot make."""
    out: dict[str, Any] = {"Type": volume.type, "Target": volume.target}
    if volume.read_only:
        out["ReadOnly"] = True
    if volume.consistency:
        out["Consistency"] = volume.consistency
    if volume.type == "bind":
        out["Source"] = volume.source
        if volume.bind and volume.bind.propagation:
            out["BindOptions"] = {"Propagation": volume.bind.propagation}
        if volume.bind and volume.bind.selinux:
            notes.left_out(f"{path}.bind.selinux")
        return out
    if volume.type == "tmpfs":
        options: dict[str, Any] = {}
        if volume.tmpfs and volume.tmpfs.size is not None:
            options["SizeBytes"] = int(volume.tmpfs.size)
        if volume.tmpfs and volume.tmpfs.mode is not None:
            options["Mode"] = volume.tmpfs.mode
        if options:
            out["TmpfsOptions"] = options
        return out
    if volume.type != "volume":
        notes.left_out(path, f"a {volume.type} mount")
        return None
    if not volume.source:  # anonymous: a fresh volume per task
        return out
    declared = project.volumes.get(volume.source)
    out["Source"] = (declared.name if declared else None) or f"{stack}_{volume.source}"
    options = {}
    if volume.volume and volume.volume.nocopy:
        options["NoCopy"] = True
    if volume.volume and volume.volume.subpath:
        notes.add(f"{path}.volume.subpath", "needs Engine API 1.45; left out")
    if declared is not None and not declared.external:
        options["Labels"] = {**declared.labels, NAMESPACE_LABEL: stack}
        if declared.driver or declared.driver_opts:
            options["DriverConfig"] = {
                "Name": declared.driver or "local",
                "Options": dict(declared.driver_opts),
            }
    if options:
        out["VolumeOptions"] = options
    return out


def file_reference(
    entry: dict[str, Any], names: dict[str, str], kind: str, path: str
) -> dict[str, Any]:
    """A service's secret/config entry as a reference (the engine fills in the id)."""
    source = entry["source"]
    target = entry.get("target") or (f"/run/secrets/{source}" if kind == "secret" else f"/{source}")
    if kind == "secret" and target.startswith("/run/secrets/"):
        target = target[len("/run/secrets/") :]
    default = 0o444
    return {
        "File": {
            "Name": target,
            "UID": str(entry.get("uid", "0")),
            "GID": str(entry.get("gid", "0")),
            "Mode": file_mode(entry.get("mode"), default),
        },
        f"{kind.capitalize()}Name": names[source],
    }


def key_values(value: Any) -> dict[str, str]:
    """Labels written as a mapping or as a ``k=v`` list, as a dict."""
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for item in value or []:
        key, _, val = str(item).partition("=")
        out[key] = val
    return out
