"""Where a zero-config stack publishes ``web``: 8000, else the next free port, and said.

With no compose file dockdjango chooses the port (the generated file publishes
``127.0.0.1:${WEB_PORT:-8000}:8000``), so a port another program holds is no reason to
fail: :func:`choose_web_port` keeps the port the project's ``web`` container already has
(no needless recreate), else takes 8000 when free, else the next free one -- with one line
that says so. ``WEB_PORT`` given by the user (environment or ``.env``) is never changed.

The choice is made when the project is loaded, minutes before a first build ends, so it
is made again once the images are there (:meth:`ChosenPort.recheck`, called by ``up``
just before the containers are created): a port another program took meanwhile is
replaced by the next free one, said.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockdjango.engine.progress import Event, OnProgress

if TYPE_CHECKING:
    import docker

    from dockdjango.compose import Project
    from dockdjango.engine.up.converge import ImagesReady

#: The port ``web`` publishes when it is free (Django's own default).
DEFAULT_PORT = 8000
#: How far past the default to look for a free port.
SEARCH = 100


def local_port_free(port: int) -> bool:
    """True when nothing on this machine listens on 127.0.0.1:``port`` (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def engine_is_local() -> bool:
    """True when the engine publishes ports on this machine (a local socket)."""
    from dockdjango.engine.address import engine_address

    return engine_address().startswith(("unix://", "npipe://"))


def choose_web_port(
    client: docker.DockerClient,
    project: str,
    *,
    service: str = "web",
    target: int = 8000,
    default: int = DEFAULT_PORT,
) -> tuple[int, str | None]:
    """(the host port for ``service``, the line to say when it is not ``default``)."""
    from dockdjango.engine.project.host_ports import service_host_port

    free = _free_ports(client)
    current = service_host_port(client, project, service, target)
    if current is not None and (current[1] or free(current[0])):
        port = current[0]
        if port == default:
            return port, None
        return port, (
            f"{service} keeps 127.0.0.1:{port}, where it was published before "
            "(set WEB_PORT to choose)"
        )
    return pick_port(default, free, f"port {default} is in use by another program", service)


def pick_port(
    wanted: int, free: Callable[[int], bool], why: str, service: str = "web"
) -> tuple[int, str | None]:
    """(``wanted`` when it is free, else the next free port and the line that says so,
    starting with ``why``); ``wanted`` and no line when none is free nearby (then ``up``
    says which port is in use)."""
    if free(wanted):
        return wanted, None
    for port in range(wanted + 1, wanted + SEARCH):
        if free(port):
            return port, (
                f"{why}: {service} publishes on 127.0.0.1:{port} instead (set WEB_PORT to choose)"
            )
    return wanted, None


@dataclass(frozen=True)
class ChosenPort:
    """A host port dockdjango chose for ``service``'s ``target`` (not the user)."""

    service: str
    target: int
    port: int

    def recheck(self, client: docker.DockerClient, project: str) -> tuple[int, str | None]:
        """(the port to publish on now, the line to say when it changed), once the images
        are built: a build takes minutes, and another program may take the port meanwhile."""
        from dockdjango.engine.project.host_ports import service_host_port

        current = service_host_port(client, project, self.service, self.target)
        if current is not None and current[1]:
            return current[0], None  # its own running container holds it
        why = f"127.0.0.1:{self.port} was taken while the images were built"
        return pick_port(self.port, _free_ports(client), why, self.service)


def late_port(
    chosen: ChosenPort | None, client: docker.DockerClient, on_progress: OnProgress
) -> ImagesReady | None:
    """What ``up`` calls once a stack's images are there: the port dockdjango chose
    checked again (see :meth:`ChosenPort.recheck`), the project changed and the change
    said when it was taken; None when the user chose the port."""
    if chosen is None:
        return None

    def images_ready(project: Project) -> Project:
        port, note = chosen.recheck(client, project.name)
        if note is not None:
            on_progress(Event("service", chosen.service, "warning", note))
        # the stack's own project keeps ``chosen.port``: a later `up` maps it again
        return with_published_port(project, chosen, port)

    return images_ready


def with_published_port(project: Project, chosen: ChosenPort, port: int) -> Project:
    """``project`` with ``chosen``'s service publishing ``chosen.target`` on ``port``
    instead of ``chosen.port`` (the same object when nothing changes)."""
    service = project.services.get(chosen.service)
    if service is None or port == chosen.port:
        return project
    ports = [
        p.model_copy(update={"published": str(port)})
        if p.target == chosen.target and p.published == str(chosen.port)
        else p
        for p in service.ports
    ]
    services = {**project.services, chosen.service: service.model_copy(update={"ports": ports})}
    return project.model_copy(update={"services": services})


def _free_ports(client: docker.DockerClient) -> Callable[[int], bool]:
    """Whether a host port is free: no container publishes it and (on a local engine)
    nothing on this machine listens on it."""
    from dockdjango.engine.project.host_ports import host_ports_in_use

    taken = host_ports_in_use(client)
    local = engine_is_local()

    def free(port: int) -> bool:
        return port not in taken and (not local or local_port_free(port))

    return free


def web_port_given(environ: Mapping[str, str], dotenv: Mapping[str, str | None]) -> bool:
    """True when the user chose the port (``WEB_PORT`` in the environment or ``.env``)."""
    return bool(environ.get("WEB_PORT") or dotenv.get("WEB_PORT"))
