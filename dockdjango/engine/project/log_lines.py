"""Container output, merged across containers and prefixed, or followed: pure over how
a container's output is fetched, so the SDK's path (``logs``) and the socket client's
(``dockdjango.api.local_engine``) share it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dockdjango.engine import labels as L

#: a container summary and the tail asked -> its stamped output so far
Fetch = Callable[[dict[str, Any], Any], bytes]
#: a container summary and the tail asked -> its stamped output as it arrives
Stream = Callable[[dict[str, Any], Any], Iterable[bytes]]


@dataclass(frozen=True)
class LogLine:
    """One line a container wrote."""

    service: str
    container: str  # web-1
    text: str
    timestamp: str = ""  # RFC 3339 with nanoseconds, as the engine stamps it

    def prefixed(self, width: int = 0) -> str:
        """``web-1  | text``, the prefix padded to ``width``."""
        return f"{self.container.ljust(width)} | {self.text}"

    def __str__(self) -> str:
        return self.prefixed()


def split_stamped(raw: bytes) -> list[tuple[str, str]]:
    """Engine log bytes with timestamps -> [(timestamp, text)]."""
    out = []
    for line in raw.decode("utf-8", "replace").splitlines():
        stamp, _, text = line.partition(" ")
        out.append((stamp, text))
    return out


def log_targets(
    containers: Iterable[dict[str, Any]], services: Iterable[str] | None
) -> list[dict[str, Any]]:
    """The containers (summaries) of ``services`` (all when None), by service and number."""
    chosen = None if services is None else set(services)
    found = [
        c for c in containers if chosen is None or (c.get("Labels") or {}).get(L.SERVICE) in chosen
    ]
    return sorted(found, key=lambda c: ((c.get("Labels") or {}).get(L.SERVICE, ""), L.number(c)))


def _label(c: dict[str, Any], project: str) -> tuple[str, str]:
    service = (c.get("Labels") or {}).get(L.SERVICE, "")
    name = L.short_name(c)
    return service, name.removeprefix(f"{project}-")


def merged_lines(
    project: str, containers: list[dict[str, Any]], tail: Any, fetch: Fetch
) -> list[LogLine]:
    """Every container's output so far, merged in time order (ties: container order)."""
    merged: list[tuple[str, int, LogLine]] = []
    for i, c in enumerate(containers):
        service, label = _label(c, project)
        for stamp, text in split_stamped(fetch(c, tail)):
            merged.append((stamp, i, LogLine(service, label, text, stamp)))
    merged.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in merged]


def followed_lines(
    project: str,
    containers: list[dict[str, Any]],
    tail: Any,
    stop: threading.Event,
    stream: Stream,
) -> Iterator[LogLine]:
    """Lines as they arrive, one reader thread per container, until all stop or ``stop``."""
    lines: queue.Queue[LogLine | None] = queue.Queue()
    threads = [
        threading.Thread(target=_pump, args=(project, c, tail, stop, lines, stream), daemon=True)
        for c in containers
    ]
    for t in threads:
        t.start()
    open_streams = len(threads)
    try:
        while open_streams and not stop.is_set():
            try:
                item = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                open_streams -= 1
            else:
                yield item
    finally:
        stop.set()  # the caller stopped iterating: let the reader threads go


def _pump(
    project: str,
    c: dict[str, Any],
    tail: Any,
    stop: threading.Event,
    lines: queue.Queue[LogLine | None],
    stream: Stream,
) -> None:
    """One container's followed output into ``lines`` as whole lines; None at its end."""
    service, label = _label(c, project)
    buffer = b""
    try:
        for chunk in stream(c, tail):
            if stop.is_set():
                break
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                for stamp, text in split_stamped(raw + b"\n"):
                    lines.put(LogLine(service, label, text, stamp))
    finally:
        lines.put(None)
