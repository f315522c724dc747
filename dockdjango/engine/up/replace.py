"""Crash-safe recreation: the replacement is created before the old container goes.

A recreate that stopped and removed the old container first would lose the data of its
anonymous volumes if the process died before the new one existed (no container would name
the volume any more, and the next ``up`` would start with a fresh one). As Compose does
(``pkg/compose/convergence.go`` ``recreateContainer``), the replacement is created first
under a temporary name, ``<old id[:12]>_<name>``, mounting the old container's anonymous
volumes; only then is the old one stopped and removed, and the replacement renamed and
started. At every moment some container names each anonymous volume.

A kill between two steps leaves one of three states, which the next ``up`` repairs before
it plans (:func:`recover`):

- the replacement and the original both exist: the replacement is removed (its inherited
  volumes stay, being mounted by name) and the original is planned as usual;
- only the replacement exists: it is renamed to the original's name and planned as usual
  (it has the new configuration, so it is kept and started);
- the replacement was renamed but not started: nothing to repair, it is started.

Compose names its own replacements the same way, so either tool finishes the other's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine import labels as L
from dockdjango.engine.labels import short_name
from dockdjango.engine.progress import Event, OnProgress
from dockdjango.engine.up.observe import Observed

_TEMPORARY = re.compile(r"^([0-9a-f]{12})_(.+)$")


def temporary_name(old_id: str, name: str) -> str:
    """The name a replacement has until the container it replaces is gone."""
    return f"{old_id[:12]}_{name}"


def final_name(name: str) -> str | None:
    """The name a temporary replacement is to take, or None for any other name."""
    match = _TEMPORARY.match(name)
    return match.group(2) if match else None


def replacement_labels(
    labels: dict[str, str], service: str, number: int, container_name: str | None
) -> dict[str, str]:
    """A replacement's labels: the service's, plus which container it replaces, valued as
    Compose values it (the ``container_name`` if set, else ``<service>-<number>``)."""
    return {**labels, L.REPLACE: container_name or f"{service}-{number}"}


def recover(
    client: docker.DockerClient, state: Observed, on_progress: OnProgress, *, dry_run: bool = False
) -> bool:
    """Finish or undo recreates a killed ``up`` left halfway (see the module docstring);
    True when anything was changed (``state`` is then stale). With ``dry_run`` what would
    be done is only reported (``would remove``, ``would rename``) and False returned."""
    changed = False
    names = {short_name(c) for c in state.all_containers()}
    for container in _temporaries(state.all_containers()):
        temp = short_name(container)
        final = final_name(temp) or temp
        if final in names:
            why = f"left by an interrupted recreate of {final}"
            if dry_run:
                on_progress(Event("container", temp, "would remove", why))
                continue
            _remove(client, container)
            on_progress(Event("container", temp, "removed", why))
        else:
            if dry_run:
                on_progress(Event("container", temp, "would rename", f"to {final}"))
                names.add(final)
                continue
            try:
                client.api.rename(container["Id"], final)
            except NotFound:
                continue
            names.add(final)
            on_progress(
                Event("container", final, "recovered", "an interrupted recreate was completed")
            )
        changed = True
    return changed


def _temporaries(containers: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replacements still under their temporary name (ours or Compose's)."""
    return [
        c
        for c in containers
        if final_name(short_name(c)) is not None and (c.get("Labels") or {}).get(L.REPLACE)
    ]


def _remove(client: docker.DockerClient, container: dict[str, Any]) -> None:
    # v=True removes only the volumes this replacement made itself: those it inherited are
    # mounted by name, which the engine never removes with the container.
    try:
        client.api.remove_container(container["Id"], force=True, v=True)
    except NotFound:
        return
    except APIError as exc:
        if exc.status_code != 409:  # 409: another process is removing it already
            raise
