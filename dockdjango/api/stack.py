"""``Stack``: a compose-style project you can bring up, inspect and tear down from Python.

```python
from dockdjango import Stack

with Stack.load("compose.yaml") as stack:        # up, every service running and healthy
    host, port = stack.port("web", 8000)
# down on exit; named volumes kept
```

Stacks are Compose stacks: same container/network/volume names, same labels, same
config hash, so ``docker compose ps/down/up`` and dockdjango manage the same objects.
"""

from __future__ import annotations

import functools
import shlex
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dockdjango.engine.stackconfig import StackConfig

F = TypeVar("F", bound=Callable[..., Any])


def _engine_call(method: F) -> F:
    """Report the SDK's failures as dockdjango errors (EngineUnavailable, EngineError)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from dockdjango.engine.failures import engine_errors

        with engine_errors():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


if TYPE_CHECKING:
    import docker

    from dockdjango.engine.converge import UpResult
    from dockdjango.engine.lifecycle import ContainerStatus, DownResult
    from dockdjango.engine.logs import LogLine
    from dockdjango.engine.progress import OnProgress


@dataclass(frozen=True)
class Link:
    """A URL a service announces (``x-dockdjango.urls``), or its ``note`` (label "note")."""

    service: str
    label: str
    url: str


@dataclass(frozen=True)
class ExecResult:
    """What a command run with :meth:`Stack.exec` did."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.stdout + self.stderr


