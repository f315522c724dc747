"""Service dependency order: which services start first, which can start together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dockdjango.compose.dependency_order import levels as dependency_levels
from dockdjango.errors import SpecError


def dependencies(services: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    """``depends_on`` of one service, long form, restricted to services in the stack.

    A dependency that is not ``required`` and not in the stack (say, disabled by a
    profile) is skipped, as Compose does; a required one that is missing is an error.
    """
    out: dict[str, dict[str, Any]] = {}
    for dep, spec in (services[name].get("depends_on") or {}).items():
        spec = dict(spec or {})
        if dep not in services:
            if spec.get("required", True):
                raise SpecError(
                    f"depends on service {dep!r}, which is not in the stack",
                    path=f"services.{name}.depends_on",
                    hint="add the service, enable its profile, or set required: false",
                )
            continue
        spec.setdefault("condition", "service_started")
        out[dep] = spec
    return out


def levels(services: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    """Services grouped so each group depends only on earlier groups (sorted within)."""
    return dependency_levels({name: dependencies(services, name) for name in services})


def order(services: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every service, dependencies before dependents."""
    return [name for level in levels(services) for name in level]


def dependents(services: Mapping[str, Mapping[str, Any]], names: Iterable[str]) -> set[str]:
    """Services that depend on any of ``names``, directly or not."""
    found: set[str] = set()
    frontier = set(names)
    while frontier:
        nxt = {
            s
            for s, spec in services.items()
            if s not in found and set(spec.get("depends_on") or {}) & frontier
        }
        found |= nxt
        frontier = nxt
    return found
