"""A recreate killed at any step loses no data, and the next ``up`` repairs what it left.

An ``up`` in a child process recreates a service with an anonymous volume and SIGKILLs
itself right after one step of the recreate (replacement created, old container stopped,
old container removed, replacement renamed). Then a normal ``up`` must converge to exactly
one container with the service's name, the new configuration, and the volume's data.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dockdjango.api.stack.stack import Stack
from dockdjango.engine import labels as L
from dockdjango.engine.project.lifecycle import down
from dockdjango.engine.up.replace import final_name
from tests.stacks import IMAGE

pytestmark = pytest.mark.engine


#: the step after which the child dies -> the state it leaves (names of the service's
#: containers, "T" for the temporary replacement, "O" for the original) and the
#: status of the container that carries the service's name
STEPS = {
    "replacement created": ({"O", "T"}, "running"),
    "stopped": ({"O", "T"}, "exited"),
    "removed": ({"T"}, None),
    "renamed": ({"O"}, "created"),
}

# The child: load the project and `up`, killing itself (no cleanup can run) just after
# the recreate step named in argv[2] is reported.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from dockdjango.api.stack.stack import Stack

    def on_progress(event):
        if event.kind == "container" and event.action == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)

    Stack.load(sys.argv[1], on_progress=on_progress).up(wait=False)
    """
)


def _compose(name: str, version: str) -> str:
    return f"""name: {name}
services:
  app:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
    environment: {{VERSION: "{version}"}}
    volumes: ["/cache"]
"""


def _containers(engine, project: str) -> list[dict]:
    return engine.api.containers(all=True, filters=L.project_filter(project))


@pytest.fixture
def project_dir(engine, base_image, unique_name, tmp_path):
    yield tmp_path
    down(engine, unique_name, volumes=True)
    assert _containers(engine, unique_name) == []


@pytest.mark.parametrize("step", list(STEPS))
def test_recreate_killed_after_each_step_keeps_data_and_converges(
    step: str, engine, unique_name: str, project_dir: Path
):
    compose = project_dir / "compose.yaml"
    compose.write_text(_compose(unique_name, "1"))
    first = Stack.load(compose, client=engine)
    first.up(wait=False)
    assert first.exec("app", ["sh", "-c", "echo warm > /cache/entry"]).exit_code == 0
    original = first.container_id("app")
    name = f"{unique_name}-app-1"

    compose.write_text(_compose(unique_name, "2"))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(compose), step], capture_output=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    # the state the kill left: as expected for this step, and some container names the
    # anonymous volume at every moment
    left = {c["Names"][0].lstrip("/"): c for c in _containers(engine, unique_name)}
    kinds = {"T" if final_name(n) else "O" for n in left}
    assert kinds == STEPS[step][0], sorted(left)
    assert all(c["Mounts"] for c in left.values())
    if STEPS[step][1]:
        assert left[name]["State"] == STEPS[step][1]

    second = Stack.load(compose, client=engine)
    result = second.up(wait=False)
    op = result.services["app"][0]
    assert op == ("recreated" if original in {c["Id"] for c in left.values()} else "started")

    after = _containers(engine, unique_name)
    assert [c["Names"][0].lstrip("/") for c in after] == [name]
    assert after[0]["State"] == "running"
    env = engine.api.inspect_container(after[0]["Id"])["Config"]["Env"]
    assert "VERSION=2" in env
    assert second.exec("app", "cat /cache/entry").stdout == "warm\n"
    # and the next up has nothing left to do
    assert Stack.load(compose, client=engine).up(wait=False).services["app"][0] == "unchanged"
