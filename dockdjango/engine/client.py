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
from typing import Any

import docker
from docker.constants import DEFAULT_DOCKER_API_VERSION, MINIMUM_DOCKER_API_VERSION
from docker.errors import DockerException
from requests.exceptions import RequestException

from dockdjango.engine.address import (
    DEFAULT_SOCKET,
    LOCATION_VAR,
    EngineInfo,
    engine_address,
    engine_info,
    lower_api_version,
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
    """Return a client whose daemon answered a ping, or raise :class:`EngineUnavailable`.

    One ping does both jobs: its ``API-Version`` header sets the version the client speaks
    (as the docker CLI negotiates it; the SDK's ``version="auto"`` would ask ``/version``,
    the slow call), and its headers say which engine answers."""
    address = engine_address()
    try:
        probe = _client(address, MINIMUM_DOCKER_API_VERSION, timeout)
        response = _ping(probe)
        offered = response.headers.get("API-Version") or MINIMUM_DOCKER_API_VERSION
        client = _client(address, lower_api_version(offered, DEFAULT_DOCKER_API_VERSION), timeout)
        _keep(client, response.headers, address)
    except DockerException as exc:
        raise EngineUnavailable(address, _reason(exc)) from None
    except (OSError, RequestException) as exc:
        raise EngineUnavailable(address, getattr(exc, "strerror", None) or _reason(exc)) from None
    return client


def _client(address: str, version: str, timeout: int) -> docker.DockerClient:
    """A client for ``address`` speaking API ``version`` (no request is made)."""
    if os.environ.get("DOCKER_HOST"):
        return docker.from_env(version=version, timeout=timeout)
    return docker.DockerClient(base_url=address, version=version, timeout=timeout)


def describe_engine(client: docker.DockerClient) -> EngineInfo:
    """Which engine ``client`` talks to (from the ping :func:`connect` made, else one now)."""
    info = getattr(client, _INFO_ATTR, None)
    if isinstance(info, EngineInfo):
        return info
    return _keep(client, _ping(client).headers, str(client.api.base_url))


def _ping(client: docker.DockerClient) -> Any:
    """The engine's answer to ``/_ping`` (raising as ``ping()`` does)."""
    api = client.api
    response = api._get(api._url("/_ping"))
    api._raise_for_status(response)
    return response


def _keep(client: docker.DockerClient, headers: Any, address: str) -> EngineInfo:
    """Keep with the client what the ping's headers say about the engine."""
    info = engine_info(headers, _shown(address), os.environ.get(LOCATION_VAR))
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
