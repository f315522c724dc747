"""Compose settings both targets read the same way: ``deploy``, resources, replicas."""

from __future__ import annotations

from typing import Any

from dockdjango.compose import Service

#: Service-level keys Compose keeps from the v2 format, and the ``deploy`` keys they fill.
_LEGACY = (
    ("limits", "cpus", "cpus"),
    ("limits", "memory", "mem_limit"),
    ("limits", "pids", "pids_limit"),
    ("reservations", "memory", "mem_reservation"),
)


def deploy_of(service: Service) -> dict[str, Any]:
    """The service's ``deploy`` section (canonical), or an empty one."""
    return dict(service.other.get("deploy") or {})


def resource_settings(service: Service) -> dict[str, dict[str, Any]]:
    """``{"limits": {...}, "reservations": {...}}`` from ``deploy.resources``, with the
    legacy service keys (``cpus``, ``mem_limit``, ``pids_limit``, ``mem_reservation``)
    filling what ``deploy`` leaves unset."""
    spec = deploy_of(service).get("resources") or {}
    out = {kind: dict(spec.get(kind) or {}) for kind in ("limits", "reservations")}
    for kind, key, legacy in _LEGACY:
        if out[kind].get(key) is None and service.other.get(legacy) is not None:
            out[kind][key] = service.other[legacy]
    return out


def replicas(service: Service) -> int | None:
    """``deploy.replicas``, else the legacy ``scale``, else None (one)."""
    value = deploy_of(service).get("replicas", service.other.get("scale"))
    return None if value is None else int(value)
