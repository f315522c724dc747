"""Decoding BuildKit's progress messages (``moby.buildkit.trace``) from a build's JSON stream.

With ``POST /build?version=2`` the engine streams ``{"id": "moby.buildkit.trace", "aux":
"<base64>"}`` lines; each ``aux`` is one protobuf ``moby.buildkit.v1.StatusResponse`` from
BuildKit's ``control.proto``::

    StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2;
                     repeated VertexLog logs = 3; }
    Vertex         { string digest = 1; repeated string inputs = 2; string name = 3;
                     bool cached = 4; Timestamp started = 5; Timestamp completed = 6;
                     string error = 7; }
    VertexStatus   { string ID = 1; string vertex = 2; string name = 3; int64 current = 4;
                     int64 total = 5; ... }
    VertexLog      { string vertex = 1; Timestamp timestamp = 2; int64 stream = 3;
                     bytes msg = 4; }
    Timestamp      { int64 seconds = 1; int32 nanos = 2; }

Only these fields are read, with a small decoder of the protobuf wire format (varints and
length-delimited fields; other wire types are skipped), so no generated code and no
protobuf runtime is needed for a handful of fields. Unknown fields are ignored, as protobuf
readers do, so newer BuildKit versions decode too. Pure: no engine, no I/O.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field


class DecodeError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass
class Vertex:
    """One node of the build graph as BuildKit reports it (a step, or internal work)."""

    digest: str
    name: str = ""
    inputs: list[str] = field(default_factory=list)
    cached: bool = False
    started: float | None = None
    completed: float | None = None
    error: str = ""


@dataclass
class VertexStatus:
    """Progress of a sub-task of a vertex (a transfer, an export): ``current`` of ``total``."""

    id: str
    vertex: str
    name: str = ""
    current: int = 0
    total: int = 0


@dataclass
class VertexLog:
    """Output a vertex wrote (``stream`` 1 = stdout, 2 = stderr)."""

    vertex: str
    stream: int
    data: bytes


@dataclass
class StatusUpdate:
    """One ``StatusResponse``: updated vertexes, statuses and new log output."""

    vertexes: list[Vertex] = field(default_factory=list)
    statuses: list[VertexStatus] = field(default_factory=list)
    logs: list[VertexLog] = field(default_factory=list)


def decode_trace(aux: str) -> StatusUpdate:
    """Decode the base64 ``aux`` of a ``moby.buildkit.trace`` message."""
    try:
        raw = base64.b64decode(aux, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError(f"not base64: {exc}") from None
    return decode_status(raw)


def decode_status(data: bytes) -> StatusUpdate:
    """Decode a serialized ``StatusResponse``."""
    update = StatusUpdate()
    for number, value in _fields(data):
        if not isinstance(value, bytes):
            continue
        if number == 1:
            update.vertexes.append(_vertex(value))
        elif number == 2:
            update.statuses.append(_status(value))
        elif number == 3:
            update.logs.append(_log(value))
    return update


def _vertex(data: bytes) -> Vertex:
    v = Vertex(digest="")
    for number, value in _fields(data):
        if number == 1:
            v.digest = _text(value)
        elif number == 2:
            v.inputs.append(_text(value))
        elif number == 3:
            v.name = _text(value)
        elif number == 4:
            v.cached = bool(value)
        elif number == 5:
            v.started = _timestamp(value)
        elif number == 6:
            v.completed = _timestamp(value)
        elif number == 7:
            v.error = _text(value)
    return v


def _status(data: bytes) -> VertexStatus:
    s = VertexStatus(id="", vertex="")
    for number, value in _fields(data):
        if number == 1:
            s.id = _text(value)
        elif number == 2:
            s.vertex = _text(value)
        elif number == 3:
            s.name = _text(value)
        elif number == 4 and isinstance(value, int):
            s.current = value
        elif number == 5 and isinstance(value, int):
            s.total = value
    return s


def _log(data: bytes) -> VertexLog:
    log = VertexLog(vertex="", stream=1, data=b"")
    for number, value in _fields(data):
        if number == 1:
            log.vertex = _text(value)
        elif number == 3 and isinstance(value, int):
            log.stream = value
        elif number == 4 and isinstance(value, bytes):
            log.data = value
    return log


def _timestamp(value: int | bytes) -> float | None:
    if not isinstance(value, bytes):
        return None
    seconds = nanos = 0
    for number, part in _fields(value):
        if number == 1 and isinstance(part, int):
            seconds = part
        elif number == 2 and isinstance(part, int):
            nanos = part
    return seconds + nanos / 1e9


def _text(value: int | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) pairs: an int for varints, bytes for length-delimited fields."""
    pos = 0
    end = len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0")
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > end:
                raise DecodeError("length-delimited field runs past the end")
            yield number, data[pos : pos + size]
            pos += size
        elif wire == 1:
            pos += 8  # fixed64: none of the fields read here
        elif wire == 5:
            pos += 4  # fixed32
        else:
            raise DecodeError(f"unsupported wire type {wire}")
    if pos != end:
        raise DecodeError("truncated fixed-size field")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise DecodeError("varint longer than 10 bytes")
