"""The exceptions dockdjango raises: one small hierarchy callers can catch.

Every error carries a one-line message saying what went wrong and where, and a ``hint``
saying what to do about it. The CLI prints ``error: <message>`` and the hint, never a
traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


class DockdjangoError(Exception):
    """Base of every error dockdjango raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class SpecError(DockdjangoError):
    """A compose file or model is invalid; the message names file, line and dotted path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.path = path
        self.detail = message
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        if path:
            where += f"{path}: "
        super().__init__(f"{where}{message}", hint=hint)


class EngineError(DockdjangoError):
    """The Docker engine refused or failed an operation."""


class EngineUnavailable(EngineError):
    """No Docker engine answers at the address we tried."""

    def __init__(self, address: str, reason: str | None = None) -> None:
        self.address = address
        self.reason = reason
        super().__init__(
            f"cannot reach the Docker engine at {address}" + (f" ({reason})" if reason else ""),
            hint="start Docker (on Debian as root: scripts/ensure-docker.sh; elsewhere: "
            "start Docker Desktop or `sudo systemctl start docker`), or set DOCKER_HOST",
        )


#: How many of a failing build step's last output lines are shown by default.
SHOWN_BUILD_LINES = 20


class BuildError(DockdjangoError):
    """An image build failed; the message names the failing step, ``output`` holds its last
    output lines (up to a few hundred), :meth:`tail` the ones worth showing."""

    def __init__(
        self,
        message: str,
        *,
        step: str | None = None,
        output: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.step = step
        self.output = output or []
        super().__init__(message, hint=hint)

    def tail(self, lines: int | None = SHOWN_BUILD_LINES) -> list[str]:
        """The failing step's last ``lines`` output lines (all that were kept: None)."""
        return list(self.output if lines is None else self.output[-lines:])


class ServiceError(EngineError):
    """A service of a stack failed to start, become healthy, or stop."""

    def __init__(
        self, service: str, message: str, *, logs: list[str] | None = None, hint: str | None = None
    ) -> None:
        self.service = service
        self.logs = logs or []
        super().__init__(message, hint=hint)


#: a port another program listens on, or another container has
_LISTEN = re.compile(
    r"listen (?:tcp|udp)[46]? (\[?[0-9a-fA-F.:]*\]?):(\d+): bind: address already in use"
)
_ALLOCATED = re.compile(r"Bind for (\[?[0-9a-fA-F.:]*\]?):(\d+) failed: port is already allocated")


def start_refusal(
    service: str, text: str, origin: Callable[[str], Any] | None = None
) -> ServiceError:
    """A :class:`ServiceError` for a container the engine would not start, from its
    explanation; ``origin`` (the project's) says where a conflicting port was written."""
    for pattern, who in ((_LISTEN, "by another program"), (_ALLOCATED, "by another container")):
        m = pattern.search(text)
        if m:
            host = m.group(1) or "0.0.0.0"
            path = f"services.{service}.ports"
            where = origin(path) if origin is not None else None
            written = f"; {path} is at {where.file}:{where.line}" if where else ""
            return ServiceError(
                service,
                f"port {host}:{m.group(2)} is already in use ({who}) — free it or change {path}",
                hint=f"find the owner with: ss -ltnp 'sport = :{m.group(2)}'{written}",
            )
    first = text.strip().splitlines()[0] if text.strip() else "no details"
    return ServiceError(service, f"service {service} could not start: {first}")
