"""Benchmark: the same small stack up (--wait), up again (no change) and down, with
dockdjango and with Docker Compose v2, alternating, several rounds.

The stack: ``db`` (healthcheck gate, named volume) and ``web`` (``depends_on: db:
service_healthy``, a published port). Both tools run as the commands a person types
(``python -m dockdjango up -d`` and ``docker-compose up -d --wait``), each on its own project
name so neither sees the other's containers. Prints per-phase medians and the ratio
dockdjango / compose (below 1.0 means dockdjango is faster). A third column times the
same phases through the Python API in one process (what the pytest fixtures use), which
leaves out interpreter start-up and imports.

    .venv/bin/python benchmarks/stack_up.py --rounds 5
    .venv/bin/python benchmarks/stack_up.py --rounds 5 --also before=/tmp/old-checkout

``--also LABEL=DIR`` times the CLI of another checkout too (first on ``PYTHONPATH``), in
the same rounds: a change's before and after under the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The Go binary itself, not the venv's Python wrapper script around it: the wrapper's own
# interpreter start-up would be charged to Compose.
COMPOSE = next(
    (ROOT / ".venv" / "lib").glob("python3*/site-packages/compose/docker-compose"),
    ROOT / ".venv" / "bin" / "docker-compose",
)
IMAGE = "dockdjango/python:3.11-bookworm"

STACK = f"""
services:
  db:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 1000000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 500ms
      retries: 100
    volumes: [data:/data]
  web:
    image: {IMAGE}
    init: true
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1::8000"]
    depends_on:
      db: {{condition: service_healthy}}
volumes:
  data:
"""

PHASES = ("up", "up (no change)", "down")
TOOLS = ("dockdjango", "dockdjango API", "compose")


def commands(tool: str, project: str) -> dict[str, list[str]]:
    """The three commands for one tool."""
    if tool == "compose":
        base = [str(COMPOSE), "-p", project]
        return {
            "up": [*base, "up", "-d", "--wait"],
            "up (no change)": [*base, "up", "-d", "--wait"],
            "down": [*base, "down"],
        }
    base = [sys.executable, "-m", "dockdjango"]
    return {
        "up": [*base, "up", "-d", "-p", project],
        "up (no change)": [*base, "up", "-d", "-p", project],
        "down": [*base, "down", "-p", project],
    }


def timed_api(phase: str, project: str, cwd: Path) -> float:
    """Seconds one phase took through the Python API, in this process (no start-up cost)."""
    from dockdjango.api.stack.stack import Stack

    began = time.perf_counter()
    stack = Stack.load(cwd / "compose.yaml", project_name=project)
    if phase == "down":
        stack.down()
    else:
        stack.up(wait=True)
    return time.perf_counter() - began


def timed(cmd: list[str], cwd: Path, pythonpath: str | None = None) -> float:
    """Seconds one command took; fails loudly if it failed. ``pythonpath``: dockdjango
    from another checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "PYTHONPATH")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    began = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--also", action="append", default=[], metavar="LABEL=DIR")
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:6]
    projects = {
        "dockdjango": f"ddbench-{tag}-dd",
        "dockdjango API": f"ddbench-{tag}-api",
        "compose": f"ddbench-{tag}-dc",
    }
    paths: dict[str, str] = {}
    for i, item in enumerate(args.also):
        label, _, path = item.partition("=")
        paths[f"dockdjango {label}"] = str(Path(path).resolve())
        projects[f"dockdjango {label}"] = f"ddbench-{tag}-v{i}"
    times: dict[str, dict[str, list[float]]] = {t: {p: [] for p in PHASES} for t in projects}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "compose.yaml").write_text(STACK)
        try:
            for r in range(args.rounds):
                order = list(projects) if r % 2 == 0 else list(reversed(projects))
                for tool in order:
                    cmds = commands("dockdjango" if tool in paths else tool, projects[tool])
                    for phase in PHASES:
                        if tool == "dockdjango API":
                            took = timed_api(phase, projects[tool], workdir)
                        else:
                            took = timed(cmds[phase], workdir, paths.get(tool))
                        times[tool][phase].append(took)
                line = "  ".join(
                    f"{t}: " + "/".join(f"{times[t][p][-1]:.2f}" for p in PHASES) for t in projects
                )
                print(f"round {r + 1}: {line}", flush=True)
        finally:
            # by label, with no compose file involved, so a failed round still cleans up
            from dockdjango.api.stack.stack import down_project

            for project in projects.values():
                down_project(project, volumes=True)
    print(f"\nmedians over {args.rounds} rounds (seconds, wall clock, CLI as typed)")
    print(f"{'phase':<16}{'dockdjango':>12}{'compose':>10}{'ratio':>7}{'API':>10}{'ratio':>7}")
    for phase in PHASES:
        ours = statistics.median(times["dockdjango"][phase])
        api = statistics.median(times["dockdjango API"][phase])
        theirs = statistics.median(times["compose"][phase])
        cli = f"{ours:>12.3f}{theirs:>10.3f}{ours / theirs:>7.2f}"
        other = "".join(
            f"   {t}: {statistics.median(times[t][phase]):.3f}"
            f" ({statistics.median(times[t][phase]) / theirs:.2f})"
            for t in paths
        )
        print(f"{phase:<16}{cli}{api:>10.3f}{api / theirs:>7.2f}{other}")
    print("ratio = dockdjango / compose; API = dockdjango's Python API in-process (no start-up)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
