"""The one place a Docker client is created, and where it learns which engine answers.

Honours ``DOCKER_HOST`` (and ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``), then the docker
CLI's current context, then the platform default socket (Podman's when only Podman is
there); negotiates the API version with the daemon (Debian's Engine 20.10 and Podman 4.3
speak 1.41). When nothing answers, raises :class:`EngineUnavailable` naming the address
tried. The first ``/_ping`` also says what the engine is (its headers name Docker or
Podman, and Podman's builder): that :class:`EngineInfo` is kept with the client, so no
hot path asks ``/version`` (0.4 s on Podman, which runs its runtimes to answer it).
"""

from __future__ import annotations

import os

import docker
from docker.errors import DockerException

from dockdjango.engine.address import (
    DEFAULT_SOCKET,
    LOCATION_VAR,
    EngineInfo,
    engine_address,
    engine_info,
)
from dockdjango.engine.failures import translate_errors
from dockdjango.errors import EngineUnavailable

__all__ = [
    "DEFAULT_SOCKET",
    "DockerClient",
    "EngineInfo",
    "connect",
    "describe_engine",
    "engine_address",
    "engine_version",
    "sdk_version",
]

#: Where a client keeps the :class:`EngineInfo` its first ping gave.
_INFO_ATTR = "_dockdjango_engine"

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
        _identify(client, address)
    except DockerException as exc:
        raise EngineUnavailable(address, _reason(exc)) from None
    except OSError as exc:
        raise EngineUnavailable(address, exc.strerror or str(exc)) from None
    return client


def describe_engine(client: docker.DockerClient) -> EngineInfo:
    """Which engine ``client`` talks to (from the ping :func:`connect` made, else one now)."""
    info = getattr(client, _INFO_ATTR, None)
    if isinstance(info, EngineInfo):
        return info
    return _identify(client, str(client.api.base_url))


def _identify(client: docker.DockerClient, address: str) -> EngineInfo:
    """Ping the engine (raising as ``ping()`` does) and keep what its headers say."""
    api = client.api
    response = api._get(api._url("/_ping"))
    api._raise_for_status(response)
    info = engine_info(response.headers, _shown(address), os.environ.get(LOCATION_VAR))
    setattr(client, _INFO_ATTR, info)
    return info


def _shown(address: str) -> str:
    # the SDK rewrites unix:// to http+docker://; messages show what the user wrote
    return address.replace("http+docker://localhost", DEFAULT_SOCKET)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "paramiko" in text:  # docker-py's ssh:// transport without its optional dependency
        return "ssh:// needs paramiko: pip install 'dockdjango[ssh]'"
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
    """(engine version, API version) as the engine's ping reported them."""
    info = describe_engine(client)
    return info.version, info.api
