"""What ``up`` did (or, after a dry run, would do): the result a caller reads.

Apart from :mod:`dockdjango.engine.up.converge`, which makes it, so that a caller can name
the type without importing the whole ``up`` machinery (and the typed models with it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockdjango.engine.progress import Event


@dataclass
class UpResult:
    """What ``up`` did, per service: ``{"web": ("recreated", "changed: command")}``; after
    a dry run, what it would do (``("would recreate", "changed: command")``), each step in
    ``planned``."""

    services: dict[str, tuple[str, str]] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    #: a dry run's steps, in order: ``Event("network", "demo_default", "would create")`` ...
    planned: list[Event] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything was (after a dry run: would be) created, recreated, started or
        restarted."""
        return any(op != "unchanged" for op, _ in self.services.values())
