"""Stopping and removing containers quickly: all at once, each with its own grace period."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.progress import Event, OnProgress


def display_name(container: dict[str, Any]) -> str:
    """A container's name from a list summary (``Names``) or inspect data (``Name``)."""
    if container.get("Names"):
        return str(container["Names"][0]).lstrip("/")
    return str(container.get("Name") or container.get("Id", "")[:12]).lstrip("/")


def _is_running(container: dict[str, Any]) -> bool:
    state = container.get("State")
    if isinstance(state, dict):
        return bool(state.get("Running") or state.get("Restarting"))
    return state in ("running", "restarting", "paused")


def stop_containers(
    client: docker.DockerClient,
    containers: Sequence[dict[str, Any]],
    on_progress: OnProgress,
    timeout: int | None = None,
) -> None:
    """Stop running containers in parallel.

    With ``timeout`` None the engine uses each container's own stop timeout (set from
    ``stop_grace_period`` at create time), after sending its ``stop_signal``.
    """

    def stop(c: dict[str, Any]) -> None:
        try:
            client.api.stop(c["Id"], timeout=timeout)
        except NotFound:
            return
        except APIError as exc:  # already stopping or stopped
            if exc.status_code not in (304, 409):
                raise
        on_progress(Event("container", display_name(c), "stopped"))

    running = [c for c in containers if _is_running(c)]
    each(stop, running)


def remove_containers(
    client: docker.DockerClient,
    containers: Sequence[dict[str, Any]],
    on_progress: OnProgress,
    volumes: bool = False,
) -> None:
    """Remove containers in parallel (``volumes``: their anonymous volumes too)."""

    def remove(c: dict[str, Any]) -> None:
        try:
            client.api.remove_container(c["Id"], v=volumes, force=True)
        except NotFound:
            return
        except APIError as exc:
            if exc.status_code != 409 or "already in progress" not in str(exc):
                raise
        on_progress(Event("container", display_name(c), "removed"))

    each(remove, list(containers))


def each(fn: Any, items: list[Any]) -> None:
    """``fn(item)`` for every item, at once (up to 8 threads); the first error is raised."""
    if not items:
        return
    if len(items) == 1:
        fn(items[0])
        return
    with ThreadPoolExecutor(max_workers=min(8, len(items)), thread_name_prefix="dd-stop") as pool:
        for future in [pool.submit(fn, c) for c in items]:
            future.result()
