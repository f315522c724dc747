"""``Stack``: a compose-style project you can bring up, inspect and tear down from Python.

```python
from dockdjango import Stack

with Stack.load("compose.yaml") as stack:        # up, every service running and healthy
    host, port = stack.port("web", 8000)
# down on exit; named volumes kept
```

Stacks are Compose stacks: same container/network/volume names, same labels, same
config hash, so ``docker compose ps/down/up`` and dockdjango manage the same objects.
A `Stack` is the typed `dockdjango.compose.Project` plus the engine it runs on; every
method is one call into ``dockdjango.engine`` (where the SDK's errors become ours).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dockdjango.api.stack.links import Answer, Link
from dockdjango.api.stack.stack_exec import ExecResult, StackCommands
from dockdjango.api.stack.stack_inspect import StackInspection
from dockdjango.api.stack.stack_load import StackLoaders, compose_files
from dockdjango.compose.loader.pipeline import Resolved
from dockdjango.engine.client import connect
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.project import lifecycle
from dockdjango.engine.project.lifecycle import DownResult
from dockdjango.engine.project.log_lines import LogLine
from dockdjango.engine.project.status import ContainerStatus, host_port
from dockdjango.engine.up.outcome import UpResult
from dockdjango.errors import DockdjangoError, SpecError

# The models (pydantic) and ``up`` are imported where used: the label commands need neither.
if TYPE_CHECKING:
    import docker

    from dockdjango.api.database import StackDatabase
    from dockdjango.api.stack.attached import AttachedUp
    from dockdjango.api.stack.stack_run import RunResult
    from dockdjango.api.stack.webport import ChosenPort
    from dockdjango.compose import Project
    from dockdjango.compose.develop_watch import WatchRule
    from dockdjango.engine.up.apply import BeforeStart
    from dockdjango.engine.up.resources import Builder, StandInProvider

__all__ = [
    "Answer",
    "ContainerStatus",
    "DownResult",
    "Event",
    "ExecResult",
    "Link",
    "LogLine",
    "OnProgress",
    "Stack",
    "UpResult",
    "compose_files",
    "down_project",
    "host_port",
]


class Stack(StackLoaders, StackCommands, StackInspection):
    """A project (services, networks, volumes) and the engine it runs on.

    Its constructors from files or options come from
    :class:`~dockdjango.api.stack.stack_load.StackLoaders`, running commands in its
    containers (``exec``) from
    :class:`~dockdjango.api.stack.stack_exec.StackCommands`, looking at them (``ps``,
    ports, URLs, logs) from :class:`~dockdjango.api.stack.stack_inspect.StackInspection`,
    as docker-py assembles its client from one mixin per area."""

    def __init__(
        self,
        project: Project | Resolved | Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        services: Mapping[str, Any] | None = None,
        volumes: Mapping[str, Any] | None = None,
        networks: Mapping[str, Any] | None = None,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        """Wrap a loaded ``dockdjango.compose.Project`` or a compose document given as a
        mapping (the shape of a compose file, or of ``docker compose config --format json``)
        -- or build one from models: ``Stack(name="demo", services={"web": Service(...)})``.
        A `Resolved` project (``typed=False`` loaders) is typed when first used."""
        if project is None and (services or volumes or networks):
            from dockdjango.compose import Project

            project = Project(
                name=name or "",
                services=dict(services or {}),
                volumes=dict(volumes or {}),
                networks=dict(networks or {}),
            )
        elif isinstance(project, Mapping):
            from dockdjango.compose import load_dict

            project = load_dict(project)
        self._resolved = project if isinstance(project, Resolved) else None
        self._project = None if isinstance(project, Resolved) else project
        self._name = project.name if project is not None else name or ""
        if not self._name:
            raise SpecError(
                "the stack has no project name", hint="pass project_name=... or set `name:`"
            )
        #: True for a stack known only by name (:meth:`existing`): no file, no services
        self.file_less = False
        #: a host port dockdjango chose (zero-config), checked again once images are built
        self.chosen_port: ChosenPort | None = None
        self._client = client
        self._lock = threading.Lock()
        self.on_progress = on_progress

    # -- what it is ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The project name (prefix of every container, network and volume)."""
        return self._name

    @property
    def services(self) -> list[str]:
        """Service names, dependencies first."""
        return self.project.service_names

    @property
    def client(self) -> docker.DockerClient:
        """The Docker client, connected on first use (raises EngineUnavailable)."""
        with self._lock:
            if self._client is None:
                self._client = connect()
            return self._client

    def select(self, *services: str) -> Stack:
        """The same stack limited to ``services`` and what they depend on; the others stay
        the project's (their containers are not orphans)."""
        chosen = Stack(
            self.project.with_selected_services(services),
            client=self._client,
            on_progress=self.on_progress,
        )
        chosen.file_less, chosen.chosen_port = self.file_less, self.chosen_port
        return chosen

    def config_hashes(self, *services: str) -> dict[str, str]:
        """``{service: config hash}``, the hash Compose labels containers with (all services
        when none are named)."""
        from dockdjango.api.compose_project import config_hashes

        return config_hashes(self.project, list(services) or None)

    def to_yaml(self) -> str:
        """The stack as a ``compose.yaml`` Docker Compose accepts."""
        return self.project.to_yaml()

    def _progress(self, on_progress: OnProgress | None) -> OnProgress:
        return on_progress or self.on_progress or ignore

    # -- lifecycle ------------------------------------------------------------------------

    def up(
        self,
        *services: str,
        wait: bool = True,
        build: bool = False,
        force_recreate: bool = False,
        no_recreate: bool = False,
        remove_orphans: bool = False,
        timeout: float = 120.0,
        on_progress: OnProgress | None = None,
        before_start: BeforeStart | None = None,
        dry_run: bool = False,
    ) -> UpResult:
        """Create/start what is missing or changed; with ``wait``, return once all are healthy
        (and a started ``runserver``'s watchman reloader watches the source: see
        :mod:`dockdjango.api.stack.reloader`).

        ``services`` limits ``up`` to those services and what they depend on.
        ``before_start(service, container_id, name)`` is called as each container is about
        to start (:meth:`attached` uses it so no output is missed). With ``dry_run``
        (:meth:`plan`) nothing is changed, built or pulled.
        """
        if force_recreate and no_recreate:
            raise DockdjangoError("force_recreate and no_recreate cannot be used together")
        from dockdjango.api.stack.webport import late_port
        from dockdjango.engine.up import converge

        progress = self._progress(on_progress)
        result = converge.up(
            self.client,
            self.project.with_selected_services(services) if services else self.project,
            wait=wait,
            build=build,
            force_recreate=force_recreate,
            no_recreate=no_recreate,
            remove_orphans=remove_orphans,
            timeout=timeout,
            on_progress=progress,
            builder=self.image_builder(progress),
            before_start=before_start,
            stand_in=self.stand_ins(dry_run),
            dry_run=dry_run,
            images_ready=None if dry_run else late_port(self.chosen_port, self.client, progress),
        )
        if wait and not dry_run:
            started = [s for s, (op, _) in result.services.items() if op != "unchanged"]
            if started:
                from dockdjango.api.stack.reloader import wait_watching

                wait_watching(self.client, self.name, started, min(timeout, 15.0), progress)
        return result

    def plan(
        self,
        *services: str,
        build: bool = False,
        force_recreate: bool = False,
        no_recreate: bool = False,
        remove_orphans: bool = False,
        on_progress: OnProgress | None = None,
    ) -> UpResult:
        """What :meth:`up` would do, changing nothing (Compose's ``up --dry-run``): no
        container, network, volume or image is created or removed, nothing is built or
        pulled. ``result.planned`` lists the steps (``Event("container", "demo-web-1",
        "would recreate", "changed: environment")`` ...); ``result.services`` sums
        them up per service."""
        return self.up(
            *services,
            wait=False,
            build=build,
            force_recreate=force_recreate,
            no_recreate=no_recreate,
            remove_orphans=remove_orphans,
            on_progress=on_progress,
            dry_run=True,
        )

    def stand_ins(self, dry_run: bool = False) -> StandInProvider:
        """Stand-ins for backing-service images that cannot be had (see
        api.stack.service_images); for a dry run, the same choice without building one."""
        from dockdjango.api.stack.standin_provider import stand_in_provider

        return stand_in_provider(self.client, project=self.project, dry_run=dry_run)

    def image_builder(self, on_progress: OnProgress) -> Builder:
        """Builds a service's image from its ``build:`` section (reporting each build warning
        as an ``image`` event) and says when an existing one is stale."""
        # image building, imported only when a stack is brought up
        from dockdjango.api.stack.stack_build import ServiceBuilder

        return ServiceBuilder(self.client, self.project.working_dir, on_progress)

    def down(
        self,
        *,
        volumes: bool = False,
        remove_orphans: bool = False,
        on_progress: OnProgress | None = None,
    ) -> DownResult:
        """Stop and remove containers and networks; named volumes stay unless ``volumes``.

        Containers of services the project does not know (orphans) stay unless
        ``remove_orphans``; those of its disabled services (inactive profiles) stay too, as
        with Compose."""
        return lifecycle.down(
            self.client,
            self.name,
            services=None if self.file_less else self.service_names(),
            known=None if self.file_less else self.service_names(every=True),
            volumes=volumes,
            remove_orphans=remove_orphans,
            on_progress=self._progress(on_progress),
        )

    def stop(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop containers (all, or those of ``services``), dependents first."""
        lifecycle.stop(
            self.client,
            self.name,
            self._named(services),
            timeout=timeout,
            on_progress=self._progress(on_progress),
        )

    def kill(
        self, *services: str, signal: str = "SIGKILL", on_progress: OnProgress | None = None
    ) -> list[str]:
        """Send ``signal`` to the running containers (all, or those of ``services``)."""
        from dockdjango.engine.project.kill import kill  # only this command needs it

        return kill(
            self.client,
            self.name,
            self._named(services),
            signal=signal,
            on_progress=self._progress(on_progress),
        )

    def start(self, *services: str, on_progress: OnProgress | None = None) -> None:
        """Start existing, stopped containers."""
        lifecycle.start(
            self.client, self.name, self._named(services), on_progress=self._progress(on_progress)
        )

    def restart(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop, then start."""
        named, progress = self._named(services), self._progress(on_progress)
        lifecycle.restart(self.client, self.name, named, timeout=timeout, on_progress=progress)

    # -- the dev loop: one-off containers, watch ----------------------------------------

    def run(
        self, service: str, command: str | Sequence[str] | None = None, **options: Any
    ) -> RunResult:
        """A one-off container of ``service`` (its dependencies started first), like
        ``docker compose run``; see :func:`dockdjango.api.stack.stack_run.run` for the options.
        Returns a :class:`~dockdjango.api.stack.stack_run.RunResult` with the exit code."""
        from dockdjango.api.stack.stack_run import run

        return run(self, service, command, **options)

    def attached(self, *services: str) -> AttachedUp:
        """An attached ``up`` session (:class:`~dockdjango.api.stack.attached.AttachedUp`): every
        service's output as it is written, input for a ``breakpoint()``, stop and kill."""
        from dockdjango.api.stack.attached import AttachedUp

        return AttachedUp(self, *services)

    def watch(self, *services: str, **options: Any) -> None:
        """Bring the stack up, then keep it in step with edited files (``develop.watch``)
        until ``stop`` is set or Ctrl-C; see :func:`dockdjango.api.stack.stack_watch.watch`."""
        from dockdjango.api.stack.stack_watch import watch

        watch(self, *services, **options)

    @functools.cached_property
    def db(self) -> StackDatabase:
        """The stack's PostgreSQL database: snapshot, restore, reset, a database per git
        branch (:class:`~dockdjango.api.database.StackDatabase`)."""
        from dockdjango.api.database import StackDatabase

        return StackDatabase(self)

    def watch_rules(self, *services: str) -> list[WatchRule]:
        """The watch rules ``watch`` would follow (a service's own, or the Django default)."""
        from dockdjango.api.stack.stack_watch import rules

        return rules(self, *services)

    # -- context manager ------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.up(wait=True)
        except BaseException:
            # `with` never reaches __exit__ when __enter__ fails: clean up here instead,
            # without letting a second failure (say, the engine went away) hide the first
            try:
                self.down(volumes=False)
            except DockdjangoError:
                pass
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.down(volumes=False)

    def __repr__(self) -> str:
        return f"Stack({self.name!r}, services={self.services!r})"


def down_project(
    name: str,
    *,
    volumes: bool = False,
    client: docker.DockerClient | None = None,
    on_progress: OnProgress | None = None,
) -> DownResult:
    """Remove every container and network of project ``name`` (volumes too if asked),
    found by Compose's labels — no compose file needed. For clearing what a killed run
    left behind."""
    progress = on_progress or ignore
    return lifecycle.down(
        client or connect(), name, services=None, volumes=volumes, on_progress=progress
    )
