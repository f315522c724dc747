"""A small Engine API client over the local unix socket, for the commands that read the
containers and those that stop and remove them.

``ps``, ``logs``, ``port`` and ``version`` make one to three GET requests (``stop`` and
``down`` a POST or DELETE per container, network and volume besides); importing the
Docker SDK (and requests, urllib3) costs several times what they do. This client speaks
HTTP/1.1 over ``AF_UNIX`` (``unix_http``) and JSON, and only where its answer
is the SDK's: Docker (not Podman) on a unix socket named by ``DOCKER_HOST`` or the default
one, with no docker CLI context selected. Anywhere else -- ``tcp://``, ``ssh://``, a
context, Podman, a socket that does not answer -- :func:`open_local` returns None and the
caller takes the SDK's path, whose messages (an unreachable engine included) stay as
they are. It imports nothing from ``docker`` (``tests/cli/test_import_budget.py``).
"""

from __future__ import annotations

import json
import os
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
from dockdjango.engine.unix_http import Closed, Response, UnixHTTP
from dockdjango.errors import EngineError, EngineUnavailable

#: The Docker SDK's ``DEFAULT_DOCKER_API_VERSION`` and ``MINIMUM_DOCKER_API_VERSION``:
#: the versions the SDK's client speaks at most and at least (a test compares them).
SDK_API_VERSION = "1.45"
SDK_MINIMUM_API_VERSION = "1.24"

#: what a kept-alive connection the engine has closed meanwhile raises on reuse
_STALE = (Closed, BrokenPipeError, ConnectionResetError)

