"""Benchmark: the same stack on each engine: Docker, Podman, and Docker reached over ssh.

Per engine and round, as a person types them: ``dockdjango up -d --wait`` from no
containers (db's healthcheck gates web), the same again with nothing changed, then
``dockdjango watch`` running while a file is saved: the time until the site serves the new
content (``develop.watch``: ``sync . -> /app``, no bind mount on any engine, so every
engine takes the same path), then ``down -v``. Prints per-engine medians and the ratio to
Docker's (the peer here is the engine everyone has; above 1.0 is slower than on Docker).

The ssh engine is this machine's Docker behind an sshd of the benchmark's own
(tests/sshengine.py; needs root, OpenSSH and the user from scripts/ensure-ssh-engine.sh);
Podman needs scripts/ensure-podman.sh and the base image in Podman's store
(``DOCKER_HOST=unix:///run/podman/podman.sock dockdjango base``).

    .venv/bin/python benchmarks/engines.py --rounds 3
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
IMAGE = "dockdjango/python:3.11-bookworm"
STACK = f"""
services:
  db:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 500ms
      retries: 100
    volumes: [data:/data]
  web:
    image: {IMAGE}
    init: true
    working_dir: /app
    command: ["sh", "-c", "mkdir -p /app && cd /app && exec python3 -m http.server 8000"]
    ports: ["127.0.0.1::8000"]
    depends_on:
      db: {{condition: service_healthy}}
    develop:
      watch:
        - {{action: sync, path: ./site, target: /app}}
volumes:
  data:
"""
PHASES = ("up --wait", "up (no change)", "watch save-to-visible")


def dd(env: dict[str, str], cwd: Path, *args: str, check: bool = True) -> float:
    """Seconds ``dockdjango ARGS`` took."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "dockdjango", *args], cwd=cwd, env=env, capture_output=True
    )
    if check and done.returncode != 0:
        raise SystemExit(f"dockdjango {' '.join(args)} failed: {done.stderr.decode()[-800:]}")
    return time.monotonic() - began


def published(env: dict[str, str], cwd: Path, project: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "dockdjango", "-p", project, "port", "web", "8000"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"http://{out}/"


def watch_latency(env: dict[str, str], cwd: Path, project: str, url: str) -> float:
    """Seconds from saving a file to the site serving it, with ``dockdjango watch`` on."""
    watcher = subprocess.Popen(
        [sys.executable, "-m", "dockdjango", "-p", project, "watch", "--no-up"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # the watcher's first sync and its file watch set up
        token = uuid.uuid4().hex
        began = time.monotonic()
        (cwd / "site" / "page.txt").write_text(token)
        while time.monotonic() - began < 30:
            try:
                with urllib.request.urlopen(url + "page.txt", timeout=2) as resp:
                    if resp.read().decode() == token:
                        return time.monotonic() - began
            except OSError:
                pass
            time.sleep(0.01)
        raise SystemExit("the saved file never became visible")
    finally:
        os.killpg(watcher.pid, signal.SIGINT)
        watcher.wait(timeout=30)


def one_round(engine: str, env: dict[str, str], work: Path) -> dict[str, float]:
    project = f"ddbench-{uuid.uuid4().hex[:8]}"
    out: dict[str, float] = {}
    try:
        out["up --wait"] = dd(env, work, "-p", project, "up", "-d", "--wait")
        out["up (no change)"] = dd(env, work, "-p", project, "up", "-d", "--wait")
        out["watch save-to-visible"] = watch_latency(
            env, work, project, published(env, work, project)
        )
    finally:
        dd(env, work, "-p", project, "down", "-v", check=False)
    return out


def environments(wanted: list[str]) -> tuple[dict[str, dict[str, str]], list[object]]:
    """Engine name -> the environment a process reaches it with; the sshd to stop."""
    envs: dict[str, dict[str, str]] = {}
    started: list[object] = []
    base = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"} | {"CI": "1"}
    for engine in wanted:
        if engine == "docker":
            envs[engine] = base
        elif engine == "podman":
            envs[engine] = base | {"DOCKER_HOST": "unix:///run/podman/podman.sock"}
        elif engine == "ssh":
            import sshengine

            why = sshengine.missing()
            if why:
                print(f"ssh engine left out: {why}", file=sys.stderr)
                continue
            running = sshengine.start()
            started.append(running)
            envs[engine] = base | running.environ()
    return envs, started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="docker,podman,ssh")
    args = parser.parse_args()
    envs, started = environments(args.engines.split(","))
    results: dict[str, dict[str, list[float]]] = {e: {p: [] for p in PHASES} for e in envs}
    try:
        with tempfile.TemporaryDirectory(prefix="ddbench-") as tmp:
            work = Path(tmp)
            (work / "compose.yaml").write_text(STACK)
            (work / "site").mkdir()
            for _ in range(args.rounds):
                for engine, env in envs.items():  # alternating: load hits each alike
                    for phase, seconds in one_round(engine, env, work).items():
                        results[engine][phase].append(seconds)
    finally:
        for running in started:
            running.stop()  # type: ignore[attr-defined]
    print(f"{'':24}" + "".join(f"{e:>22}" for e in envs))
    for phase in PHASES:
        docker = statistics.median(results["docker"][phase]) if "docker" in results else None
        cells = []
        for engine in envs:
            m = statistics.median(results[engine][phase])
            ratio = f" ({m / docker:.2f}x)" if docker and engine != "docker" else ""
            cells.append(f"{m:.3f} s{ratio}")
        print(f"{phase:24}" + "".join(f"{c:>22}" for c in cells))
    print(f"medians of {args.rounds} rounds; (x) = the engine's time / Docker's")


if __name__ == "__main__":
    main()
