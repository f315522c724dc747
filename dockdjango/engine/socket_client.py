"""A small Engine API client over the local unix socket, for the commands that only read.

``ps``, ``logs``, ``port`` and ``version`` make one to three GET requests; importing the
Docker SDK (and requests, urllib3) costs several times what they do. This client speaks
HTTP/1.1 over ``AF_UNIX`` with the standard library and JSON, and only where its answer
is the SDK's: Docker (not Podman) on a unix socket named by ``DOCKER_HOST`` or the default
one, with no docker CLI context selected. Anywhere else -- ``tcp://``, ``ssh://``, a
context, Podman, a socket that does not answer -- :func:`open_local` returns None and the
caller takes the SDK's path, whose messages (an unreachable engine included) stay as
they are. It imports nothing from ``docker`` (``tests/cli/test_import_budget.py``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import struct
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from dockdjango.engine.address import (
    LOCATION_VAR,
    EngineInfo,
    default_socket,
    engine_info,
    lower_api_version,
)
from dockdjango.errors import EngineError, EngineUnavailable

#: The Docker SDK's ``DEFAULT_DOCKER_API_VERSION`` and ``MINIMUM_DOCKER_API_VERSION``:
#: the versions the SDK's client speaks at most and at least (a test compares them).
SDK_API_VERSION = "1.45"
SDK_MINIMUM_API_VERSION = "1.24"

#: what a kept-alive connection the engine has closed meanwhile raises on reuse
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)

#: A multiplexed log frame's header: stream (1 stdout, 2 stderr), 3 zero bytes, length.
_FRAME = struct.Struct(">BxxxL")


class _UnixConnection(http.client.HTTPConnection):
    """An HTTP connection whose transport is a unix socket."""

    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def local_socket(environ: Mapping[str, str] = os.environ) -> str | None:
    """The unix socket path the SDK would connect to, when this client can stand in for
    it; None for ``tcp://``/``ssh://``/``npipe://`` and for a docker CLI context."""
    host = environ.get("DOCKER_HOST")
    if host:
        return host.removeprefix("unix://") if host.startswith("unix:///") else None
    if environ.get("DOCKER_CONTEXT", "default") != "default" or _context_selected(environ):
        return None
    return default_socket().removeprefix("unix://")


def _context_selected(environ: Mapping[str, str]) -> bool:
    """Whether the docker CLI's config names a current context other than ``default``
    (an unreadable config counts as one: the SDK's path decides what it means)."""
    folder = environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current not in (None, "", "default")


