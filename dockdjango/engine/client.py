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

from dockdjango.errors import EngineUnavailable

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def engine_address() -> str:
    """The address a client would connect to, for messages and for connecting."""
    host = os.environ.get("DOCKER_HOST")
    if host:
        return host
    try:  # Docker Desktop and rootless setups put the socket elsewhere and name it in a context
        from docker.context import ContextAPI

        ctx = ContextAPI.get_current_context()
        if ctx is not None and ctx.Host:
            return str(ctx.Host)
    except Exception:  # a broken ~/.docker/config.json must not stop us from trying the default
        pass
    return DEFAULT_SOCKET


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


def engine_version(client: docker.DockerClient) -> tuple[str, str]:
    """(engine version, API version) as the daemon reports them."""
    info = client.version()
    return str(info.get("Version", "?")), str(info.get("ApiVersion", "?"))
