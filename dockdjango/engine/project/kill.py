"""``kill``: send a signal to a project's running containers at once (default SIGKILL)."""

from __future__ import annotations

from collections.abc import Iterable

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine import labels as L
from dockdjango.engine.failures import translate_errors
from dockdjango.engine.labels import short_name
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.stop import each
from dockdjango.engine.up.observe import project_containers


@translate_errors
def kill(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    signal: str = "SIGKILL",
    on_progress: OnProgress = ignore,
) -> list[str]:
    """Signal the running containers (all, or those of ``services``); return their names."""
    chosen = None if services is None else set(services)
    targets = [
        c
        for c in project_containers(client, project)
        if c.get("State") == "running"
        and (chosen is None or (c.get("Labels") or {}).get(L.SERVICE) in chosen)
    ]

    def send(c: dict) -> None:
        try:
            client.api.kill(c["Id"], signal=signal)
        except (NotFound, APIError):  # it stopped meanwhile
            return
        on_progress(Event("container", short_name(c), "killed", signal))

    each(send, targets)
    return sorted(short_name(c) for c in targets)
