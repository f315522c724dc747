"""Where the engine is and what it is: ``DOCKER_HOST``, the docker CLI's context, or the
default socket; Docker or Podman (from the headers of its ``/_ping``); local or remote.

Pure: nothing here talks to an engine, so the rules are tested without one.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
#: Set to ``local`` or ``remote`` when the address cannot show it: a tcp tunnel to another
#: machine is remote, Docker Desktop over tcp on this machine is local.
LOCATION_VAR = "DOCKDJANGO_ENGINE"


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
    return default_socket()


def default_socket(exists: Callable[[str], bool] = os.path.exists) -> str:
    """Docker's socket; Podman's (rootful, then the user's) when only Podman is installed."""
    if exists(DEFAULT_SOCKET.removeprefix("unix://")):
        return DEFAULT_SOCKET
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    for path in ("/run/podman/podman.sock", f"{runtime}/podman/podman.sock" if runtime else ""):
        if path and exists(path):
            return f"unix://{path}"
    return DEFAULT_SOCKET


def engine_location(address: str, override: str | None = None) -> tuple[bool, str]:
    """(remote, why): whether an engine at ``address`` sees another machine's files.

    ``ssh://`` is always remote (even ``ssh://me@127.0.0.1``: the engine is reached as
    another user, who may not read this checkout); ``tcp://``/``https://`` are remote unless
    the host is this machine's loopback; unix sockets and named pipes are local.
    ``override`` (``DOCKDJANGO_ENGINE``) wins when it says ``local`` or ``remote``.
    """
    if override in ("local", "remote"):
        return override == "remote", f"{LOCATION_VAR}={override}"
    parts = urlsplit(address)
    scheme = parts.scheme.lower()
    if scheme == "ssh":
        return True, f"reached over ssh ({address})"
    if scheme in ("tcp", "http", "https"):
        host = parts.hostname or ""
        if host == "localhost" or _loopback(host):
            return False, f"{address} is this machine"
        return True, f"{host} is another machine"
    return False, f"{address} is a local socket"


def lower_api_version(one: str, other: str) -> str:
    """The lower of two Engine API versions (``1.41``)."""
    return min(one, other, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: ``Docker/20.10.24+dfsg1 (linux)``, ``Libpod/4.3.1 (linux)``
_SERVER_RE = re.compile(r"^(?P<product>[A-Za-z-]+)/(?P<version>\S+)")


@dataclass(frozen=True)
class EngineInfo:
    """Which engine answers, as its ping says: Docker or Podman, its version, the API it
    speaks, the builder behind ``POST /build`` and whether it is on another machine."""

    kind: str  # "docker" | "podman"
    version: str
    api: str
    #: "buildkit" (Docker's ``/build?version=2``) or "buildah" (Podman's, classic stream)
    builder: str
    builder_version: str = ""
    address: str = DEFAULT_SOCKET
    remote: bool = False
    #: why the engine counts as remote or local, for messages
    location: str = ""

    @property
    def name(self) -> str:
        """``Docker engine 20.10.24+dfsg1`` or ``Podman 4.3.1``."""
        product = "Podman" if self.kind == "podman" else "Docker engine"
        return f"{product} {self.version}"

    def describe(self) -> str:
        """One line for ``up``, ``base`` and ``version``: what answers, where, and how."""
        extra = f"Docker API {self.api}"
        if self.kind == "podman":
            extra += f", buildah {self.builder_version or '?'}"
        where = "remote, " if self.remote else ""
        return f"{self.name} ({extra}, {where}{self.address})"

    @property
    def is_podman(self) -> bool:
        """Podman's Docker-compatible service (see docs: the differences it brings)."""
        return self.kind == "podman"


def engine_info(
    headers: Mapping[str, str], address: str, override: str | None = None
) -> EngineInfo:
    """What the headers of a ``GET /_ping`` answer say about the engine at ``address``."""
    lower = {k.lower(): v for k, v in headers.items()}
    server = _SERVER_RE.match(lower.get("server", ""))
    product = server.group("product").lower() if server else ""
    version = server.group("version") if server else "?"
    podman = product == "libpod" or "libpod-api-version" in lower
    remote, why = engine_location(address, override)
    return EngineInfo(
        kind="podman" if podman else "docker",
        version=lower.get("libpod-api-version", version) if podman else version,
        api=lower.get("api-version", "?"),
        builder="buildah" if podman else "buildkit",
        builder_version=lower.get("libpod-buildah-version", ""),
        address=address,
        remote=remote,
        location=why,
    )
