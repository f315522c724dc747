"""Watching a Swarm service converge: its tasks running (and healthy), or its job complete.

Swarm reports a task with a healthcheck as ``starting`` until the check passes, and only
then ``running``, so "running" here means running *and* healthy when there is a check.
A service has converged when every task it wants is running the current spec and no
rolling update is under way; it has failed when the update paused or rolled back, or
when its tasks keep failing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import docker

from dockdjango.engine.progress import Event, OnProgress
from dockdjango.errors import ServiceError

#: Failed tasks of the current spec, beyond the desired count, after which we stop waiting.
FAILURE_BUDGET = 3


@dataclass(frozen=True)
class Convergence:
    """How one service reached the state waited for."""

    service: str  # the compose service name
    desired: int
    running: int
    seconds: float
    state: str  # "started", "running", "healthy" or "completed"
    failed_tasks: int  # tasks that failed on the way (restarted by Swarm)


def wait_service(
    client: docker.DockerClient,
    service_id: str,
    key: str,
    *,
    condition: str = "service_healthy",
    healthcheck: bool = False,
    deadline: float,
    on_progress: OnProgress,
    since: float | None = None,
) -> Convergence:
    """Wait until the service meets ``condition`` (a ``depends_on`` condition; healthy is
    also what "converged" means); raise `ServiceError` on failure or at ``deadline``.

    ``since`` (a ``time.monotonic()`` value, default now) is when the service was created
    or updated: the reported seconds count from there.
    """
    started = time.monotonic() if since is None else since
    last_report = ""
    failures: dict[str, str] = {}
    while True:
        service = client.api.inspect_service(service_id)
        template = service["Spec"]["TaskTemplate"]
        desired = _desired(client, service)
        tasks = [t for t in client.api.tasks(filters={"service": service_id})]
        current = [t for t in tasks if _is_current(t, template)]
        for task in current:
            status = task.get("Status") or {}
            if status.get("State") in ("failed", "rejected"):
                failures[task["ID"]] = status.get("Err") or status.get("Message") or "failed"
        _check_update(service, key)
        done, running, state = _progress(current, desired, condition, healthcheck, service)
        report = f"{running}/{desired}"
        if report != last_report:
            on_progress(Event("service", key, "converging", f"{report} tasks {state}"))
            last_report = report
        if done:
            return Convergence(
                key, desired, running, round(time.monotonic() - started, 2), state, len(failures)
            )
        if len(failures) > FAILURE_BUDGET + desired and running == 0:
            raise ServiceError(
                key,
                f"service {key}: {len(failures)} tasks failed, none running; last: "
                f"{list(failures.values())[-1]}",
                hint=f"see `docker service ps --no-trunc {service['Spec']['Name']}` and its logs",
            )
        if time.monotonic() > deadline:
            last = f"; last task error: {list(failures.values())[-1]}" if failures else ""
            raise ServiceError(
                key,
                f"service {key}: {running}/{desired} tasks {state} when the time ran out{last}",
                hint=f"see `docker service ps --no-trunc {service['Spec']['Name']}`, or "
                "give it longer with --timeout",
            )
        time.sleep(0.5)


def _desired(client: docker.DockerClient, service: dict[str, Any]) -> int:
    mode = service["Spec"].get("Mode") or {}
    if "Replicated" in mode:
        return int(mode["Replicated"].get("Replicas", 1))
    if "ReplicatedJob" in mode:
        return int(mode["ReplicatedJob"].get("TotalCompletions", 1))
    # global services and jobs: one task per eligible node, as many as the scheduler made
    wanted = [
        t
        for t in client.api.tasks(filters={"service": service["ID"]})
        if t.get("DesiredState") in ("running", "complete")
    ]
    return max(1, len({t.get("NodeID") for t in wanted}))


def _is_current(task: dict[str, Any], template: dict[str, Any]) -> bool:
    """True when the task runs the service's current spec (not one a rolling update
    is replacing)."""
    spec = task.get("Spec") or {}
    want = template.get("ContainerSpec") or {}
    have = spec.get("ContainerSpec") or {}
    return bool(
        have.get("Image") == want.get("Image")
        and have.get("Env") == want.get("Env")
        and have.get("Args") == want.get("Args")
        and spec.get("ForceUpdate", 0) == template.get("ForceUpdate", 0)
    )


def _check_update(service: dict[str, Any], key: str) -> None:
    status = service.get("UpdateStatus") or {}
    if status.get("State") in ("paused", "rollback_paused", "rollback_completed"):
        raise ServiceError(
            key,
            f"service {key}: the rolling update stopped ({status['State']}): "
            f"{status.get('Message', '')}".rstrip(": "),
            hint=f"see `docker service ps --no-trunc {service['Spec']['Name']}`",
        )


def _progress(
    current: list[dict[str, Any]],
    desired: int,
    condition: str,
    healthcheck: bool,
    service: dict[str, Any],
) -> tuple[bool, int, str]:
    """(condition met, tasks counted, what they are) for the current tasks."""
    states = [((t.get("Status") or {}).get("State"), t.get("DesiredState")) for t in current]
    if condition == "service_completed_successfully":
        complete = sum(1 for s, _ in states if s == "complete")
        return complete >= desired, complete, "completed"
    wanted = [s for s, d in states if d == "running"]
    if condition == "service_started":
        up = sum(1 for s in wanted if s in ("starting", "running"))
        return up >= desired, up, "started"
    running = sum(1 for s in wanted if s == "running")
    updating = (service.get("UpdateStatus") or {}).get("State") in ("updating", "rollback_started")
    state = "healthy" if healthcheck else "running"
    return running >= desired and not updating, running, state
