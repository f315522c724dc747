"""The one place a Docker client is created.

Honours ``DOCKER_HOST`` (and ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``), then the docker
CLI's current context, then the platform default socket; negotiates the API version with
the daemon (Debian's Engine 20.10 speaks 1.41). When nothing answers, raises
:class:`EngineUnavailable` naming the address tried.
"""

from __future__ import annotations

import os

import docker
from docker.errors import DockerException

from dockdjango.engine.address import DEFAULT_SOCKET, engine_address
from dockdjango.engine.failures import translate_errors
from dockdjango.errors import EngineUnavailable

__all__ = [
    "DEFAULT_SOCKET",
    "DockerClient",
    "connect",
    "engine_address",
    "engine_version",
    "sdk_version",
]

#: The client type, for annotations outside the engine (which never import ``docker``).
DockerClient = docker.DockerClient


def connect(timeout: int = 120) -> docker.DockerClient:
    """Return a client whose daemon answered a ping, or raise :class:`EngineUnavailable`."""
    address = engine_address()
    try:
        if os.environ.get("DOCKER_HOST"):
            client = docker.from_env(version="auto", timeout=timeout)
        else:
            client = docker.DockerClient(base_url=address, version="auto", timeout=timeout)
        client.ping()
    except DockerException as exc:
        raise EngineUnavailable(address, _reason(exc)) from None
    except OSError as exc:
        raise EngineUnavailable(address, exc.strerror or str(exc)) from None
    return client


def _reason(exc: Exception) -> str:
    text = str(exc)
    for known in ("No such file or directory", "Connection refused", "Permission denied"):
        if known in text:
            return known.lower()
    return text.splitlines()[0][:160] if text else type(exc).__name__


@translate_errors
def sdk_version() -> str:
    """The Docker SDK for Python's version."""
    return str(docker.__version__)


@translate_errors
def engine_version(client: docker.DockerClient) -> tuple[str, str]:
    """(engine version, API version) as the daemon reports them."""
    info = client.version()
    return str(info.get("Version", "?")), str(info.get("ApiVersion", "?"))
