"""The one place a Docker client is created.

Honours ``DOCKER_HOST`` (and ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``), then the docker
CLI's current context, then the platform default socket; negotiates the API version with
the daemon (Debian's Engine 20.10 speaks 1.41). When nothing answers, raises
:class:`EngineUnavailable` naming the address tried.
"""

from __future__ import annotations

import os

import docker
from docker.constants import DEFAULT_DOCKER_API_VERSION, MINIMUM_DOCKER_API_VERSION
from docker.errors import DockerException
from requests.exceptions import RequestException

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
    """Return a client whose daemon answered a ping, or raise :class:`EngineUnavailable`.

    The API version is negotiated from the ping's ``API-Version`` header, as the docker CLI
    does, rather than by the SDK's ``version="auto"``, which asks ``/version`` -- a slower
    call (the daemon collects its components' versions) that every command would pay."""
    address = engine_address()
    try:
        probe = _client(address, MINIMUM_DOCKER_API_VERSION, timeout)
        answer = probe.api.get(f"{probe.api.base_url}/_ping", timeout=timeout)
        if answer.status_code != 200:
            raise DockerException(f"the engine answered the ping with {answer.status_code}")
        offered = answer.headers.get("API-Version") or MINIMUM_DOCKER_API_VERSION
        client = _client(address, _lower(offered, DEFAULT_DOCKER_API_VERSION), timeout)
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


def _lower(one: str, other: str) -> str:
    """The lower of two API versions (``1.41``)."""
    return min(one, other, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))


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
