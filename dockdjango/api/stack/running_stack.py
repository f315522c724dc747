"""What ``run``, ``watch`` and an attached ``up`` use of a `Stack`: a typed seam.

:class:`~dockdjango.api.stack.stack.Stack` satisfies `RunningStack`; the modules that do
those commands' work (``stack_run``, ``stack_watch``, ``attached``) take a `RunningStack`
and never import the class, so ``stack`` may name their return types and no import runs
in a circle. Only what they need is here: the engine, the project, how images are built
and stood in for, and the lifecycle calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import docker

    from dockdjango.compose import Project
    from dockdjango.engine.progress import OnProgress
    from dockdjango.engine.up.apply import BeforeStart
    from dockdjango.engine.up.converge import UpResult
    from dockdjango.engine.up.resources import Builder, StandInProvider


class RunningStack(Protocol):
    """A project and the engine it runs on, as the dev-loop commands use it."""

    project: Project
    on_progress: OnProgress | None

    @property
    def name(self) -> str:
        """The project name."""
        ...

    @property
    def client(self) -> docker.DockerClient:
        """The Docker client."""
        ...

    def image_builder(self, on_progress: OnProgress) -> Builder:
        """Builds a service's image from its ``build:`` section."""
        ...

    def stand_ins(self, dry_run: bool = False) -> StandInProvider:
        """Stand-ins for backing-service images that cannot be had."""
        ...

    def up(
        self,
        *services: str,
        wait: bool = True,
        build: bool = False,
        on_progress: OnProgress | None = None,
        before_start: BeforeStart | None = None,
    ) -> UpResult:
        """Create/start what is missing or changed."""
        ...

    def stop(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop containers, dependents first."""
        ...

    def kill(
        self, *services: str, signal: str = "SIGKILL", on_progress: OnProgress | None = None
    ) -> list[str]:
        """Send ``signal`` to the running containers."""
        ...


__all__ = ["RunningStack"]
