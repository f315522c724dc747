"""Health gates by exec: a container's healthcheck test, run by dockdjango itself.

The engine runs a container's first health check only ``interval`` after it starts (30 s
unless set), so ``depends_on: service_healthy`` and ``up --wait`` would wait that long even
for a service that is ready at once. As soon as a container with a healthcheck runs,
dockdjango runs the same test the way the daemon runs it: an exec with the container's user,
working directory and environment, ``CMD-SHELL`` through the container's shell, and a run
longer than the check's ``timeout`` counted as a failure. A pass is what turns the daemon's
status to ``healthy`` too, so the first pass counts as healthy; failures never count as
unhealthy (only the engine says that). Probes repeat, one at a time per container, with a
pause that grows with the test's own run time, until one passes or the waiter stops.

An engine that never runs healthchecks (Podman without systemd) gets health gates the same
way: its status stays ``starting``, and the probes decide.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.podman import is_podman, run_healthcheck

#: The daemon's default probe timeout when the healthcheck sets none (seconds).
DEFAULT_TIMEOUT = 30.0
#: Bounds of the pause between two probes of one container (seconds): short enough that
#: a gate opens soon after the service is ready, long enough that a slow test (a Python
#: interpreter starting) does not take the CPU the service itself needs to start.
MIN_PAUSE, MAX_PAUSE = 0.1, 1.0


@dataclass(frozen=True)
class ProbeResult:
    """One run of a healthcheck test: its exit code (-1 for a run past the timeout), its
    output (stdout and stderr, as the daemon records it) and how long it took."""

    exit_code: int
    output: str
    seconds: float

    @property
    def passed(self) -> bool:
        """Exit code 0 within the timeout: what the daemon calls healthy."""
        return self.exit_code == 0

    def summary(self) -> str:
        """``exit 1: connection refused``, one line."""
        text = " ".join(self.output.split())
        return f"exit {self.exit_code}: {text}"[:300] if text else f"exit {self.exit_code}"


def probe_command(inspect: dict[str, Any]) -> list[str] | None:
    """The command the daemon runs for an inspected container's healthcheck, or None when it
    has none (no test, or ``NONE``): ``CMD`` runs its arguments, ``CMD-SHELL`` its one
    string through the container's shell (``Config.Shell``, else ``/bin/sh -c``)."""
    config = inspect.get("Config") or {}
    test = list((config.get("Healthcheck") or {}).get("Test") or [])
    if len(test) < 2 or test[0] not in ("CMD", "CMD-SHELL"):
        return None
    if test[0] == "CMD-SHELL":
        return [*(config.get("Shell") or ["/bin/sh", "-c"]), *test[1:]]
    return test[1:]


def probe_timeout(inspect: dict[str, Any]) -> float:
    """The healthcheck's ``timeout`` in seconds (the engine stores nanoseconds; 0 = default)."""
    nanos = ((inspect.get("Config") or {}).get("Healthcheck") or {}).get("Timeout") or 0
    return nanos / 1e9 if nanos > 0 else DEFAULT_TIMEOUT


def run_probe(client: docker.DockerClient, inspect: dict[str, Any]) -> ProbeResult | None:
    """Run an inspected container's healthcheck test once, as the daemon does; None when the
    test could not run (no test, or the container is not running)."""
    cmd = probe_command(inspect)
    if cmd is None:
        return None
    config = inspect.get("Config") or {}
    began = time.monotonic()
    if is_podman(client):
        # Podman runs the check itself on request and records it (retries, start period):
        # its own status turns healthy, so `ps`, Compose and podman see the same verdict
        word = run_healthcheck(client, str(inspect["Id"]))
        if word:
            code = 0 if word == "healthy" else 1
            return ProbeResult(code, f"Podman's check: {word}", time.monotonic() - began)
    try:
        made = client.api.exec_create(
            inspect["Id"],
            cmd,
            stdout=True,
            stderr=True,
            tty=False,
            privileged=False,
            user=str(config.get("User") or ""),
            workdir=config.get("WorkingDir") or None,
        )
        raw = client.api.exec_start(made["Id"], tty=False)
        code = client.api.exec_inspect(made["Id"]).get("ExitCode")
    except (NotFound, APIError):  # not running (yet, or any more): not a verdict
        return None
    took = time.monotonic() - began
    output = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    limit = probe_timeout(inspect)
    if took > limit:  # the daemon would have ended it and counted a failure
        return ProbeResult(-1, f"Health check exceeded timeout ({limit:g}s): {output}", took)
    return ProbeResult(int(code if code is not None else -1), output, took)


class _Prober:
    """Probes one container (one start of it) in a daemon thread until a probe passes or
    it is stopped; a probe that hangs blocks only this thread."""

    def __init__(self, client: docker.DockerClient, inspect: dict[str, Any]) -> None:
        self.passed = threading.Event()
        self.stopped = threading.Event()
        self.last: ProbeResult | None = None
        self._client, self._inspect = client, inspect
        self._thread = threading.Thread(target=self._loop, name="dd-probe", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self.stopped.is_set():
            result = run_probe(self._client, self._inspect)
            if result is not None:
                self.last = result
                if result.passed:
                    self.passed.set()
                    return
            took = result.seconds if result is not None else 0.0
            self.stopped.wait(min(MAX_PAUSE, max(MIN_PAUSE, 2 * took)))


class Probes:
    """The exec health probes of one ``up``, shared by every waiter: a container is probed
    by one thread however many services wait for it, and a pass stays a pass (for that
    start of the container)."""

    def __init__(self, client: docker.DockerClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._probers: dict[tuple[str, str], _Prober] = {}

    def passed(self, inspect: dict[str, Any]) -> bool:
        """Whether a probe of this running container has passed since it started; the first
        call starts probing it. False for a container without a healthcheck test."""
        if probe_command(inspect) is None:
            return False
        return self._prober(inspect).passed.is_set()

    def wait(self, inspect: dict[str, Any], seconds: float) -> None:
        """Sleep up to ``seconds``, waking as soon as a probe of the container passes."""
        if probe_command(inspect) is None:
            time.sleep(seconds)
        else:
            self._prober(inspect).passed.wait(seconds)

    def last(self, inspect: dict[str, Any]) -> ProbeResult | None:
        """The last probe's result for this container, if one ran."""
        with self._lock:
            prober = self._probers.get(_key(inspect))
        return prober.last if prober is not None else None

    def close(self) -> None:
        """Stop every probe loop (a probe already running ends on its own)."""
        with self._lock:
            for prober in self._probers.values():
                prober.stopped.set()

    def _prober(self, inspect: dict[str, Any]) -> _Prober:
        key = _key(inspect)
        with self._lock:
            prober = self._probers.get(key)
            if prober is None:
                for (cid, _), old in self._probers.items():
                    if cid == key[0]:  # an earlier start of the same container
                        old.stopped.set()
                prober = self._probers[key] = _Prober(self._client, inspect)
            return prober


def _key(inspect: dict[str, Any]) -> tuple[str, str]:
    return str(inspect.get("Id", "")), str((inspect.get("State") or {}).get("StartedAt", ""))
