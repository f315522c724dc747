"""``ps`` rows, published ports and the check of named services, from the engine's
container summaries: pure, so the SDK's path (``lifecycle``) and the socket client's
(``dockdjango.api.local_engine``) read them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockdjango.engine import labels as L
from dockdjango.errors import DockdjangoError, ServiceError


@dataclass
class ContainerStatus:
    """One row of ``ps``."""

    name: str
    service: str
    number: int
    state: str  # created | running | exited | ...
    health: str  # healthy | unhealthy | starting | "" (no healthcheck)
    exit_code: int
    status: str  # the engine's words: "Up 3 seconds (healthy)"
    image: str
    ports: list[tuple[str, int, int, str]] = field(
        default_factory=list
    )  # host ip, host port, target, proto

    def ports_text(self) -> str:
        """``127.0.0.1:8000->8000/tcp, 9000/tcp``."""
        parts = []
        for ip, host, target, proto in self.ports:
            parts.append(f"{ip}:{host}->{target}/{proto}" if host else f"{target}/{proto}")
        return ", ".join(parts)

    def bindings(self, target: int, protocol: str = "tcp") -> list[tuple[str, int]]:
        """Where the engine published ``target``: (host ip as bound, host port), IPv4
        first (``[("0.0.0.0", 18557), ("::", 18557)]`` for ``"18557:8000"``)."""
        return [
            (ip, host)
            for ip, host, tgt, proto in self.ports
            if tgt == target and proto == protocol and host
        ]

    def on_all_interfaces(self) -> list[tuple[int, str, list[str]]]:
        """The ports published on every interface of the machine, which other machines
        can reach: (target, protocol, ["0.0.0.0:18557", "[::]:18557"])."""
        found: dict[tuple[int, str], list[str]] = {}
        for ip, host, target, proto in self.ports:
            if host and ip in ALL_INTERFACES:
                found.setdefault((target, proto), []).append(host_port(ip, host))
        return [(target, proto, where) for (target, proto), where in found.items()]


#: the host addresses that mean "every interface of the machine"
ALL_INTERFACES = ("", "0.0.0.0", "::")


def host_port(ip: str, port: int) -> str:
    """``0.0.0.0:18557``, ``[::]:18557``: an address as the engine bound it."""
    ip = ip or "0.0.0.0"
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def status_rows(
    containers: Iterable[dict[str, Any]],
    services: Iterable[str] | None = None,
    podman: dict[str, str] | None = None,
) -> list[ContainerStatus]:
    """One row per container summary (of ``services`` only, when given), by service and
    number; ``podman``: container id -> health, where the summaries do not say it."""
    chosen = None if services is None else set(services)
    rows = [
        _row(c, podman or {})
        for c in containers
        if chosen is None or (c.get("Labels") or {}).get(L.SERVICE, "") in chosen
    ]
    return sorted(rows, key=lambda r: (r.service, r.number))


def _row(c: dict[str, Any], podman: dict[str, str]) -> ContainerStatus:
    """The ``ps`` row of one container summary."""
    status_text = str(c.get("Status") or "")
    health = podman.get(str(c.get("Id")), "")
    for word in ("healthy", "unhealthy", "starting"):
        if f"({word})" in status_text or f"(health: {word})" in status_text:
            health = word
    exit_code = 0
    if c.get("State") == "exited" and "Exited (" in status_text:
        try:
            exit_code = int(status_text.split("Exited (", 1)[1].split(")", 1)[0])
        except ValueError:
            exit_code = 0
    ports = sorted(
        {
            (
                str(p.get("IP", "")),
                int(p.get("PublicPort") or 0),
                int(p["PrivatePort"]),
                str(p.get("Type", "tcp")),
            )
            for p in c.get("Ports") or []
        },
        key=lambda p: (p[2], p[3], p[0]),
    )
    return ContainerStatus(
        name=L.short_name(c),
        service=(c.get("Labels") or {}).get(L.SERVICE, ""),
        number=L.number(c),
        state=str(c.get("State", "")),
        health=health,
        exit_code=exit_code,
        status=status_text,
        image=str(c.get("Image", "")),
        ports=ports,
    )


def bindings_of(
    rows: Iterable[ContainerStatus], service: str, target: int, protocol: str, index: int
) -> list[tuple[str, int]]:
    """Where container ``index`` of ``service`` (among ``rows``) publishes ``target``;
    raises :class:`ServiceError` saying what is missing when it does not."""
    for row in rows:
        if row.service != service or row.number != index:
            continue
        found = row.bindings(target, protocol)
        if found:
            return found
        raise ServiceError(
            service,
            f"service {service} does not publish port {target}/{protocol}",
            hint=f"add it to services.{service}.ports",
        )
    raise ServiceError(
        service, f"service {service} has no running container {index}", hint="run: dockdjango up"
    )


def checked_services(
    services: Sequence[str], known: Iterable[str], project: str
) -> list[str] | None:
    """``services`` (None for all) once each is one of ``known``, as Compose checks them;
    raises ``no such service: ghost`` naming those there are."""
    if not services:
        return None
    there = set(known)
    unknown = [s for s in services if s not in there]
    if unknown:
        listed = ", ".join(sorted(there)) or "none"
        raise DockdjangoError(
            f"no such service: {unknown[0]} (the services of {project}: {listed})",
            hint="name one of those, or none for every service",
        )
    return list(services)
