"""A remote engine's published ports, forwarded to this machine over the engine's own ssh.

On an engine reached with ``DOCKER_HOST=ssh://user@host``, ``127.0.0.1:8000`` is the
engine host's loopback: nothing answers there on this machine. While a command that asked
for it runs (an attached ``up``, ``port --forward``), each published port gets a listener on
this machine's 127.0.0.1 (the same port number when it is free here, else any free one),
and every connection to it travels through a ``direct-tcpip`` channel of the ssh
connection the Docker SDK already holds (paramiko), as ``ssh -L`` would carry it. Nothing
outlives the command. Other remote engines (``tcp://``) have no such channel:
:func:`forward_command` then names the ``ssh -L`` a person can run instead.
"""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import docker

from dockdjango.errors import EngineError

#: how long a pump waits on its two ends before it looks at the stop flag again
_TICK = 0.5


@dataclass(frozen=True)
class Forward:
    """One forwarded port: this machine's ``127.0.0.1:local`` to the engine host's
    ``remote_host:remote``."""

    local: int
    remote_host: str
    remote: int


def ssh_transport(client: docker.DockerClient) -> Any | None:
    """The paramiko transport ``client`` reaches its engine through; None when it is not
    an ``ssh://`` engine in the SDK's paramiko mode (a socket, tcp, or the ``ssh`` command)."""
    adapter = getattr(client.api, "_custom_adapter", None)
    ssh = getattr(adapter, "ssh_client", None)
    transport = ssh.get_transport() if ssh is not None else None
    return transport if transport is not None and transport.is_active() else None


def forward_command(address: str, ports: list[tuple[str, int]]) -> str:
    """The ``ssh -N -L ...`` that forwards ``ports`` (engine host ip, port) from an engine
    at ``address``; "" when the address names no ssh host."""
    parts = urlsplit(address)
    if parts.scheme != "ssh" or not parts.hostname:
        return ""
    flags = " ".join(f"-L {port}:{_loopback(ip)}:{port}" for ip, port in ports)
    where = f"{parts.username}@{parts.hostname}" if parts.username else parts.hostname
    port = f" -p {parts.port}" if parts.port else ""
    return f"ssh -N {flags}{port} {where}"


def _loopback(ip: str) -> str:
    """Where on the engine host a port bound at ``ip`` is reached."""
    return "127.0.0.1" if ip in ("", "0.0.0.0", "::", "127.0.0.1") else ip


@dataclass
class PortForwards:
    """Listeners on this machine for published ports of the engine host; ``close()`` (or
    leaving the ``with`` block) stops them and every connection they carry."""

    transport: Any
    forwards: list[Forward] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sockets: list[socket.socket] = field(default_factory=list)

    def add(self, remote_host: str, remote: int) -> Forward:
        """Listen on 127.0.0.1 (port ``remote`` if free here) for ``remote_host:remote``."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", remote))
        except OSError:  # taken here (another stack, or the engine is this very machine)
            listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(_TICK)
        self._sockets.append(listener)
        forward = Forward(int(listener.getsockname()[1]), _loopback(remote_host), remote)
        self.forwards.append(forward)
        threading.Thread(
            target=self._accept, args=(listener, forward), daemon=True, name="dd-forward"
        ).start()
        return forward

    def local_port(self, remote: int) -> int | None:
        """This machine's port for the engine host's ``remote``, if it is forwarded."""
        return next((f.local for f in self.forwards if f.remote == remote), None)

    def _accept(self, listener: socket.socket, forward: Forward) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            threading.Thread(
                target=self._carry, args=(conn, peer, forward), daemon=True, name="dd-forward"
            ).start()

    def _carry(self, conn: socket.socket, peer: tuple[str, int], forward: Forward) -> None:
        """Pump bytes both ways between a local connection and an ssh channel."""
        try:
            channel = self.transport.open_channel(
                "direct-tcpip", (forward.remote_host, forward.remote), peer, timeout=10
            )
        except Exception:  # refused on the engine host (nothing listens yet): close, as ssh -L
            conn.close()
            return
        try:
            ends = [conn, channel]
            while not self._stop.is_set():
                ready, _, _ = select.select(ends, [], [], _TICK)
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    (channel if end is conn else conn).sendall(data)
        except OSError:
            return
        finally:
            channel.close()
            conn.close()

    def close(self) -> None:
        """Stop listening and carrying."""
        self._stop.set()
        for listener in self._sockets:
            listener.close()

    def __enter__(self) -> PortForwards:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def forward_ports(client: docker.DockerClient, bindings: list[tuple[str, int]]) -> PortForwards:
    """Forward each (engine host ip, port) in ``bindings`` to this machine's 127.0.0.1 over
    ``client``'s ssh connection; raises :class:`EngineError` when it has none."""
    transport = ssh_transport(client)
    if transport is None:
        raise EngineError("only an engine reached over ssh:// can have its ports forwarded")
    forwards = PortForwards(transport)
    for ip, port in bindings:
        if forwards.local_port(port) is None:
            forwards.add(ip, port)
    return forwards
