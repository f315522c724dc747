"""A one-node swarm for the deploy tests, entered for as short a time as possible.

The engine is shared: `one_node_swarm` enters swarm mode only if the engine is not in a
swarm, and leaves it (then removes ``docker_gwbridge``) even when a test fails — or, when
a killed run of these tests left the engine in a swarm, leaves it for that run. A file
lock keeps two runs on this machine from sharing one window.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator

import pytest

LOCK = os.path.join(tempfile.gettempdir(), "dockdjango-test-swarm.lock")


@pytest.fixture(scope="module")
def swarm(engine) -> Iterator[object]:
    """The engine as a one-node swarm manager for the module's tests."""
    from dockdjango.engine.swarm.swarm_local import one_node_swarm

    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with one_node_swarm(engine):
            yield engine
