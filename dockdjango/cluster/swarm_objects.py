"""The stack's networks, configs and secrets as Swarm creates them (Engine API JSON)."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

from dockdjango.cluster import swarm_parts as parts
from dockdjango.cluster.notes import Notes
from dockdjango.cluster.swarm_parts import NAMESPACE_LABEL
from dockdjango.compose import Project
from dockdjango.errors import SpecError

_IPAM_KEYS = {
    "subnet": "Subnet",
    "ip_range": "IPRange",
    "gateway": "Gateway",
    "aux_addresses": "AuxiliaryAddresses",
}


@dataclass
class SwarmObject:
    """A config or a secret: created from data, or external (must exist already)."""

    kind: str  # "config" or "secret"
    key: str
    name: str
    labels: dict[str, str]
    data: bytes | None = None  # None: external

    def spec(self) -> dict[str, Any]:
        """``ConfigSpec``/``SecretSpec`` JSON."""
        return {
            "Name": self.name,
            "Labels": dict(self.labels),
            "Data": base64.b64encode(self.data or b"").decode("ascii"),
        }


def swarm_networks(
    project: Project, stack: str, used: set[str], notes: Notes
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(engine name -> create options for the networks the stack makes, external names)."""
    ours: dict[str, dict[str, Any]] = {}
    external: list[str] = []
    for key in sorted(used):
        net = project.networks.get(key)
        name = (net.name if net else None) or f"{stack}_{key}"
        if net is not None and net.external:
            external.append(name)
            continue
        driver = (net.driver if net else None) or "overlay"
        if driver == "bridge":
            notes.add(f"networks.{key}.driver", "overlay (a bridge network is one node's own)")
            driver = "overlay"
        options: dict[str, Any] = {
            "Driver": driver,
            "Labels": {**(net.labels if net else {}), NAMESPACE_LABEL: stack},
            "Attachable": bool(net and net.attachable),
            "Internal": bool(net and net.internal),
        }
        if net is not None and net.driver_opts:
            options["Options"] = dict(net.driver_opts)
        if net is not None and net.enable_ipv6:
            options["EnableIPv6"] = True
        if net is not None and net.ipam:
            options["IPAM"] = {
                "Driver": net.ipam.get("driver") or "default",
                "Config": [
                    {_IPAM_KEYS[k]: v for k, v in (c or {}).items() if k in _IPAM_KEYS}
                    for c in net.ipam.get("config") or []
                ],
            }
        ours[name] = options
    return ours, external


def swarm_objects(
    project: Project, stack: str, notes: Notes
) -> tuple[list[SwarmObject], dict[str, dict[str, str]]]:
    """Configs and secrets; and, per kind, compose key -> engine name."""
    out: list[SwarmObject] = []
    names: dict[str, dict[str, str]] = {"config": {}, "secret": {}}
    for kind, table in (("config", project.configs), ("secret", project.secrets)):
        for key, spec in sorted(table.items()):
            spec = dict(spec or {})
            name = str(spec.get("name") or f"{stack}_{key}")
            names[kind][key] = name
            labels = {**parts.key_values(spec.get("labels") or {}), NAMESPACE_LABEL: stack}
            if spec.get("external"):
                out.append(SwarmObject(kind, key, name, labels))
                continue
            out.append(SwarmObject(kind, key, name, labels, _object_data(kind, key, spec)))
            for unsupported in ("driver", "driver_opts", "template_driver"):
                if spec.get(unsupported):
                    notes.left_out(f"{kind}s.{key}.{unsupported}")
    return out, names


def _object_data(kind: str, key: str, spec: dict[str, Any]) -> bytes:
    path = f"{kind}s.{key}"
    if spec.get("file"):
        try:
            with open(spec["file"], "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise SpecError(
                f"cannot read {spec['file']}: {exc.strerror}",
                path=f"{path}.file",
                hint="create the file or fix the path",
            ) from None
    if spec.get("content") is not None:
        return str(spec["content"]).encode()
    if spec.get("environment"):
        value = os.environ.get(str(spec["environment"]))
        if value is None:
            raise SpecError(
                f"environment variable {spec['environment']} is not set",
                path=f"{path}.environment",
                hint=f"export {spec['environment']}=...",
            )
        return value.encode()
    raise SpecError(f"a {kind} needs file, content, environment or external: true", path=path)
