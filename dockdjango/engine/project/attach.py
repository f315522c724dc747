"""Attached to a project's containers: their output as it is written, and stdin for one.

This is what an attached ``up`` shows. Output comes from the engine's attach stream, not
from its log store, so a prompt without a newline (``(Pdb) ``) shows at once: text that
waits ``PROMPT_WAIT`` seconds without its newline is handed on as a ``partial`` line.
Containers that start later (a restart, a recreate by ``watch``) are attached as they
start; a container that stops is reported with its exit code. Input goes to a container
created with ``stdin_open`` (the one that printed a prompt last), so ``breakpoint()`` in
a view can be answered from the terminal of ``up``.
"""

from __future__ import annotations

import queue
import select
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine import labels as L
from dockdjango.engine.project.terminal import raw_socket

PROMPT_WAIT = 0.15


@dataclass(frozen=True)
class Output:
    """Text a container wrote: a whole line (no newline), or a ``partial`` one (a prompt)."""

    service: str
    container: str  # web-1
    text: str
    stderr: bool = False
    partial: bool = False


@dataclass(frozen=True)
class Exited:
    """A container stopped (``exit_code`` as the engine reports it)."""

    service: str
    container: str
    exit_code: int


AttachEvent = Output | Exited


@dataclass
class _Attached:
    cid: str
    service: str
    name: str
    tty: bool
    stdin: bool
    conn: Any
    echo: bytes = b""  # what we typed last, which a TTY echoes back: not shown twice
    prompted_at: float = 0.0


