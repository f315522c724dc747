"""Waiting for a service to be running, healthy or done, and explaining when it is not.

A container with a healthcheck is healthy when the engine says so or, sooner, when its
test passes run by dockdjango itself (:mod:`dockdjango.engine.probes`); the engine's
``unhealthy`` still fails it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import docker
from docker.errors import NotFound

from dockdjango.engine.failures import unreachable_host
from dockdjango.engine.probes import Probes
from dockdjango.errors import ServiceError

POLL = 0.1  # seconds; inspect is cheap and a fast `up --wait` matters more


class Cancelled(Exception):
    """The operation was cancelled (Ctrl-C) while waiting."""


def last_logs(
    client: docker.DockerClient, container: str, lines: int = 10, *, stdout: bool = True
) -> list[str]:
    """The last ``lines`` lines a container wrote (stdout and stderr; stderr only if not
    ``stdout``)."""
    try:
        raw = client.api.logs(container, stdout=stdout, stderr=True, tail=lines)
    except NotFound:
        return []
    return raw.decode("utf-8", "replace").splitlines()[-lines:]


def health_output(state: dict[str, Any]) -> str:
    """The output of the last health probe, one line."""
    log = ((state.get("Health") or {}).get("Log")) or []
    if not log:
        return ""
    last = log[-1]
    text = " ".join(str(last.get("Output") or "").split())
    return f"exit {last.get('ExitCode')}: {text}"[:300] if text else f"exit {last.get('ExitCode')}"


def status(inspect: dict[str, Any]) -> tuple[str, str]:
    """(state, health) of an inspected container: ``("running", "healthy")``.

    Health is "" only for a container without a healthcheck: one that has a check but no
    health record yet (the engine adds it just after the start) is ``starting``, so a
    fast inspect never mistakes it for "running, nothing to wait for"."""
    state = inspect.get("State") or {}
    health = str((state.get("Health") or {}).get("Status", ""))
    test = ((inspect.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
    if not health and test and test[0] != "NONE":
        health = "starting"
    return str(state.get("Status", "")), health


def condition_met(inspect: dict[str, Any], condition: str) -> bool:
    """Whether inspected container data already satisfies a ``depends_on`` condition."""
    state = inspect.get("State") or {}
    st, health = status(inspect)
    if condition == "service_completed_successfully":
        return st == "exited" and int(state.get("ExitCode") or 0) == 0
    if condition == "service_healthy":
        return st == "running" and health in ("", "healthy")
    return st == "running"


def wait_for(
    client: docker.DockerClient,
    service: str,
    container: str,
    condition: str,
    deadline: float,
    cancel: threading.Event | None = None,
    probes: Probes | None = None,
) -> dict[str, Any]:
    """Block until ``container`` meets ``condition``; return its last inspect data.

    ``condition`` is ``service_started`` (running, or exited 0 for a one-shot),
    ``service_healthy`` (health ``healthy``; running if it has no healthcheck) or
    ``service_completed_successfully`` (exited with code 0). With ``probes``, a running
    container whose healthcheck test passed run through exec is healthy too, before the
    engine's own check. Raises :class:`ServiceError` naming the service and the cause,
    with its last log lines.
    """
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        try:
            data = client.api.inspect_container(container)
        except NotFound:
            raise ServiceError(service, f"service {service}: its container disappeared") from None
        if _met(client, service, data, condition, probes):
            return data
        if time.monotonic() >= deadline:
            raise _timed_out(client, service, data, condition, probes)
        st, health = status(data)
        if probes is not None and st == "running" and health and condition == "service_healthy":
            probes.wait(data, POLL)  # wakes at once when a probe passes
        else:
            time.sleep(POLL)


def _met(
    client: docker.DockerClient,
    service: str,
    data: dict[str, Any],
    condition: str,
    probes: Probes | None,
) -> bool:
    """Whether inspected ``data`` meets ``condition``; raises when it never will."""
    container = str(data.get("Id", ""))
    state = data.get("State") or {}
    st, health = status(data)
    code = int(state.get("ExitCode") or 0)
    if condition == "service_completed_successfully":
        if st in ("exited", "dead") and code != 0:
            raise _failed(client, service, container, f"exited with code {code}")
        return st in ("exited", "dead")
    if st == "running" and not state.get("Restarting"):
        if condition != "service_healthy" or not health or health == "healthy":
            return True
        if health == "unhealthy":  # the engine's verdict, whatever a probe said
            raise _failed(client, service, container, "is unhealthy", probe=health_output(state))
        if probes is not None and probes.passed(data):
            return True
        refused = _refused_host(client, data, probes)
        if refused:
            # no start period turns a refused Host into a healthy answer: say it now
            raise _failed(client, service, container, "answers 400", probe=refused)
        return False
    if st in ("exited", "dead") or state.get("Restarting"):
        if condition == "service_started" and st == "exited" and code == 0:
            return True
        if state.get("Restarting"):
            raise _failed(client, service, container, f"keeps restarting (last exit code {code})")
        raise _failed(client, service, container, f"exited with code {code}")
    return False


def _timed_out(
    client: docker.DockerClient,
    service: str,
    data: dict[str, Any],
    condition: str,
    probes: Probes | None,
) -> ServiceError:
    """The error for a wait past its deadline: what the container is, and the last health
    check's output (the engine's, else dockdjango's own probe's)."""
    want = {
        "service_healthy": "healthy",
        "service_completed_successfully": "completed",
    }.get(condition, "running")
    st, health = status(data)
    now = f"{st}" + (f", {health}" if health else "")
    last = probes.last(data) if probes is not None else None
    return _failed(
        client,
        service,
        str(data.get("Id", "")),
        f"did not become {want} in time (it is {now})",
        probe=health_output(data.get("State") or {}) or (last.summary() if last else ""),
        hint=f"raise the timeout, or check the healthcheck and the service's output "
        f"(dockdjango logs {service})",
    )


def _failed(
    client: docker.DockerClient,
    service: str,
    container: str,
    what: str,
    *,
    probe: str = "",
    hint: str | None = None,
) -> ServiceError:
    logs = last_logs(client, container)
    message = f"service {service} {what}"
    if probe:
        message += f"; last health check: {probe}"
    # errors go to stderr, and a crashing program's stdout is often flushed after them
    errors = [line for line in last_logs(client, container, stdout=False) if line.strip()]
    last = errors[-1] if errors else next((ln for ln in reversed(logs) if ln.strip()), "")
    outside = unreachable_host(errors or logs)
    if outside:
        # a site that calls an outside service as it starts, from a machine that cannot
        # reach it: that host is the cause, not the project's code nor dockdjango's wiring
        message += f": it contacts {outside} as it starts, which cannot be reached from here"
        hint = hint or (
            f"make {outside} reachable from containers (a proxy), or configure the project "
            f"not to call it at start; see its output with: dockdjango logs {service}"
        )
    host = next((ln for ln in reversed(errors) if DISALLOWED_HOST in ln), None)
    if host is not None:
        # Django refused the Host the check (and a browser) sends: that line, not the
        # access-log line after it, is the cause, and waiting longer changes nothing
        message += f"; {host[host.index(DISALLOWED_HOST) :].strip()[:200]}"
        hint = (
            "add 127.0.0.1 and localhost to ALLOWED_HOSTS in the settings the service runs "
            "(or to the variable they read it from, in the environment or .env)"
        )
    elif last:
        message += f"; last {'error' if errors else 'log'} line: {last.strip()[:200]}"
    return ServiceError(
        service,
        message,
        logs=logs,
        hint=hint or f"see its output with: dockdjango logs {service}",
    )


#: Django's words for a request whose Host is not in ALLOWED_HOSTS (a 400).
DISALLOWED_HOST = "Invalid HTTP_HOST header"


def _refused_host(client: docker.DockerClient, data: dict[str, Any], probes: Probes | None) -> str:
    """The last probe's output when it got a 400 (dockdjango's generated check prints
    ``GET / answered 400``) and the service logged Django's refusal of the Host; else ""."""
    last = probes.last(data) if probes is not None else None
    output = health_output(data.get("State") or {})
    if "answered 400" not in output:
        output = last.summary() if last is not None and "answered 400" in last.output else ""
    if not output:
        return ""
    lines = last_logs(client, str(data.get("Id", "")), stdout=False)
    return output if any(DISALLOWED_HOST in line for line in lines) else ""