class SocketEngine:
    """A Docker engine on a local unix socket, reached without the SDK (see the module
    docstring). ``info`` is what its ``/_ping`` said, as the SDK's client keeps it."""

    def __init__(self, path: str, info: EngineInfo, api: str, timeout: float = 120) -> None:
        self.path = path
        self.info = info
        self._prefix = f"/v{api}"
        self._timeout = timeout
        self._conn: _UnixConnection | None = None

    def _request(
        self, path: str, params: Mapping[str, Any] | None = None, *, conn: _UnixConnection | None
    ) -> http.client.HTTPResponse:
        """GET ``path`` (under the negotiated API version); raise EngineError on a refusal."""
        query = f"?{urlencode(params)}" if params else ""
        kept = conn is None
        for attempt in (1, 2):
            if kept:
                if self._conn is None:
                    self._conn = _UnixConnection(self.path, self._timeout)
                conn = self._conn
            assert conn is not None
            try:
                conn.request("GET", f"{self._prefix}{path}{query}", headers={"Host": "docker"})
                response = conn.getresponse()
                break
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if kept and attempt == 1 and isinstance(exc, _STALE):
                    self._conn = None  # the engine closed the kept connection: a new one
                    continue
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise EngineUnavailable(self.info.address, reason.lower()) from None
        if response.status >= 400:
            body = response.read()
            raise EngineError(f"the engine refused: {_message(body, response.reason)}")
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON answer to ``GET path``."""
        return json.loads(self._request(path, params, conn=None).read() or b"null")

    def containers(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every container (running or not) matching ``filters``, as ``GET /containers/json``
        summarises them (what the SDK's ``api.containers(all=True)`` returns)."""
        found = self.get_json("/containers/json", {"all": 1, "filters": json.dumps(filters)})
        return list(found or [])

    def version(self) -> dict[str, Any]:
        """``GET /version``: the engine's own account of its versions."""
        return dict(self.get_json("/version"))

    def logs(self, container: str, tail: int | str = "all") -> bytes:
        """A container's output so far, stdout and stderr as the engine interleaved them,
        every line stamped (what the SDK's ``api.logs(timestamps=True)`` returns)."""
        path = f"/containers/{quote(container)}/logs"
        response = self._request(path, _log_params(tail, False), conn=None)
        return b"".join(log_payloads(iter([response.read()])))

    def follow_logs(self, container: str, tail: int | str = "all") -> Iterator[bytes]:
        """A container's output as it arrives (stamped), until the container stops; on a
        connection of its own, so several containers can be followed at once."""
        conn = _UnixConnection(self.path, timeout=None)  # a followed stream may be quiet for long
        try:
            response = self._request(
                f"/containers/{quote(container)}/logs", _log_params(tail, True), conn=conn
            )
            yield from log_payloads(_chunks(response))
        finally:
            conn.close()

    def close(self) -> None:
        """Close the kept connection (a later request opens another)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _log_params(tail: int | str, follow: bool) -> dict[str, Any]:
    return {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": int(follow), "tail": tail}


def _chunks(response: http.client.HTTPResponse) -> Iterator[bytes]:
    """What a streamed answer holds, as soon as each piece arrives."""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            return
        yield chunk


def log_payloads(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The output in a logs answer: the payloads of a multiplexed stream (a container
    without a terminal), or the bytes themselves (one with a terminal: a raw stream).

    Which one it is shows in the first byte: logs are asked with timestamps, so a raw
    stream starts with a digit, a multiplexed one with a frame header (stream 0, 1 or 2
    and three zero bytes)."""
    buffer = b""
    framed: bool | None = None
    for chunk in chunks:
        buffer += chunk
        if framed is None:
            if len(buffer) < 4 and buffer[:1] in (b"\x00", b"\x01", b"\x02"):
                continue  # not enough to tell yet
            framed = buffer[:1] in (b"\x00", b"\x01", b"\x02") and buffer[1:4] == b"\x00\x00\x00"
        if not framed:
            yield buffer
            buffer = b""
            continue
        while len(buffer) >= _FRAME.size:
            _, size = _FRAME.unpack_from(buffer)
            if len(buffer) < _FRAME.size + size:
                break
            yield buffer[_FRAME.size : _FRAME.size + size]
            buffer = buffer[_FRAME.size + size :]
    if buffer and not framed:
        yield buffer


def _message(body: bytes, reason: str) -> str:
    """The first line of the engine's ``{"message": ...}``, else the HTTP reason."""
    try:
        text = str(json.loads(body).get("message") or "")
    except (ValueError, AttributeError):
        text = body.decode("utf-8", "replace")
    text = text.strip()
    return text.splitlines()[0] if text else reason or "no details"


def open_local(environ: Mapping[str, str] = os.environ) -> SocketEngine | None:
    """A :class:`SocketEngine` for the Docker engine on the local socket the SDK would use,
    after one ``/_ping`` (which also negotiates the API version, as the SDK's client
    does); None where the SDK must answer instead (see the module docstring)."""
    path = local_socket(environ)
    if path is None:
        return None
    conn = _UnixConnection(path, timeout=120)
    try:
        conn.request("GET", "/_ping", headers={"Host": "docker"})
        response = conn.getresponse()
        response.read()
    except OSError:
        conn.close()
        return None  # the SDK's path says why, in its words
    headers = {k.lower(): v for k, v in response.getheaders()}
    info = engine_info(headers, f"unix://{path}", environ.get(LOCATION_VAR))
    if response.status != 200 or info.kind != "docker":
        conn.close()
        return None
    offered = headers.get("api-version") or SDK_MINIMUM_API_VERSION
    engine = SocketEngine(path, info, lower_api_version(offered, SDK_API_VERSION))
    engine._conn = conn  # the ping's connection is kept alive for what follows
    return engine
