"""Where the Docker engine is: ``DOCKER_HOST``, the docker CLI's context, or the default."""

from __future__ import annotations

import os

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
