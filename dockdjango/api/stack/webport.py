"""Where a zero-config stack publishes ``web``: 8000, else the next free port, and said.

With no compose file dockdjango chooses the port (the generated file publishes
``127.0.0.1:${WEB_PORT:-8000}:8000``), so a port another program holds is no reason to
fail: :func:`choose_web_port` keeps the port the project's ``web`` container already has
(no needless recreate), else takes 8000 when free, else the next free one -- with one line
that says so. ``WEB_PORT`` given by the user (environment or ``.env``) is never changed.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker

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
    from dockdjango.engine.project.host_ports import host_ports_in_use, service_host_port

    taken = host_ports_in_use(client)
    local = engine_is_local()

    def free(port: int) -> bool:
        return port not in taken and (not local or local_port_free(port))

    current = service_host_port(client, project, service, target)
    if current is not None and (current[1] or free(current[0])):
        port = current[0]
        if port == default:
            return port, None
        return port, (
            f"{service} keeps 127.0.0.1:{port}, where it was published before "
            "(set WEB_PORT to choose)"
        )
    if free(default):
        return default, None
    for port in range(default + 1, default + SEARCH):
        if free(port):
            return port, (
                f"port {default} is in use by another program: {service} publishes on "
                f"127.0.0.1:{port} instead (set WEB_PORT to choose)"
            )
    return default, None  # none free nearby: `up` says which port is in use


def web_port_given(environ: Mapping[str, str], dotenv: Mapping[str, str | None]) -> bool:
    """True when the user chose the port (``WEB_PORT`` in the environment or ``.env``)."""
    return bool(environ.get("WEB_PORT") or dotenv.get("WEB_PORT"))
