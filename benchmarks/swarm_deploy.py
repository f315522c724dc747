"""Deploying to a one-node swarm until converged: dockdjango against `docker stack deploy`.

The same compose file (three services from the local base image: a "db" with a
healthcheck, two "web" replicas that depend on it being healthy, a "worker") is
deployed by each tool, alternately, N times; each run ends when every service has all
its tasks running (healthy where there is a check), and the stack is removed between
runs. ``docker stack deploy`` (20.10) refuses the long ``depends_on`` form, so it gets
the same file with ``version: "3.9"`` and ``depends_on: [db]``, which it ignores; it
returns before its tasks start, so its time is measured to the same end state by polling
the engine. dockdjango also
creates in dependency order, which costs the time "db" takes to turn healthy::

    .venv/bin/python benchmarks/swarm_deploy.py            # 3 runs each
    .venv/bin/python benchmarks/swarm_deploy.py --runs 5

The engine is made a one-node swarm for the run and always left as it was.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

COMPOSE = """\
services:
  db:
    image: {image}
    command: ["sh", "-c", "sleep 1 && touch /tmp/ready && exec sleep 3600"]
    init: true
    healthcheck: {{test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 30}}
  web:
    image: {image}
    command: ["sleep", "3600"]
    init: true
    depends_on:
      db: {{condition: service_healthy}}
    healthcheck: {{test: ["CMD", "true"], interval: 1s, retries: 30}}
    deploy: {{replicas: 2}}
  worker:
    image: {image}
    command: ["sleep", "3600"]
    init: true
"""


def converged(client, stack: str, want: dict[str, int]) -> bool:
    """True when each service of ``stack`` has its wanted count of running tasks."""
    label = f"com.docker.stack.namespace={stack}"
    services = {s["Spec"]["Name"]: s["ID"] for s in client.api.services(filters={"label": label})}
    for name, count in want.items():
        sid = services.get(f"{stack}_{name}")
        if sid is None:
            return False
        tasks = client.api.tasks(filters={"service": sid, "desired-state": "running"})
        if sum(1 for t in tasks if t["Status"]["State"] == "running") < count:
            return False
    return True


def run_stack_deploy(client, compose: Path, stack: str) -> float:
    """`docker stack deploy`, then poll until converged; seconds."""
    started = time.monotonic()
    subprocess.run(
        ["docker", "stack", "deploy", "-c", str(compose), stack],
        check=True,
        capture_output=True,
    )
    while not converged(client, stack, {"db": 1, "web": 2, "worker": 1}):
        if time.monotonic() - started > 300:
            raise SystemExit("docker stack deploy did not converge in 300 s")
        time.sleep(0.2)
    return time.monotonic() - started


def run_dockdjango(client, compose: Path, stack: str) -> float:
    """`deploy_swarm` (it returns once converged); seconds."""
    from dockdjango.api.deploy import deploy_swarm

    started = time.monotonic()
    deploy_swarm([str(compose)], project_name=stack, client=client, routing_mesh=False)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("docker") is None:
        print("docker CLI not found: no peer to compare with", file=sys.stderr)
        return 1
    from dockdjango.api.deploy import undeploy_swarm
    from dockdjango.api.images.base_image import ensure_base_image
    from dockdjango.engine.client import connect
    from dockdjango.engine.swarm.swarm_local import one_node_swarm

    client = connect()
    image = ensure_base_image(client).ref
    times: dict[str, list[float]] = {"dockdjango deploy --swarm": [], "docker stack deploy": []}
    with tempfile.TemporaryDirectory() as tmp, one_node_swarm(client):
        compose = Path(tmp) / "compose.yaml"
        compose.write_text(COMPOSE.format(image=image))
        peer_file = Path(tmp) / "stack.yaml"
        peer_file.write_text(
            'version: "3.9"\n'
            + COMPOSE.format(image=image).replace(
                "depends_on:\n      db: {condition: service_healthy}", "depends_on: [db]"
            )
        )
        for i in range(args.runs):
            for label, run in (
                ("dockdjango deploy --swarm", run_dockdjango),
                ("docker stack deploy", run_stack_deploy),
            ):
                stack = f"ddbench-{uuid.uuid4().hex[:6]}"
                file = compose if run is run_dockdjango else peer_file
                try:
                    times[label].append(run(client, file, stack))
                finally:
                    undeploy_swarm(stack, volumes=True, client=client)
                print(f"run {i + 1}: {label:<28} {times[label][-1]:6.2f} s", flush=True)
    ours = statistics.median(times["dockdjango deploy --swarm"])
    peer = statistics.median(times["docker stack deploy"])
    print(f"\nmedian of {args.runs}, deploy until every task runs (healthy where checked):")
    print(f"  dockdjango deploy --swarm  {ours:6.2f} s  (creates web only once db is healthy)")
    print(f"  docker stack deploy        {peer:6.2f} s  (starts everything at once)")
    print(f"  ratio dockdjango/peer      {ours / peer:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