class Stack:
    """A project (services, networks, volumes) and the engine it runs on."""

    def __init__(
        self,
        project: Any = None,
        *,
        name: str | None = None,
        services: Mapping[str, Any] | None = None,
        volumes: Mapping[str, Any] | None = None,
        networks: Mapping[str, Any] | None = None,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        """Wrap a loaded ``dockdjango.compose.Project``, a :class:`StackConfig`, or a mapping
        in the shape of ``docker compose config --format json`` (with a ``name``) — or
        build one from models: ``Stack(name="demo", services={"web": Service(...)})``."""
        if project is None:
            from dockdjango.compose import Project

            project = Project(
                name=name or "",
                services=dict(services or {}),
                volumes=dict(volumes or {}),
                networks=dict(networks or {}),
            )
        if isinstance(project, StackConfig):
            self.config = project
        elif isinstance(project, Mapping):
            self.config = StackConfig.from_compose_dict(project)
        else:
            self.config = StackConfig.from_project(project)
        if not self.config.name:
            from dockdjango.errors import SpecError

            raise SpecError(
                "the stack has no project name", hint="pass project_name=... or set `name:`"
            )
        self.project = project
        #: True for a stack known only by name (:meth:`existing`): no file, no services
        self.file_less = False
        self._client = client
        self._lock = threading.Lock()
        self.on_progress = on_progress

    @classmethod
    def load(
        cls,
        files: str | Path | Sequence[str | Path] | None = None,
        *,
        project_name: str | None = None,
        profiles: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
        env_files: Sequence[str | Path] = (),
        project_directory: str | Path | None = None,
    ) -> Stack:
        """Load compose file(s) the way Compose does and wrap the project.

        With no ``files``, finds ``compose.yaml`` (or ``docker-compose.yml`` ...) and its
        override file in the current directory or a parent, as Compose does.
        ``env_files`` replace the project's ``.env`` (``--env-file``);
        ``project_directory`` is Compose's ``--project-directory``.
        """
        from dockdjango.compose import load_project

        if isinstance(files, str | Path):
            files = [files]
        project = load_project(
            [str(f) for f in files] if files else None,
            project_name=project_name,
            profiles=tuple(profiles),
            environ=environ,
            workdir=project_directory,
            env_files=[str(f) for f in env_files],
        )
        return cls(project, client=client, on_progress=on_progress)

    @classmethod
    def existing(
        cls,
        name: str,
        *,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
    ) -> Stack:
        """A stack known only by its project name, found by labels (``down -p NAME`` with
        no compose file, as Compose allows): everything but ``up`` works."""
        stack = cls(StackConfig(name=name, services={}), client=client, on_progress=on_progress)
        stack.file_less = True
        return stack

    # -- engine ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The project name (prefix of every container, network and volume)."""
        return self.config.name

    @property
    def services(self) -> list[str]:
        """Service names, dependencies first."""
        from dockdjango.engine.graph import order

        return order(self.config.services)

    @property
    def client(self) -> docker.DockerClient:
        """The Docker client, connected on first use (raises EngineUnavailable)."""
        with self._lock:
            if self._client is None:
                from dockdjango.engine.client import connect

                self._client = connect()
            return self._client

    def _progress(self, on_progress: OnProgress | None) -> OnProgress:
        from dockdjango.engine.progress import ignore

        return on_progress or self.on_progress or ignore

    # -- lifecycle ------------------------------------------------------------------------

    @_engine_call
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
        before_start: Callable[[str, str, str], None] | None = None,
    ) -> UpResult:
        """Create/start what is missing or changed; with ``wait``, return once all are healthy.

        ``services`` limits ``up`` to those services and what they depend on.
        ``before_start(service, container_id, name)`` is called as each container is about
        to start (:meth:`attach` uses it so no output is missed).
        """
        from dockdjango.engine.converge import up

        if force_recreate and no_recreate:
            from dockdjango.errors import DockdjangoError

            raise DockdjangoError("force_recreate and no_recreate cannot be used together")
        return up(
            self.client,
            self.config.select(services) if services else self.config,
            wait=wait,
            build=build,
            force_recreate=force_recreate,
            no_recreate=no_recreate,
            remove_orphans=remove_orphans,
            timeout=timeout,
            on_progress=self._progress(on_progress),
            builder=self._build_service,
            before_start=before_start,
            stand_in=self._stand_in(),
        )

    def _stand_in(self) -> Any:
        """Stand-ins for backing-service images that cannot be had (see api.standins)."""
        from dockdjango.api.standins import stand_in_provider

        return stand_in_provider(self.client)

    def _build_service(self, service: str, build: Mapping[str, Any], tag: str) -> str:
        """Build a service's image from its ``build:`` section; return the image id."""
        from dockdjango.api.stack_build import build_service

        return build_service(self.client, self.config.working_dir, service, build, tag)

    @_engine_call
    def down(
        self,
        *,
        volumes: bool = False,
        remove_orphans: bool = False,
        on_progress: OnProgress | None = None,
    ) -> DownResult:
        """Stop and remove containers and networks; named volumes stay unless ``volumes``."""
        from dockdjango.engine.lifecycle import down

        return down(
            self.client,
            self.name,
            services=None if self.file_less else list(self.config.services),
            volumes=volumes,
            remove_orphans=remove_orphans,
            on_progress=self._progress(on_progress),
        )

    @_engine_call
    def stop(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop containers (all, or those of ``services``), dependents first."""
        from dockdjango.engine.lifecycle import stop

        stop(
            self.client,
            self.name,
            services or None,
            timeout=timeout,
            on_progress=self._progress(on_progress),
        )

    @_engine_call
    def kill(
        self, *services: str, signal: str = "SIGKILL", on_progress: OnProgress | None = None
    ) -> list[str]:
        """Send ``signal`` to the running containers (all, or those of ``services``)."""
        from dockdjango.engine.kill import kill

        return kill(
            self.client,
            self.name,
            services or None,
            signal=signal,
            on_progress=self._progress(on_progress),
        )

    @_engine_call
    def start(self, *services: str, on_progress: OnProgress | None = None) -> None:
        """Start existing, stopped containers."""
        from dockdjango.engine.lifecycle import start

        start(self.client, self.name, services or None, on_progress=self._progress(on_progress))

    @_engine_call
    def restart(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop, then start."""
        from dockdjango.engine.lifecycle import restart

        restart(
            self.client,
            self.name,
            services or None,
            timeout=timeout,
            on_progress=self._progress(on_progress),
        )

    # -- inspection -----------------------------------------------------------------------

    @_engine_call
    def ps(self, *services: str) -> list[ContainerStatus]:
        """Containers with state, health and published ports."""
        from dockdjango.engine.lifecycle import ps

        return ps(self.client, self.name, services or None)

    @_engine_call
    def port(
        self, service: str, target: int, protocol: str = "tcp", index: int = 1
    ) -> tuple[str, int]:
        """Where ``target`` of ``service`` is published: ``("127.0.0.1", 49153)``."""
        from dockdjango.engine.lifecycle import port

        return port(self.client, self.name, service, int(target), protocol, index)

    def links(self) -> list[Link]:
        """The URLs services announce, on the ports they are published on now.

        A service announces them with a compose extension (Compose ignores ``x-`` keys)::

            x-dockdjango:
              port: 8000            # container port; default: the first in its `ports:`
              urls: {site: /, API: /api/, admin: /admin/}
              note: "create a user: dockdjango exec web python manage.py createsuperuser"
        """
        out: list[Link] = []
        for name, service in (getattr(self.project, "services", None) or {}).items():
            ext = (getattr(service, "extensions", None) or {}).get("x-dockdjango") or {}
            urls = ext.get("urls") if isinstance(ext, Mapping) else None
            if not urls:
                continue
            ports = getattr(service, "ports", None) or []
            target = ext.get("port") or (ports[0].target if ports else None)
            if target is None:
                continue
            base = self.url(name, int(target))
            for label, path in urls.items():
                out.append(Link(name, str(label), base + "/" + str(path).lstrip("/")))
            if ext.get("note"):
                out.append(Link(name, "note", str(ext["note"])))
        return out

    def url(self, service: str, target: int, scheme: str = "http") -> str:
        """``http://127.0.0.1:49153`` for a published port."""
        host, port = self.port(service, target)
        return f"{scheme}://{host}:{port}"

    @_engine_call
    def logs(
        self, *services: str, tail: int | None = None, follow: bool = False
    ) -> list[LogLine] | Iterator[LogLine]:
        """Output of the containers, merged; with ``follow`` an iterator of new lines."""
        from dockdjango.engine.logs import iter_logs

        lines = iter_logs(self.client, self.name, services or None, tail=tail, follow=follow)
        return lines if follow else list(lines)

    @_engine_call
    def container_id(self, service: str, index: int = 1) -> str:
        """The engine id of container ``index`` of ``service``."""
        from dockdjango.engine.observe import number, observe
        from dockdjango.errors import ServiceError

        for c in observe(self.client, self.name).containers.get(service, []):
            if number(c) == index:
                return str(c["Id"])
        raise ServiceError(
            service, f"service {service} has no container {index}", hint="run: dockdjango up"
        )

    @_engine_call
    def running_container_id(self, service: str, index: int = 1) -> str:
        """Like :meth:`container_id`, but the container must be running (for exec)."""
        from dockdjango.errors import ServiceError

        cid = self.container_id(service, index)
        state = self.client.api.inspect_container(cid).get("State") or {}
        if not state.get("Running"):
            raise ServiceError(
                service,
                f"service {service} is not running ({state.get('Status', 'unknown')})",
                hint=f"start it with: dockdjango up {service}",
            )
        return cid

    @_engine_call
    def exec(
        self,
        service: str,
        cmd: str | Sequence[str],
        *,
        user: str | None = None,
        workdir: str | None = None,
        env: Mapping[str, str] | None = None,
        index: int = 1,
    ) -> ExecResult:
        """Run ``cmd`` in the service's running container; capture its output."""
        from dockdjango.engine.execs import run_captured

        argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
        code, out, err = run_captured(
            self.client,
            self.running_container_id(service, index),
            argv,
            user=user,
            workdir=workdir,
            env=env,
        )
        return ExecResult(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    # -- the dev loop: one-off containers, watch ----------------------------------------

    def run(self, service: str, command: str | Sequence[str] | None = None, **options: Any) -> Any:
        """A one-off container of ``service`` (its dependencies started first), like
        ``docker compose run``; see :func:`dockdjango.api.run.run` for the options.
        Returns a :class:`~dockdjango.api.run.RunResult` with the exit code."""
        from dockdjango.api.run import run

        return run(self, service, command, **options)

    def attached(self, *services: str) -> Any:
        """An attached ``up`` session (:class:`~dockdjango.api.attached.AttachedUp`): every
        service's output as it is written, input for a ``breakpoint()``, stop and kill."""
        from dockdjango.api.attached import AttachedUp

        return AttachedUp(self, *services)

    def watch(self, *services: str, **options: Any) -> None:
        """Bring the stack up, then keep it in step with edited files (``develop.watch``)
        until ``stop`` is set or Ctrl-C; see :func:`dockdjango.api.watch.watch`."""
        from dockdjango.api.watch import watch

        watch(self, *services, **options)

    def watch_rules(self, *services: str) -> list[Any]:
        """The watch rules ``watch`` would follow (a service's own, or the Django default)."""
        from dockdjango.api.watch import rules

        return rules(self, *services)

    # -- context manager ------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.up(wait=True)
        except BaseException:
            # `with` never reaches __exit__ when __enter__ fails: clean up here instead,
            # without letting a second failure (say, the engine went away) hide the first
            from dockdjango.errors import DockdjangoError

            try:
                self.down(volumes=False)
            except DockdjangoError:
                pass
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.down(volumes=False)

    def to_yaml(self) -> str:
        """The stack as a ``compose.yaml`` Docker Compose accepts (for a spec ``Project``)."""
        to_yaml = getattr(self.project, "to_yaml", None)
        if to_yaml is None:
            import yaml

            data = {
                "name": self.name,
                "services": self.config.services,
                "networks": self.config.networks,
                "volumes": self.config.volumes,
            }
            return str(yaml.safe_dump(data, sort_keys=False))
        return str(to_yaml())

    def __repr__(self) -> str:
        return f"Stack({self.name!r}, services={self.services!r})"


@_engine_call
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
    from dockdjango.engine.client import connect
    from dockdjango.engine.lifecycle import down
    from dockdjango.engine.progress import ignore

    return down(
        client or connect(),
        name,
        services=None,
        volumes=volumes,
        on_progress=on_progress or ignore,
    )
