"""HTTP/1.1 over a unix socket: the little of HTTP the Engine API's reads need, and the
body-less ``POST``/``DELETE`` of stopping and removing.

The standard library's ``http.client`` would do, but it imports the ``email`` package and
``ssl`` to parse headers (about 15 ms of a command's start-up that asks the engine one
thing); the engine's answers need only a status line, headers, and a body sized by
``Content-Length``, sent in chunks, or running to the connection's end.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import BinaryIO

#: the most of a status or header line we read (the engine's are short)
_LINE = 65536


class Closed(ConnectionError):
    """The engine closed the connection before it answered (a kept-alive one it dropped)."""


class Response:
    """An answer: ``status``, ``reason``, ``headers`` (names in lower case) and its body,
    read whole (:meth:`read`) or as it arrives (:meth:`chunks`), once."""

    def __init__(self, status: int, reason: str, headers: dict[str, str], body: BinaryIO):
        self.status = status
        self.reason = reason
        self.headers = headers
        self._body = body
        #: False when the body runs to the connection's end: it cannot carry another request
        self.reusable = headers.get("connection", "").lower() != "close" and (
            "content-length" in headers or self._chunked or status in (204, 304)
        )

    @property
    def _chunked(self) -> bool:
        return "chunked" in self.headers.get("transfer-encoding", "").lower()

    def chunks(self) -> Iterator[bytes]:
        """The body, piece by piece as the engine sends it."""
        if self.status in (204, 304):
            return
        if self._chunked:
            yield from self._dechunked()
        elif "content-length" in self.headers:
            left = int(self.headers["content-length"])
            while left > 0:
                piece = self._body.read(min(left, 65536))
                if not piece:
                    raise Closed("the answer ended early")
                left -= len(piece)
                yield piece
        else:
            while piece := self._body.read1(65536):  # type: ignore[attr-defined]
                yield piece

    def _dechunked(self) -> Iterator[bytes]:
        while True:
            size_line = self._body.readline(_LINE)
            if not size_line:
                raise Closed("the answer ended early")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self._body.readline(_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            data = self._body.read(size)
            if len(data) < size:
                raise Closed("the answer ended early")
            self._body.readline(_LINE)  # the CRLF after each chunk
            yield data

    def read(self) -> bytes:
        """The whole body."""
        return b"".join(self.chunks())


class UnixHTTP:
    """One HTTP/1.1 connection to a unix socket, kept alive between requests; each
    answer's body must be read before the next request."""

    def __init__(self, path: str, timeout: float | None) -> None:
        self.path = path
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._file: BinaryIO | None = None

    def get(self, target: str) -> Response:
        """Send ``GET target`` and read the answer's status line and headers."""
        return self.request("GET", target)

    def request(self, method: str, target: str) -> Response:
        """Send ``method target`` (with no body) and read the answer's status line and
        headers."""
        if self._sock is None or self._file is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            self._sock, self._file = sock, sock.makefile("rb")
        empty = "" if method == "GET" else "Content-Length: 0\r\n"
        head = f"{method} {target} HTTP/1.1\r\nHost: docker\r\n{empty}\r\n"
        self._sock.sendall(head.encode("ascii"))
        status_line = self._file.readline(_LINE)
        if not status_line:
            raise Closed("the engine closed the connection")
        _, status, reason = (status_line.decode("latin-1").rstrip("\r\n").split(" ", 2) + [""])[:3]
        headers: dict[str, str] = {}
        while (line := self._file.readline(_LINE)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return Response(int(status), reason, headers, self._file)

    def close(self) -> None:
        """Close the connection (a later request opens another)."""
        if self._file is not None:
            self._file.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._file = None
