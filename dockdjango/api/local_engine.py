"""The Docker engine on this machine's socket, without the Docker SDK: what a project's
containers are doing (``ps``, published ports, logs), the versions, and ``stop``/``down``.

Importing the SDK costs a quick command several times its engine work, so the commands a
person types all day read through :mod:`dockdjango.engine.socket_client` where it gives
the SDK's answer (Docker on a local unix socket) and return None elsewhere, where the
caller takes :class:`~dockdjango.api.stack.Stack` (or :func:`~dockdjango.api.connection.
versions`) instead. Rows, ports and lines are the same objects either way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockdjango import __version__
from dockdjango.engine import labels as L
from dockdjango.engine.progress import OnProgress, ignore
from dockdjango.engine.project.log_lines import (
    LogLine,
    followed_lines,
    log_targets,
    merged_lines,
)
from dockdjango.engine.project.status import (
    ContainerStatus,
    bindings_of,
    checked_services,
    host_port,
    status_rows,
)
from dockdjango.engine.socket_client import SocketEngine, open_local

if TYPE_CHECKING:
    from dockdjango.api.compose_project import ProjectOptions
    from dockdjango.engine.address import EngineInfo
    from dockdjango.engine.stop import DownResult
    from dockdjango.errors import EngineUnavailable

__all__ = [
    "LocalProject",
    "Versions",
    "checked_services",
    "host_port",
    "local_project",
    "local_versions",
]


@dataclass(frozen=True)
class Versions:
    """dockdjango's, the Docker SDK's and (when one answers) the engine's versions.

    ``engine`` and ``api`` are "" and ``unreachable`` says why when no engine answers."""

    dockdjango: str
    sdk: str
    engine: str = ""
    api: str = ""
    unreachable: EngineUnavailable | None = None
    #: which engine answered (Docker or Podman, where, local or remote)
    info: EngineInfo | None = None


def local_versions() -> Versions | None:
    """The versions ``dockdjango version`` prints, from the local engine's ``/_ping`` (as
    the SDK's client reads them) and the SDK's installed metadata; None where the SDK
    must ask (another engine, or none answering: it says why)."""
    from importlib.metadata import version

    engine = open_local()
    if engine is None:
        return None
    engine.close()
    info = engine.info
    return Versions(__version__, version("docker"), info.version, info.api, info=info)


class LocalProject:
    """A project's containers on the local engine, by Compose's labels: ``ps``,
    ``published``, ``logs``, ``stop`` and ``down`` as a :class:`~dockdjango.api.stack.Stack`
    does them."""

    #: the engine is on this machine: its ports are reached here, nothing to forward
    engine_is_local = True

    def __init__(
        self,
        engine: SocketEngine,
        name: str,
        services: Iterable[str] | None,
        active: Iterable[str] | None = None,
    ) -> None:
        self._engine = engine
        self.name = name
        #: the file's services (every profile); None for a project known only by name
        self._services = None if services is None else sorted(services)
        #: the services of this run (its profiles'); None for a project known only by name
        self._active = None if services is None else list(active or ())

    def _named(self, services: Sequence[str]) -> list[str] | None:
        known = self._services
        if known is None and services:  # known by name only: the services it has containers of
            known = [r.service for r in self.ps()]
        return checked_services(services, known or [], self.name)

    def _containers(self) -> list[dict[str, Any]]:
        return L.service_containers(self._engine.containers(L.project_filter(self.name)))

    def ps(self, *services: str) -> list[ContainerStatus]:
        """Containers with state, health and published ports."""
        return status_rows(self._containers(), self._named(services))

    def published(
        self, service: str, target: int, protocol: str = "tcp", index: int = 1
    ) -> list[tuple[str, int]]:
        """Where the engine bound ``target`` of ``service`` (see ``Stack.published``)."""
        rows = status_rows(self._containers(), [service])
        return bindings_of(rows, service, int(target), protocol, index)

    def logs(
        self, *services: str, tail: int | None = None, follow: bool = False
    ) -> list[LogLine] | Iterator[LogLine]:
        """Output of the containers, merged; with ``follow`` an iterator of new lines,
        until the containers stop (or the caller stops iterating)."""
        containers = log_targets(self._containers(), self._named(services))
        tail_arg: Any = "all" if tail is None else int(tail)
        engine = self._engine
        if follow:
            return followed_lines(
                self.name,
                containers,
                tail_arg,
                threading.Event(),
                lambda c, tail: engine.follow_logs(str(c["Id"]), tail),
            )
        return merged_lines(self.name, containers, tail_arg, lambda c, t: engine.logs(c["Id"], t))

    def stop(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop containers (all, or those of ``services``), dependents first."""
        from dockdjango.engine import stop as teardown  # only stop and down need it

        named = self._named(services)
        progress = on_progress or ignore
        teardown.stop(self._engine, self.name, named, timeout=timeout, on_progress=progress)

    def start(self, *services: str, on_progress: OnProgress | None = None) -> None:
        """Start existing, stopped containers, what others depend on first."""
        from dockdjango.engine import stop as teardown

        named = self._named(services)
        teardown.start(self._engine, self.name, named, on_progress=on_progress or ignore)

    def restart(
        self, *services: str, timeout: int | None = None, on_progress: OnProgress | None = None
    ) -> None:
        """Stop, then start."""
        self.stop(*services, timeout=timeout, on_progress=on_progress)
        self.start(*services, on_progress=on_progress)

    def down(
        self,
        *,
        volumes: bool = False,
        remove_orphans: bool = False,
        on_progress: OnProgress | None = None,
    ) -> DownResult:
        """Stop and remove containers and networks, as ``Stack.down`` does."""
        from dockdjango.engine import stop as teardown

        return teardown.down(
            self._engine,
            self.name,
            services=self._active,
            known=self._services,
            volumes=volumes,
            remove_orphans=remove_orphans,
            on_progress=on_progress or ignore,
        )


def local_project(options: ProjectOptions) -> LocalProject | None:
    """The project ``options`` name, on the local engine without the SDK; None for a
    zero-config project (detection decides its name) or where the SDK must answer."""
    if options.zero_config:
        return None
    if options.project_name and not options.located.files:
        name, services, active = options.project_name, None, None  # `down -p NAME`
    else:
        resolved = options.resolved()  # the file is checked first, as Stack checks it
        name, services = resolved.name, set(resolved.all_service_names)
        active = resolved.service_names
    engine = open_local()
    return None if engine is None else LocalProject(engine, name, services, active)
