"""Where Podman's Docker-compatible API differs from Docker's, handled in one place.

Measured on Podman 4.3.1 (Debian 12) through ``podman system service``; each function
names the difference it covers, and does nothing on Docker. The list of differences a
user still meets is in docs/engines.md.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.client import describe_engine


def is_podman(client: docker.DockerClient) -> bool:
    """Whether ``client`` talks to Podman (from the ping its connection made)."""
    return describe_engine(client).is_podman


def shell_healthcheck(test: list[str]) -> list[str]:
    """A ``CMD`` healthcheck whose arguments hold whitespace, as ``CMD-SHELL``.

    Podman 4.3's compatible create joins ``CMD`` arguments with spaces and splits them
    again, so ``["CMD", "python", "-c", "import x; x.y()"]`` runs ``python -c import``
    (podman#26519, fixed after 5.x). Quoted for the shell, the test means the same.
    Image ``HEALTHCHECK``\\ s are not affected; ``CMD-SHELL`` needs ``/bin/sh`` in the image.
    """
    if len(test) > 1 and test[0] == "CMD" and any(not a or a.split() != [a] for a in test[1:]):
        return ["CMD-SHELL", shlex.join(test[1:])]
    return test


def create_for(client: docker.DockerClient, create: dict[str, Any]) -> dict[str, Any]:
    """A container-create request adjusted for the engine ``client`` talks to."""
    health = create.get("healthcheck")
    if not isinstance(health, dict) or not is_podman(client):
        return create
    test = health.get("test") or health.get("Test")
    if not test:
        return create
    fixed = {k: v for k, v in health.items() if k not in ("test", "Test")}
    fixed["test"] = shell_healthcheck(list(test))
    return {**create, "healthcheck": fixed}


def run_healthcheck(client: docker.DockerClient, container: str) -> str:
    """Have Podman run ``container``'s healthcheck now and record the result; the status it
    then reports (``healthy``, ``unhealthy``, ``starting``), "" when it cannot run one.

    Podman runs healthchecks from systemd timers: on a host without systemd (a container,
    CI) they never run and the status stays ``starting``. Its own endpoint runs the check
    *in the engine*, applying the check's retries and start period, so ``ps``, Compose and
    every later inspect see the same verdict (Docker has no such endpoint: 404).
    """
    api = client.api
    try:
        response = api._get(api._url("/libpod/containers/{0}/healthcheck", container))
        api._raise_for_status(response)
        return str(response.json().get("Status") or "")
    except (APIError, NotFound, ValueError):
        return ""


def podman_health(client: docker.DockerClient, filters: dict[str, Any]) -> dict[str, str]:
    """Container id -> health word (``healthy``...) of the containers ``filters`` selects,
    from Podman's own list, whose ``Status`` is the health: the compatible list's
    ("Up 2 minutes") never says it. A running container still ``starting`` has its check
    run first (:func:`run_healthcheck`): with no systemd, nothing else would run it."""
    api = client.api
    params = {"all": "true", "filters": json.dumps(filters)}
    try:
        response = api._get(api._url("/libpod/containers/json"), params=params)
        api._raise_for_status(response)
        rows = response.json()
    except (APIError, ValueError):
        return {}
    words = {}
    for row in rows:
        cid, word = str(row.get("Id")), str(row.get("Status") or "")
        if word == "starting" and row.get("State") == "running":
            word = run_healthcheck(client, cid) or word
        if word in ("healthy", "unhealthy", "starting"):
            words[cid] = word
    return words


def working_containers(client: docker.DockerClient) -> set[str]:
    """Ids of buildah's working containers (``...-working-container``): a failed Podman
    build leaves the container of its failing step behind, invisible in the compatible
    list, keeping its image from being removed."""
    api = client.api
    try:
        response = api._get(
            api._url("/libpod/containers/json"), params={"all": "true", "external": "true"}
        )
        api._raise_for_status(response)
        rows = response.json()
    except (APIError, ValueError):
        return set()
    return {str(r["Id"]) for r in rows if "working-container" in " ".join(r.get("Names") or [])}


def remove_build_leftovers(client: docker.DockerClient, before: set[str]) -> int:
    """Remove the working containers made since ``before`` (another build may be running
    and own the older ones); how many were removed."""
    api = client.api
    removed = 0
    for cid in sorted(working_containers(client) - before):
        try:
            url = api._url("/libpod/containers/{0}", cid)
            api._raise_for_status(api._delete(url, params={"force": "true"}))
            removed += 1
        except APIError:
            continue
    return removed


def network_ids_of(
    client: docker.DockerClient, containers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Container summaries whose networks carry their ids, as Docker lists them: Podman
    puts the network's *name* in ``NetworkID``, so every running container would look
    disconnected from its network and be recreated by each ``up``."""
    attached = [
        n
        for c in containers
        for key, n in ((c.get("NetworkSettings") or {}).get("Networks") or {}).items()
        if n.get("NetworkID") == key
    ]
    if not attached or not is_podman(client):
        return containers
    ids = {str(net.get("Name")): str(net.get("Id")) for net in client.api.networks()}
    for n in attached:
        n["NetworkID"] = ids.get(str(n["NetworkID"]), n["NetworkID"])
    return containers
