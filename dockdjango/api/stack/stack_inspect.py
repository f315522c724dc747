"""What a stack's containers are doing: ``ps``, ports, URLs, logs -- the part of `Stack`
that looks and changes nothing, found by Compose's labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockdjango.api.stack.links import Answer, Link, announced, check_links
from dockdjango.engine.project import lifecycle
from dockdjango.engine.project.log_lines import LogLine
from dockdjango.engine.project.status import ContainerStatus, checked_services

if TYPE_CHECKING:
    import docker

    from dockdjango.compose import Project

__all__ = ["StackInspection"]


class StackInspection:
    """``ps``, ``port``, ``published``, ``url``, ``links``, ``logs`` and the check that
    named services exist, for :class:`~dockdjango.api.stack.stack.Stack`, which provides
    ``client``, ``name``, ``project`` and ``file_less``."""

    project: Project
    file_less: bool
    #: engine host port -> this machine's, while a remote engine's ports are forwarded here
    #: (:func:`dockdjango.api.stack.remote_ports.forwarding`)
    forwarded_ports: dict[int, int] = {}

    if TYPE_CHECKING:

        @property
        def client(self) -> docker.DockerClient: ...

        @property
        def name(self) -> str: ...

        def service_names(self, *, every: bool = False) -> list[str]: ...

    def _named(self, services: Sequence[str]) -> list[str] | None:
        """``services`` (None for all) once each is known, as Compose checks them: a
        service of the file (any profile), or for a stack known only by name one the
        engine has containers of. Raises ``no such service: ghost`` naming those there are."""
        if not services:
            return None
        if self.file_less:
            known = {r.service for r in lifecycle.ps(self.client, self.name)}
        else:
            known = set(self.service_names(every=True))  # no models built for this
        return checked_services(services, known, self.name)

    def ps(self, *services: str) -> list[ContainerStatus]:
        """Containers with state, health and published ports."""
        return lifecycle.ps(self.client, self.name, self._named(services))

    def port(
        self, service: str, target: int, protocol: str = "tcp", index: int = 1
    ) -> tuple[str, int]:
        """An address to connect to ``target`` of ``service``: ``("127.0.0.1", 49153)``.

        A port published on all interfaces (``"8000:8000"``: ``0.0.0.0`` and ``::``) is
        reached at 127.0.0.1; :meth:`published` says where the engine bound it. While a
        remote engine's ports are forwarded here, the local end of the forward."""
        host, port = lifecycle.port(self.client, self.name, service, int(target), protocol, index)
        local = self.forwarded_ports.get(port) if protocol == "tcp" else None
        return ("127.0.0.1", local) if local else (host, port)

    def published(
        self, service: str, target: int, protocol: str = "tcp", index: int = 1
    ) -> list[tuple[str, int]]:
        """Where the engine bound ``target`` of ``service``, IPv4 first: ``[("0.0.0.0",
        8000), ("::", 8000)]`` for ``"8000:8000"``, ``[("127.0.0.1", 8000)]`` for
        ``"127.0.0.1:8000:8000"``."""
        return lifecycle.published(self.client, self.name, service, int(target), protocol, index)

    def url(self, service: str, target: int, scheme: str = "http") -> str:
        """``http://127.0.0.1:49153`` for a published port (an address :meth:`port` gives)."""
        host, port = self.port(service, target)
        return f"{scheme}://{host}:{port}"

    def links(self) -> list[Link]:
        """The URLs services announce (``x-dockdjango``), on the ports they are published
        on now (see :func:`dockdjango.api.stack.links.announced`)."""
        return announced(self.project, self.url)

    def answers(self, *, wait: float = 0.0, settle: float = 5.0) -> list[Answer]:
        """Each announced URL asked with a GET (redirects not followed): ``answer.ok`` for a
        2xx/3xx, else what it got and what to do (see :mod:`dockdjango.api.stack.links`).
        ``wait``: seconds a URL may take to answer at all (a server still starting)."""

        def output(service: str) -> list[str]:
            return [line.text for line in self.logs(service, tail=50)]

        return check_links(self.links(), output, wait=wait, settle=settle)

    def logs(
        self, *services: str, tail: int | None = None, follow: bool = False
    ) -> list[LogLine] | Iterator[LogLine]:
        """Output of the containers, merged; with ``follow`` an iterator of new lines, until
        the containers stop (or the caller stops iterating)."""
        from dockdjango.engine.project.logs import iter_logs  # (the SDK's path only)

        lines = iter_logs(self.client, self.name, self._named(services), tail=tail, follow=follow)
        return lines if follow else list(lines)