#: A multiplexed log frame's header: stream (1 stdout, 2 stderr), 3 zero bytes, length.
_FRAME = struct.Struct(">BxxxL")


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
        #: kept alive between requests (the ping's, when :func:`open_local` made it)
        self.connection = UnixHTTP(path, timeout)

    def _answer(self, path: str, params: Mapping[str, Any] | None, conn: UnixHTTP) -> Response:
        """GET ``path`` (under the negotiated API version) on ``conn``; a kept connection
        the engine closed meanwhile is opened again, once. Raises EngineError on a refusal."""
        query = f"?{urlencode(params)}" if params else ""
        for attempt in (1, 2):
            try:
                response = conn.get(f"{self._prefix}{path}{query}")
                break
            except OSError as exc:
                conn.close()
                if attempt == 2 or conn is not self.connection or not isinstance(exc, _STALE):
                    raise self._unavailable(exc) from None
        if response.status >= 400:
            body = response.read()
            raise EngineError(f"the engine refused: {_message(body, response.reason)}")
        return response

    def _unavailable(self, exc: OSError) -> EngineUnavailable:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return EngineUnavailable(self.info.address, reason.lower())

    def _read(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """The whole body of the answer to ``GET path``, on the kept connection."""
        try:
            response = self._answer(path, params, self.connection)
            body = response.read()
        except OSError as exc:
            self.connection.close()
            raise self._unavailable(exc) from None
        if not response.reusable:
            self.connection.close()
        return body

    def containers(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every container (running or not) matching ``filters``, as ``GET /containers/json``
        summarises them (what the SDK's ``api.containers(all=True)`` returns)."""
        body = self._read("/containers/json", {"all": 1, "filters": json.dumps(filters)})
        return list(json.loads(body or b"null") or [])

    def logs(self, container: str, tail: int | str = "all") -> bytes:
        """A container's output so far, stdout and stderr as the engine interleaved them,
        every line stamped (what the SDK's ``api.logs(timestamps=True)`` returns)."""
        body = self._read(f"/containers/{quote(container)}/logs", _log_params(tail, False))
        return b"".join(log_payloads(iter([body])))

    def follow_logs(self, container: str, tail: int | str = "all") -> Iterator[bytes]:
        """A container's output as it arrives (stamped), until the container stops; on a
        connection of its own, so several containers can be followed at once."""
        conn = UnixHTTP(self.path, timeout=None)  # a followed stream may be quiet for long
        try:
            path = f"/containers/{quote(container)}/logs"
            yield from log_payloads(self._answer(path, _log_params(tail, True), conn).chunks())
        finally:
            conn.close()

    # -- stopping and removing (the teardown module's Operations) ---------------------

    def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, timeout: float | None
    ) -> tuple[int, str]:
        """``method path`` on a connection of its own (several run at once): the status
        and, for a refusal, the engine's explanation."""
        conn = UnixHTTP(self.path, timeout)
        query = f"?{urlencode(params)}" if params else ""
        try:
            response = conn.request(method, f"{self._prefix}{path}{query}")
            body = response.read()
        except OSError as exc:
            raise self._unavailable(exc) from None
        finally:
            conn.close()
        return response.status, (_explanation(body) if response.status >= 400 else "")

    @staticmethod
    def _refused(explanation: str) -> EngineError:
        lines = explanation.strip().splitlines()
        return EngineError(f"the engine refused: {lines[0] if lines else 'no details'}")

    def stop_container(self, container: str, timeout: int | None) -> bool:
        """Stop it (already stopping or stopped counts as done); False when it is gone.
        No read timeout: the engine ends the stop by the container's grace period."""
        params = None if timeout is None else {"t": timeout}
        status, why = self._send("POST", f"/containers/{quote(container)}/stop", params, None)
        if status == 404:
            return False
        if status >= 400 and status != 409:
            raise self._refused(why)
        return True

    def remove_container(self, container: str, volumes: bool) -> bool:
        """Remove it by force (``volumes``: its anonymous volumes too); False when gone."""
        params = {"v": int(volumes), "link": 0, "force": 1}
        status, why = self._send("DELETE", f"/containers/{quote(container)}", params, 120)
        if status == 404:
            return False
        if status >= 400 and not (status == 409 and "already in progress" in why):
            raise self._refused(why)
        return True

    def start_container(self, container: str) -> str | None:
        """Start it (already running counts as done): None, else the engine's explanation."""
        status, why = self._send("POST", f"/containers/{quote(container)}/start", None, 120)
        return (why or "no details") if status >= 400 else None

    def networks(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every network matching ``filters``."""
        return list(json.loads(self._read("/networks", {"filters": json.dumps(filters)})) or [])

    def remove_network(self, network: str) -> str | None:
        """Remove it: None when removed, "" when gone, else the engine's explanation."""
        return _removed(*self._send("DELETE", f"/networks/{quote(network)}", None, 120))

    def volumes(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Every volume matching ``filters``."""
        answer = json.loads(self._read("/volumes", {"filters": json.dumps(filters)})) or {}
        return list(answer.get("Volumes") or [])

    def remove_volume(self, name: str) -> str | None:
        """Remove it: None when removed, "" when gone, else the engine's explanation."""
        return _removed(*self._send("DELETE", f"/volumes/{quote(name)}", None, 120))

    def close(self) -> None:
        """Close the kept connection (a later request opens another)."""
        self.connection.close()


def _log_params(tail: int | str, follow: bool) -> dict[str, Any]:
    return {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": int(follow), "tail": tail}


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


def _removed(status: int, explanation: str) -> str | None:
    return "" if status == 404 else (explanation or "no details") if status >= 400 else None


def _explanation(body: bytes) -> str:
    """The engine's whole ``{"message": ...}`` (the SDK's ``APIError.explanation``)."""
    try:
        return str(json.loads(body).get("message") or "")
    except (ValueError, AttributeError):
        return body.decode("utf-8", "replace")


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
    conn = UnixHTTP(path, timeout=120)
    try:
        response = conn.get("/_ping")
        response.read()
    except OSError:
        conn.close()
        return None  # the SDK's path says why, in its words
    info = engine_info(response.headers, f"unix://{path}", environ.get(LOCATION_VAR))
    if response.status != 200 or info.kind != "docker":
        conn.close()
        return None
    offered = response.headers.get("api-version") or SDK_MINIMUM_API_VERSION
    engine = SocketEngine(path, info, lower_api_version(offered, SDK_API_VERSION))
    engine.connection = conn  # the ping's connection is kept alive for what follows
    return engine
