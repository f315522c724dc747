"""The plan step of ``up``: per container, keep, start, create, recreate or remove, and why.

Pure: works on container summaries as the engine lists them. A container is recreated
when Compose would recreate it (``pkg/compose/convergence.go`` ``mustRecreate``): its
config-hash label differs, its image label differs, or it is running but not connected to
one of its networks, or lacks one of its named volumes. The reason names the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockdjango.compose.models import DependsOn
from dockdjango.engine import labels as L
from dockdjango.engine.labels import number

#: recreate policies, as Compose names them
DIVERGED, FORCE, NEVER = "diverged", "force", "never"


@dataclass
class Action:
    """What to do with container ``number`` of ``service``."""

    service: str
    number: int
    op: str  # keep | start | create | recreate | restart | remove
    container: dict[str, Any] | None = None
    reason: str = ""


def plan_service(
    service: str,
    *,
    scale: int,
    config_hash: str,
    hashed: Mapping[str, Any],
    image_id: str,
    existing: list[dict[str, Any]],
    network_ids: Mapping[str, str],
    volume_names: Mapping[str, str],
    policy: str = DIVERGED,
) -> list[Action]:
    """The actions that converge one service's containers to the wanted state."""
    actions: list[Action] = []
    by_number = {number(c): c for c in existing}
    extra = [c for c in existing if number(c) > scale or number(c) < 1]
    for n in range(1, scale + 1):
        current = by_number.get(n)
        if current is None:
            actions.append(Action(service, n, "create", None, "new"))
            continue
        reason = why_recreate(
            current, config_hash, hashed, image_id, network_ids, volume_names, policy
        )
        running = current.get("State") == "running"
        if reason:
            actions.append(Action(service, n, "recreate", current, reason))
        else:
            actions.append(Action(service, n, "keep" if running else "start", current))
    actions += [Action(service, number(c), "remove", c, "scaled down") for c in extra]
    return actions


def why_recreate(
    container: dict[str, Any],
    config_hash: str,
    hashed: Mapping[str, Any],
    image_id: str,
    network_ids: Mapping[str, str],
    volume_names: Mapping[str, str],
    policy: str = DIVERGED,
) -> str:
    """Why this container must be recreated, in a person's words; "" when it need not be."""
    if policy == NEVER:
        return ""
    if policy == FORCE:
        return "--force-recreate"
    labels = container.get("Labels") or {}
    if labels.get(L.CONFIG_HASH) != config_hash:
        return config_change(labels, hashed)
    if labels.get(L.IMAGE) != image_id:
        # "": a dry run's image, to be built or pulled, whose id is not known yet
        return "image changed" if image_id else "if the new image differs"
    if container.get("State") == "running":
        connected = {
            n.get("NetworkID")
            for n in ((container.get("NetworkSettings") or {}).get("Networks") or {}).values()
        }
        for key, net_id in sorted(network_ids.items()):
            if net_id not in connected:
                return f"not connected to network {key}"
    mounted = {m.get("Name") for m in container.get("Mounts") or [] if m.get("Type") == "volume"}
    for key, name in sorted(volume_names.items()):
        if name not in mounted:
            return f"volume {key} is not mounted"
    return ""


def config_change(labels: Mapping[str, str], hashed: Mapping[str, Any]) -> str:
    """``changed: command, environment`` when the container records its settings' digests.

    Only top-level settings are named: the label holds a digest per setting, never a value.
    """
    old = L.recorded_digests(labels)
    if old is not None:
        new = L.config_digests(hashed)
        changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        if changed:
            shown = ", ".join(changed[:4]) + (" ..." if len(changed) > 4 else "")
            return f"changed: {shown}"
    return "configuration changed"


def propagate_restarts(
    actions: dict[str, list[Action]], depends: Mapping[str, Mapping[str, DependsOn]]
) -> None:
    """Restart running dependents whose ``depends_on`` asks for ``restart: true``.

    Compose restarts such a dependent when the service it depends on is recreated.
    """
    changed = {
        s for s, acts in actions.items() if any(a.op in ("recreate", "create") for a in acts)
    }
    for service, deps in depends.items():
        trigger = sorted(d for d, spec in deps.items() if spec.restart and d in changed)
        if not trigger:
            continue
        for action in actions.get(service, []):
            if action.op == "keep":
                action.op = "restart"
                action.reason = f"{trigger[0]} was recreated"