class Attachment:
    """The output of a project's containers (optionally only ``services``), followed.

    Use as a context manager; iterate :meth:`events` in one thread, call :meth:`add` (for
    containers about to start) and :meth:`send` from others.
    """

    def __init__(
        self,
        client: docker.DockerClient,
        project: str,
        services: Iterable[str] | None = None,
    ) -> None:
        self.client = client
        self.project = project
        self.services = None if services is None else set(services)
        self.queue: queue.Queue[AttachEvent | None] = queue.Queue()
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._attached: dict[str, _Attached] = {}
        self._events: Any = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Attachment:
        self._events = self.client.api.events(
            filters={
                "type": "container",
                # Podman matches its own name, "died", and reports it as "die"
                "event": ["start", "die", "died"],
                "label": [f"{L.PROJECT}={self.project}"],
            },
            decode=True,
        )
        threading.Thread(target=self._follow_events, daemon=True, name="dd-events").start()
        for c in self.client.api.containers(filters=L.project_filter(self.project)):
            self._attach_summary(c)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop following: close every stream (the containers keep running)."""
        self.closed.set()
        if self._events is not None:
            try:
                self._events.close()
            except Exception:  # the stream may be closed already
                pass
        with self._lock:
            attached = list(self._attached.values())
            self._attached.clear()
        for a in attached:
            try:
                a.conn.close()
            except OSError:
                pass
        self.queue.put(None)

    # -- attaching --------------------------------------------------------------------------

    def _wanted(self, labels: dict[str, str]) -> bool:
        if labels.get(L.ONEOFF) == "True":
            return False
        return self.services is None or labels.get(L.SERVICE) in self.services

    def _attach_summary(self, c: dict[str, Any]) -> None:
        labels = c.get("Labels") or {}
        if self._wanted(labels):
            name = str((c.get("Names") or [""])[0]).lstrip("/")
            self.add(labels.get(L.SERVICE, ""), str(c["Id"]), name)

    def add(self, service: str, cid: str, name: str) -> None:
        """Attach to container ``cid`` (created or running) unless already attached."""
        with self._lock:
            if cid in self._attached or self.closed.is_set():
                return
        try:
            config = self.client.api.inspect_container(cid).get("Config") or {}
            stdin = bool(config.get("OpenStdin"))
            params = {"stdout": 1, "stderr": 1, "stream": 1, "stdin": 1 if stdin else 0}
            sock = self.client.api.attach_socket(cid, params=params)
        except (APIError, NotFound):
            return  # gone already: its exit is reported by the events stream
        conn = raw_socket(sock)
        conn.settimeout(None)
        short = name.removeprefix(f"{self.project}-")
        entry = _Attached(cid, service, short, bool(config.get("Tty")), stdin, conn)
        with self._lock:
            if cid in self._attached:
                conn.close()
                return
            self._attached[cid] = entry
        threading.Thread(target=self._read, args=(entry,), daemon=True).start()

    def _follow_events(self) -> None:
        try:
            for event in self._events:
                if self.closed.is_set():
                    return
                actor = event.get("Actor") or {}
                attrs = actor.get("Attributes") or {}
                if not self._wanted(attrs):
                    continue
                cid = str(actor.get("ID") or event.get("id") or "")
                name = str(attrs.get("name") or cid[:12])
                service = attrs.get(L.SERVICE, "")
                if event.get("status") == "start" or event.get("Action") == "start":
                    self.add(service, cid, name)
                elif event.get("status") == "die" or event.get("Action") == "die":
                    code = int(attrs.get("exitCode") or 0)
                    short = name.removeprefix(f"{self.project}-")
                    self.queue.put(Exited(service, short, code))
        except Exception:  # the stream closed under us (close(), or the engine went away)
            if not self.closed.is_set():
                self.queue.put(None)

    # -- reading ----------------------------------------------------------------------------

    def _read(self, a: _Attached) -> None:
        buffers = {False: b"", True: b""}  # stdout, stderr
        try:
            if a.tty:
                self._read_raw(a, buffers)
            else:
                self._read_frames(a, buffers)
        except OSError:
            pass
        finally:
            for err, rest in buffers.items():
                if rest:
                    self._emit(a, rest, err, partial=False)
            with self._lock:
                if self._attached.get(a.cid) is a:
                    del self._attached[a.cid]

    def _read_raw(self, a: _Attached, buffers: dict[bool, bytes]) -> None:
        while not self.closed.is_set():
            readable, _, _ = select.select([a.conn], [], [], PROMPT_WAIT)
            if not readable:
                self._flush_partial(a, buffers, False)
                continue
            data = a.conn.recv(65536)
            if not data:
                return
            self._take(a, buffers, False, data)

    def _read_frames(self, a: _Attached, buffers: dict[bool, bytes]) -> None:
        header = b""
        while not self.closed.is_set():
            readable, _, _ = select.select([a.conn], [], [], PROMPT_WAIT)
            if not readable:
                for err in (False, True):
                    self._flush_partial(a, buffers, err)
                continue
            chunk = a.conn.recv(8 - len(header))
            if not chunk:
                return
            header += chunk
            if len(header) < 8:
                continue
            stream, size = header[0], int.from_bytes(header[4:8], "big")
            header = b""
            payload = b""
            while len(payload) < size:
                part = a.conn.recv(size - len(payload))
                if not part:
                    return
                payload += part
            self._take(a, buffers, stream == 2, payload)

    def _take(self, a: _Attached, buffers: dict[bool, bytes], err: bool, data: bytes) -> None:
        if a.echo and not err:
            # a TTY echoes what was typed: the person saw it already as they typed
            if data.startswith(a.echo):
                data, a.echo = data[len(a.echo) :], b""
            elif a.echo.startswith(data):
                data, a.echo = b"", a.echo[len(data) :]
            else:
                a.echo = b""
        buf = buffers[err] + data
        *lines, buf = buf.split(b"\n")
        for line in lines:
            self._emit(a, line, err, partial=False)
        buffers[err] = buf

    def _flush_partial(self, a: _Attached, buffers: dict[bool, bytes], err: bool) -> None:
        if buffers[err]:
            self._emit(a, buffers[err], err, partial=True)
            buffers[err] = b""
            a.prompted_at = time.monotonic()

    def _emit(self, a: _Attached, raw: bytes, err: bool, *, partial: bool) -> None:
        text = raw.decode("utf-8", "replace").replace("\r", "")
        if text or not partial:
            self.queue.put(Output(a.service, a.name, text, err, partial))

    # -- the consumer's side ----------------------------------------------------------------

    def events(self, idle_exit: float = 1.0) -> Iterator[AttachEvent]:
        """Output and exits as they happen, until :meth:`close`, or until no container of
        the project has been running for ``idle_exit`` seconds (everything stopped)."""
        quiet_since: float | None = None
        while True:
            try:
                item = self.queue.get(timeout=0.2)
            except queue.Empty:
                if self.closed.is_set():
                    return
                if self._running():
                    quiet_since = None
                elif quiet_since is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= idle_exit:
                    return
                continue
            if item is None:
                return
            yield item

    def _running(self) -> bool:
        with self._lock:
            if self._attached:
                return True
        found = self.client.api.containers(filters=L.project_filter(self.project))
        return any(self._wanted(c.get("Labels") or {}) for c in found)

    def send(self, data: bytes) -> str | None:
        """Write ``data`` to the stdin of the container that prompted last (among those
        created with ``stdin_open``); return its name, or None when none takes input."""
        with self._lock:
            takers = [a for a in self._attached.values() if a.stdin]
        if not takers:
            return None
        target = max(takers, key=lambda a: a.prompted_at)
        if target.tty:
            target.echo = data.replace(b"\n", b"\r\n")
        try:
            target.conn.sendall(data)
        except OSError:
            return None
        return target.name
