"""A one-node swarm for a while, on an engine that is not in one: for tests and benchmarks.

``with one_node_swarm(client):`` enters swarm mode only if the engine is not in a swarm
(advertising and listening on 127.0.0.1 only) and, on the way out — also after an error
— leaves it and removes ``docker_gwbridge``, which ``swarm leave`` keeps. An engine that
is already in a swarm is used as it is and left in it, unless it carries the ``mark``
label on its node: then an earlier window of ours was killed before it could leave, and
this one leaves for it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import docker

GWBRIDGE = "docker_gwbridge"
MARK = "dev.dockdjango.one-node-swarm"


@contextmanager
def one_node_swarm(client: docker.DockerClient, *, mark: str = MARK) -> Iterator[bool]:
    """Make the engine a one-node swarm manager for the ``with`` block.

    Yields True when this block entered (or adopted) the swarm and will leave it.
    """
    info = client.info().get("Swarm") or {}
    if info.get("LocalNodeState") == "active":
        node = client.api.inspect_node(info["NodeID"])
        ours = mark in ((node.get("Spec") or {}).get("Labels") or {})
        try:
            yield ours
        finally:
            if ours:
                leave_swarm(client)
        return
    _remove_idle_gwbridge(client)  # left behind by a leave that was cut short
    try:
        client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
        node = client.api.inspect_node(client.info()["Swarm"]["NodeID"])
        spec = dict(node["Spec"])
        spec["Labels"] = {**(spec.get("Labels") or {}), mark: str(os.getpid())}
        client.api.update_node(node["ID"], node["Version"]["Index"], spec)
        yield True
    finally:
        leave_swarm(client)


def leave_swarm(client: docker.DockerClient, timeout: float = 30.0) -> None:
    """``docker swarm leave --force``, then remove ``docker_gwbridge`` once it is free."""
    try:
        client.swarm.leave(force=True)
    except docker.errors.APIError:
        pass  # not in a swarm (any more)
    deadline = time.monotonic() + timeout
    while _gwbridge(client) is not None and time.monotonic() < deadline:
        try:
            client.api.remove_network(GWBRIDGE)
        except docker.errors.APIError:
            time.sleep(0.5)  # still used for a moment by containers being removed


def _gwbridge(client: docker.DockerClient) -> dict | None:
    found = [n for n in client.api.networks(names=[GWBRIDGE]) if n["Name"] == GWBRIDGE]
    return found[0] if found else None


def _remove_idle_gwbridge(client: docker.DockerClient) -> None:
    bridge = _gwbridge(client)
    if bridge is not None and not client.api.inspect_network(bridge["Id"]).get("Containers"):
        client.api.remove_network(GWBRIDGE)
