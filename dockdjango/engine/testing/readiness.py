"""Waiting until a test container is ready: a log line, an open port, HTTP 200, health, a callable.

A check is polled quickly (every 50 ms at first, backing off to 250 ms) because start-up
time is what test sessions pay for; a container that exits while we wait fails at once,
and every failure carries the container's last log lines.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dockdjango.engine.podman import is_podman
from dockdjango.engine.probes import run_probe
from dockdjango.engine.testing.containers import RunningContainer
from dockdjango.errors import EngineError, ServiceError

#: How many log lines a failure shows.
LOG_TAIL = 25


class WaitFor(Protocol):
    """A readiness condition: ``ready(container)`` is polled until it returns True."""

    def ready(self, container: RunningContainer) -> bool:
        """True once the condition holds."""

    def describe(self) -> str:
        """The condition in a few words, for error messages."""


@dataclass(frozen=True)
class LogPattern:
    """Ready once ``pattern`` (a regex) has matched ``times`` log lines."""

    pattern: str
    times: int = 1

    def ready(self, container: RunningContainer) -> bool:
        regex = re.compile(self.pattern)
        return sum(1 for line in container.logs() if regex.search(line)) >= self.times

    def describe(self) -> str:
        return f"log line /{self.pattern}/" + (f" x{self.times}" if self.times > 1 else "")


@dataclass(frozen=True)
class PortOpen:
    """Ready once something in the container accepts connections on ``port``.

    Docker's userland proxy accepts on the host port even before the container listens,
    then closes the connection; so a connection that is closed at once does not count.
    """

    port: int | str

    def ready(self, container: RunningContainer) -> bool:
        host, port = container.address(self.port)
        try:
            with socket.create_connection((host, port), timeout=1) as sock:
                sock.settimeout(0.15)
                try:
                    return sock.recv(1) != b""  # a greeting: the server is there
                except TimeoutError:
                    return True  # held open, waiting for us to speak: the server is there
        except OSError:
            return False

    def describe(self) -> str:
        return f"port {self.port} open"


@dataclass(frozen=True)
class HttpOk:
    """Ready once ``GET path`` on ``port`` answers ``status``."""

    port: int | str
    path: str = "/"
    status: int = 200

    def ready(self, container: RunningContainer) -> bool:
        try:
            with urllib.request.urlopen(container.url(self.port, self.path), timeout=2) as resp:
                return int(resp.status) == self.status
        except urllib.error.HTTPError as exc:
            return int(exc.code) == self.status
        except (OSError, ValueError):
            return False

    def describe(self) -> str:
        return f"HTTP {self.status} from :{self.port}{self.path}"


@dataclass(frozen=True)
class Healthy:
    """Ready once the image's (or the run's) HEALTHCHECK reports ``healthy``, or sooner,
    once its test passes run through exec as the engine runs it
    (:mod:`dockdjango.engine.probes`): the engine checks only after its interval, and an
    engine without healthchecks (Podman without systemd) never does."""

    def ready(self, container: RunningContainer) -> bool:
        inspect = container.inspect()
        health = (inspect.get("State") or {}).get("Health") or {}
        if not health.get("Status"):  # Podman reports {"Status": ""} for no healthcheck
            raise ServiceError(
                container.spec.image,
                f"{container.spec.image} has no healthcheck to wait for",
                hint="wait for a log line, a port or HTTP instead, or add a HEALTHCHECK",
            )
        if health.get("Status") == "healthy":  # the engine's verdict first
            return True
        if health.get("Status") == "unhealthy" and not is_podman(container.client):
            return False  # the engine checks again by itself: a later pass turns it healthy
        # Podman without systemd runs a check only when asked (each probe below asks it),
        # so an early failure that made it unhealthy is only undone by asking again
        probe = run_probe(container.client, inspect)
        return probe is not None and probe.passed

    def describe(self) -> str:
        return "healthcheck healthy"


@dataclass(frozen=True)
class Call:
    """Ready once ``check(container)`` returns a true value (exceptions count as not yet)."""

    check: Callable[[RunningContainer], object]

    def ready(self, container: RunningContainer) -> bool:
        try:
            return bool(self.check(container))
        except Exception:
            return False

    def describe(self) -> str:
        return f"{getattr(self.check, '__name__', 'check')}() true"


def as_conditions(
    wait: WaitFor | Sequence[WaitFor] | Callable[..., object] | str | None,
) -> list[WaitFor]:
    """Normalise ``wait=`` shorthands: a regex string is a log line, a function a Call."""
    if wait is None:
        return []
    if isinstance(wait, str):
        return [LogPattern(wait)]
    if isinstance(wait, Sequence):
        return [c for item in wait for c in as_conditions(item)]
    if hasattr(wait, "ready") and hasattr(wait, "describe"):
        return [wait]  # type: ignore[list-item]
    if callable(wait):
        return [Call(wait)]
    raise TypeError(f"wait= takes a condition, a regex, a callable or a list of them, not {wait!r}")


def wait_ready(container: RunningContainer, conditions: Sequence[WaitFor], timeout: float) -> float:
    """Poll ``conditions`` in order until all hold; return the seconds it took.

    Raises :class:`ServiceError` (with the last log lines) on timeout or if the container
    exits first.
    """
    started = time.monotonic()
    deadline = started + timeout
    pending = list(conditions)
    delay = 0.05
    while True:
        # State first: an exited container has no published ports left to probe.
        state = container.state()
        if state.get("Status") in ("exited", "dead"):
            what = pending[0].describe() if pending else "ready"
            raise _failure(container, f"exited with code {state.get('ExitCode')} before {what}")
        while pending and _check(container, pending[0]):
            pending.pop(0)
        if not pending:
            return time.monotonic() - started
        if time.monotonic() >= deadline:
            raise _failure(
                container, f"not ready after {timeout:g} s: waiting for {pending[0].describe()}"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def _check(container: RunningContainer, condition: WaitFor) -> bool:
    """``condition.ready``; when it fails because the container just exited, say that."""
    try:
        return condition.ready(container)
    except EngineError:
        state = container.state()
        if state.get("Status") in ("exited", "dead"):
            what = f"exited with code {state.get('ExitCode')} before {condition.describe()}"
            raise _failure(container, what) from None
        raise


def _failure(container: RunningContainer, what: str) -> ServiceError:
    logs = container.logs(tail=LOG_TAIL)
    shown = "\n".join(f"    | {line}" for line in logs) or "    | (no output)"
    image = container.spec.image
    return ServiceError(
        image,
        f"container {container.id[:12]} ({image}) {what}; its last {len(logs)} log lines:\n{shown}",
        logs=logs,
        hint="check the image, command and environment shown above",
    )
