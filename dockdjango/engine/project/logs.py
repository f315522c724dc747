"""Container output of a stack: merged across containers, prefixed, optionally followed."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import docker

from dockdjango.engine import labels as L
from dockdjango.engine.failures import translate_errors
from dockdjango.engine.up.observe import number, project_containers, short_name


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


def _split(raw: bytes) -> list[tuple[str, str]]:
    """Engine log bytes with timestamps -> [(timestamp, text)]."""
    out = []
    for line in raw.decode("utf-8", "replace").splitlines():
        stamp, _, text = line.partition(" ")
        out.append((stamp, text))
    return out


def _targets(
    client: docker.DockerClient, project: str, services: Iterable[str] | None
) -> list[dict[str, Any]]:
    chosen = None if services is None else set(services)
    found = [
        c
        for c in project_containers(client, project)
        if chosen is None or (c.get("Labels") or {}).get(L.SERVICE) in chosen
    ]
    return sorted(found, key=lambda c: ((c.get("Labels") or {}).get(L.SERVICE, ""), number(c)))


def _label(c: dict[str, Any], project: str) -> tuple[str, str]:
    service = (c.get("Labels") or {}).get(L.SERVICE, "")
    name = short_name(c)
    return service, name.removeprefix(f"{project}-")


@translate_errors
def iter_logs(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    tail: int | None = None,
    follow: bool = False,
    stop: threading.Event | None = None,
) -> Iterator[LogLine]:
    """Lines from the project's containers.

    Without ``follow``: every container's output (last ``tail`` lines each), merged in
    time order. With ``follow``: lines as they arrive, until the containers stop or
    ``stop`` is set.
    """
    containers = _targets(client, project, services)
    tail_arg: Any = "all" if tail is None else int(tail)
    if follow:
        yield from _followed(client, project, containers, tail_arg, stop or threading.Event())
    else:
        yield from _merged(client, project, containers, tail_arg)


def _merged(
    client: docker.DockerClient, project: str, containers: list[dict[str, Any]], tail: Any
) -> list[LogLine]:
    """Every container's output so far, merged in time order (ties: container order)."""
    merged: list[tuple[str, int, LogLine]] = []
    for i, c in enumerate(containers):
        service, label = _label(c, project)
        raw = client.api.logs(c["Id"], stdout=True, stderr=True, timestamps=True, tail=tail)
        for stamp, text in _split(raw):
            merged.append((stamp, i, LogLine(service, label, text, stamp)))
    merged.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in merged]


def _followed(
    client: docker.DockerClient,
    project: str,
    containers: list[dict[str, Any]],
    tail: Any,
    stop: threading.Event,
) -> Iterator[LogLine]:
    """Lines as they arrive, one reader thread per container, until all stop or ``stop``."""
    lines: queue.Queue[LogLine | None] = queue.Queue()
    threads = [
        threading.Thread(target=_pump, args=(client, project, c, tail, stop, lines), daemon=True)
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
    client: docker.DockerClient,
    project: str,
    c: dict[str, Any],
    tail: Any,
    stop: threading.Event,
    lines: queue.Queue[LogLine | None],
) -> None:
    """One container's followed output into ``lines`` as whole lines; None at its end."""
    service, label = _label(c, project)
    buffer = b""
    try:
        stream = client.api.logs(
            c["Id"], stdout=True, stderr=True, timestamps=True, tail=tail, stream=True, follow=True
        )
        for chunk in stream:
            if stop.is_set():
                break
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                for stamp, text in _split(raw + b"\n"):
                    lines.put(LogLine(service, label, text, stamp))
    finally:
        lines.put(None)
