"""Start order from dependencies: services grouped in levels, each after the ones before."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dockdjango.errors import SpecError


def levels(deps: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Names grouped so each group depends only on earlier groups (sorted within).

    ``deps`` maps every name to the names it depends on; a cycle is a `SpecError`.
    """
    wanted = {name: set(needs) for name, needs in deps.items()}
    done: set[str] = set()
    out: list[list[str]] = []
    while len(done) < len(wanted):
        ready = sorted(n for n, d in wanted.items() if n not in done and d <= done)
        if not ready:
            cycle = sorted(n for n in wanted if n not in done)
            raise SpecError(
                f"services {', '.join(cycle)} depend on each other in a cycle",
                path="services.*.depends_on",
                hint="remove one of the depends_on entries that close the cycle",
            )
        out.append(ready)
        done.update(ready)
    return out
