"""``depends_on`` as start waves: Swarm and Kubernetes start every service at once, so the
order Compose keeps has to be made by whoever deploys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dockdjango.compose import Project
from dockdjango.compose.dependency_order import levels
from dockdjango.errors import SpecError

Condition = Literal["service_started", "service_healthy", "service_completed_successfully"]


@dataclass(frozen=True)
class Wait:
    """``service`` may start only once ``dependency`` meets ``condition``."""

    service: str
    dependency: str
    condition: Condition


def waits(project: Project) -> list[Wait]:
    """Every ordering constraint among the project's services, sorted.

    A dependency that is not in the project is skipped when it is not ``required`` (as
    Compose does, say a service switched off by a profile) and an error when it is.
    """
    out: list[Wait] = []
    for name, service in sorted(project.services.items()):
        for dep, spec in sorted(service.depends_on.items()):
            if dep not in project.services:
                if spec.required:
                    raise SpecError(
                        f"depends on service {dep!r}, which is not in the project",
                        path=f"services.{name}.depends_on",
                        hint="add the service, enable its profile, or set required: false",
                    )
                continue
            out.append(Wait(name, dep, spec.condition))
    return out


def start_waves(project: Project) -> list[list[str]]:
    """Services grouped so each group waits only on earlier groups (sorted within)."""
    deps: dict[str, set[str]] = {name: set() for name in project.services}
    for wait in waits(project):
        deps[wait.service].add(wait.dependency)
    return levels(deps)


def completed_dependencies(project: Project) -> set[str]:
    """Services something waits on with ``service_completed_successfully``: one-off jobs."""
    return {w.dependency for w in waits(project) if w.condition == "service_completed_successfully"}
