"""Published ports of a stack on a remote engine: forwarded here, or said to be elsewhere.

On a remote engine a published port is the engine host's (``127.0.0.1:8000`` there). Over
``ssh://`` :func:`forwarding` carries each one to this machine's 127.0.0.1 for as long as
a block runs, and the stack's ``port``/``url``/``links`` then name the local ends; without
forwarding, :func:`where_ports_are` says where they are and how to reach them, so that no
command prints an address of the engine host as if it answered here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockdjango.engine.client import describe_engine
from dockdjango.engine.project.port_forward import (
    Forward,
    forward_command,
    forward_ports,
    ssh_transport,
)

if TYPE_CHECKING:
    from dockdjango.api.stack.stack_inspect import StackInspection
    from dockdjango.engine.project.lifecycle import ContainerStatus

__all__ = ["Forward", "RemotePorts", "forwarding", "where_ports_are"]


@dataclass(frozen=True)
class RemotePorts:
    """Where a remote stack's published TCP ports are: the engine's address, the
    (host ip, port) bindings, and the ``ssh -L`` command that reaches them ("" for tcp)."""

    address: str
    bindings: list[tuple[str, int]]
    ssh_command: str
    #: forwarding over the engine's own connection works (an ``ssh://`` engine, paramiko)
    can_forward: bool
    #: (service, container port) of the first binding, for the example command
    example: tuple[str, int]

    def lines(self) -> list[str]:
        """What a person reads: the ports are not here, and how to bring them here."""
        shown = ", ".join(f"{ip or '0.0.0.0'}:{port}" for ip, port in self.bindings)
        whose = "are the engine host's" if len(self.bindings) > 1 else "is the engine host's"
        out = [f"the engine is remote ({self.address}): {shown} {whose}, not this machine's"]
        if self.can_forward:
            service, target = self.example
            out.append(
                f"  reach it here with `dockdjango port --forward {service} {target}` (until "
                "Ctrl-C); an attached `dockdjango up` forwards every port while it runs"
            )
        if self.ssh_command:
            out.append(f"  or: {self.ssh_command}")
        else:
            out.append("  publish on an address of the engine host you can reach, or tunnel")
        return out


def _tcp_bindings(rows: list[ContainerStatus]) -> list[tuple[str, int, str, int]]:
    """(host ip, port, service, container port) of every published TCP port, once a port."""
    seen: dict[int, tuple[str, int, str, int]] = {}
    for row in rows:
        for ip, host, target, proto in row.ports:
            if host and proto == "tcp" and host not in seen:
                seen[host] = (ip, host, row.service, target)
    return [seen[port] for port in sorted(seen)]


def where_ports_are(
    stack: StackInspection, rows: list[ContainerStatus] | None = None, *services: str
) -> RemotePorts | None:
    """Where the ports ``rows`` (of ``stack.ps()``; asked for ``services`` when None)
    publish are when the engine is remote and they are not forwarded here; None on a local
    engine, with nothing published, or while forwarded."""
    info = describe_engine(stack.client)
    if not info.remote or stack.forwarded_ports:
        return None
    found = _tcp_bindings(stack.ps(*services) if rows is None else rows)
    if not found:
        return None
    bindings = [(ip, port) for ip, port, _, _ in found]
    return RemotePorts(
        info.address,
        bindings,
        forward_command(info.address, bindings),
        ssh_transport(stack.client) is not None,
        (found[0][2], found[0][3]),
    )


@contextmanager
def forwarding(stack: StackInspection, *services: str) -> Iterator[list[Forward]]:
    """While the block runs, the published TCP ports of ``services`` (all when none) on an
    engine reached over ssh answer on this machine's 127.0.0.1, and ``stack.port()`` names
    those ends. Yields the forwards made: none on a local engine or a ``tcp://`` one."""
    info = describe_engine(stack.client)
    if not info.remote or ssh_transport(stack.client) is None:
        yield []
        return
    found = _tcp_bindings(stack.ps(*services))
    forwards = forward_ports(stack.client, [(ip, port) for ip, port, _, _ in found])
    stack.forwarded_ports = {f.remote: f.local for f in forwards.forwards}
    try:
        yield list(forwards.forwards)
    finally:
        stack.forwarded_ports = {}
        forwards.close()
