"""The ``depends_on`` graph: what a service needs, in which order services start, cycles.

Pure, and the one place these rules live: the loader's reference check finds cycles with
:func:`find_cycle` (and reports them at the file and line), the engine orders and gates
services with :func:`levels` (from :mod:`~dockdjango.compose.dependency_order`, which the
cluster conversions use too) and :func:`dependencies`, and selecting services
(``up web``) follows :func:`closure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from dockdjango.compose.dependency_order import levels
from dockdjango.errors import SpecError

if TYPE_CHECKING:
    from dockdjango.compose.models import DependsOn, Service

__all__ = ["closure", "dependencies", "dependents", "find_cycle", "graph", "levels", "order"]

#: Service name -> the names it depends on.
Graph = Mapping[str, Iterable[str]]


def dependencies(services: Mapping[str, Service], name: str) -> dict[str, DependsOn]:
    """``depends_on`` of one service, restricted to ``services``.

    A dependency that is not ``required`` and not among ``services`` (say, disabled by a
    profile) is skipped, as Compose does; a required one that is missing is an error.
    """
    out: dict[str, DependsOn] = {}
    for dep, spec in services[name].depends_on.items():
        if dep not in services:
            if spec.required:
                raise SpecError(
                    f"depends on service {dep!r}, which is not in the stack",
                    path=f"services.{name}.depends_on",
                    hint="add the service, enable its profile, or set required: false",
                )
            continue
        out[dep] = spec
    return out


def graph(services: Mapping[str, Service]) -> dict[str, set[str]]:
    """The dependency graph of ``services`` (see :func:`dependencies`)."""
    return {name: set(dependencies(services, name)) for name in services}


def find_cycle(deps: Graph) -> list[str] | None:
    """A dependency cycle as a path (``["a", "b", "a"]``), or None when there is none.

    Services are visited in name order, so the cycle reported is always the same one.
    Names a service depends on that are not keys of ``deps`` are ignored.
    """
    state: dict[str, int] = {}  # 1 visiting, 2 done
    edges = {name: list(targets) for name, targets in deps.items()}

    def visit(name: str, chain: list[str]) -> list[str] | None:
        state[name] = 1
        for dep in edges[name]:
            if state.get(dep) == 1:
                return [*chain[chain.index(dep) :], dep]
            if dep in edges and state.get(dep) is None:
                found = visit(dep, [*chain, dep])
                if found:
                    return found
        state[name] = 2
        return None

    for name in sorted(edges):
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def order(deps: Graph) -> list[str]:
    """Every service, dependencies before dependents."""
    return [name for level in levels(deps) for name in level]


def closure(deps: Graph, names: Iterable[str]) -> set[str]:
    """``names`` and everything they depend on, directly or not."""
    chosen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in chosen:
            chosen.add(name)
            todo.extend(deps.get(name, ()))
    return chosen


def dependents(deps: Graph, names: Iterable[str]) -> set[str]:
    """Services that depend on any of ``names``, directly or not."""
    found: set[str] = set()
    frontier = set(names)
    while frontier:
        nxt = {s for s, targets in deps.items() if s not in found and set(targets) & frontier}
        found |= nxt
        frontier = nxt
    return found
