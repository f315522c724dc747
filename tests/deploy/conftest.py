"""A one-node swarm for the deploy tests, entered for as short a time as possible.

The engine is shared: the fixture enters swarm mode only if it is not in it already,
and leaves (``swarm leave --force``, then removes ``docker_gwbridge``) in a ``finally``
— only when it entered, or when a crashed run of these tests left the engine in a swarm
(the node carries our label then). A file lock keeps two runs from sharing one window.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator

import pytest

MARK = "dev.dockdjango.test-swarm"
LOCK = os.path.join(tempfile.gettempdir(), "dockdjango-test-swarm.lock")


def _gwbridge(engine) -> dict | None:
    found = [
        n for n in engine.api.networks(names=["docker_gwbridge"]) if n["Name"] == "docker_gwbridge"
    ]
    return found[0] if found else None


def _leave(engine) -> None:
    """Leave the swarm and remove what swarm mode leaves behind."""
    try:
        engine.swarm.leave(force=True)
    except Exception:  # already out
        pass
    deadline = time.monotonic() + 30
    while _gwbridge(engine) is not None and time.monotonic() < deadline:
        try:
            engine.api.remove_network("docker_gwbridge")
        except Exception:  # still in use for a moment by the containers being removed
            time.sleep(0.5)


@pytest.fixture(scope="module")
def swarm(engine) -> Iterator[object]:
    """The engine as a one-node swarm manager for the module's tests."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        info = engine.info()["Swarm"]
        entered = False
        if info.get("LocalNodeState") == "active":
            node = engine.api.inspect_node(info["NodeID"])
            entered = MARK in ((node.get("Spec") or {}).get("Labels") or {})  # ours, crashed
        else:
            gw = _gwbridge(engine)
            if gw is not None and not engine.api.inspect_network(gw["Id"]).get("Containers"):
                engine.api.remove_network("docker_gwbridge")  # left by a crashed leave
            entered = True
            try:
                engine.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
                node = engine.api.inspect_node(engine.info()["Swarm"]["NodeID"])
                spec = dict(node["Spec"])
                spec["Labels"] = {**(spec.get("Labels") or {}), MARK: str(os.getpid())}
                engine.api.update_node(node["ID"], node["Version"]["Index"], spec)
            except BaseException:
                _leave(engine)
                raise
        try:
            yield engine
        finally:
            if entered:
                _leave(engine)
