"""``dockdjango up --dry-run``: what ``up`` would do, one line per step, nothing changed.

The steps are the engine's own plan (:meth:`dockdjango.api.stack.stack.Stack.plan`); this module
only words them, on stdout::

    would create network demo_default
    would build image demo-web
    would recreate container demo-web-1 (changed: environment)
    container demo-db-1 unchanged
    dry run: nothing was changed (3 steps planned)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dockdjango.api.stack.stack import Event, UpResult


def step_line(event: Event) -> str:
    """One step in a person's words: ``would create network demo_default``; a note (an
    orphan, a stand-in) or an unchanged container as ``kind name action``; a warning as
    ``warning: ...``."""
    if event.action == "warning":
        return f"warning: {event.detail}"
    detail = f" ({event.detail})" if event.detail else ""
    if event.action.startswith("would "):
        return f"{event.action} {event.kind} {event.name}{detail}"
    return f"{event.kind} {event.name} {event.action}{detail}"


def plan_lines(name: str, result: UpResult) -> list[str]:
    """Every step of a dry ``up``, then one line saying that nothing was changed."""
    lines = [step_line(e) for e in _shown(result.planned)]
    steps = sum(1 for e in result.planned if e.action.startswith("would "))
    if steps:
        lines.append(f"dry run: nothing was changed ({steps} step(s) planned)")
    else:
        lines.append(f"{name}: nothing to do, {len(result.services)} service(s) already up to date")
    return lines


def _shown(events: Iterable[Event]) -> list[Event]:
    # a warning said for several containers of one service is said once
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for e in events:
        key = (e.kind, e.name, e.action, e.detail)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
