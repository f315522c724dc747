"""Benchmark: the same stack on each engine: Docker, Podman, and Docker reached over ssh.

Per engine and round, as a person types them: ``dockdjango up -d --wait`` from no
containers (db's healthcheck gates web), the same again with nothing changed, then
``dockdjango watch`` running while a file is saved: the time until the site serves the new
content (``develop.watch``: ``sync ./site -> /app``, no bind mount on any engine, so every
engine takes the same path; on the ssh engine the site is reached through ``dockdjango
port --forward``, as its user would reach it), then ``down -v``. Docker Compose v2 does
the same on the Docker engine in the same run (``docker compose up -d --wait``, ``docker
compose watch --no-up``), as the peer. Prints per-runner medians, each dockdjango
runner's ratio to Compose's and to dockdjango's on Docker (above 1.0 is slower), and
the machine's load.

The ssh engine is this machine's Docker behind an sshd of the benchmark's own
(tests/sshengine.py; needs root, OpenSSH and the user from scripts/ensure-ssh-engine.sh);
Podman needs scripts/ensure-podman.sh and the base image in Podman's store
(``DOCKER_HOST=unix:///run/podman/podman.sock dockdjango base``). Compose on Podman is
left out: no healthcheck ever runs there without systemd, so its ``--wait`` never returns.

    .venv/bin/python benchmarks/engines.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import watch_latency  # noqa: E402  (its Watcher)

# The Go binary itself: the venv's Python wrapper around it always exits 0.
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


PHASES = ("up --wait", "up (no change)", "watch save-to-visible")
RUNNERS = ("compose", "docker", "podman", "ssh")  # compose: Docker Compose on Docker


def command(runner: str, project: str, *args: str) -> list[str]:
    """The command line a person types for ``runner``."""
    if runner == "compose":
        return [str(COMPOSE), "-p", project, *args]
    return [sys.executable, "-m", "dockdjango", "-p", project, *args]


def timed(env: dict[str, str], cwd: Path, argv: list[str], check: bool = True) -> float:
    """Seconds ``argv`` took; a failure stops the benchmark with its output."""
    began = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        out = (done.stdout + done.stderr).decode(errors="replace")[-800:]
        raise SystemExit(f"{' '.join(argv[-4:])} failed ({done.returncode}):\n{out}")
    return time.monotonic() - began


@contextmanager
def reached(runner: str, env: dict[str, str], cwd: Path, project: str) -> Iterator[str]:
    """The URL of web's port 8000 on this machine, as a person gets it: ``port`` prints it;
    on the ssh engine ``port --forward`` (the engine host's ports are not this machine's)
    prints the local end and forwards until stopped."""
    forward = runner == "ssh"
    argv = command(runner, project, "port", *(["--forward"] if forward else []), "web", "8000")
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        if not address:
            raise SystemExit(f"{' '.join(argv[-4:])} printed no address: {proc.stderr.read()}")
        yield f"http://{address}/"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


class Watcher(watch_latency.Watcher):
    """A runner's ``watch`` process (benchmarks/watch_latency.py's, with any command)."""

    def __init__(self, runner: str, env: dict[str, str], cwd: Path, project: str) -> None:
        self.proc = subprocess.Popen(
            command(runner, project, "watch", "--no-up"),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def wait_ready(self, marker: str, timeout: float = 120.0) -> None:
        """Until the watcher says it watches; then a second for its file watch to arm."""
        super().wait_ready(marker, timeout)
        time.sleep(1.0)

    def output(self) -> str:
        return "\n".join(self.lines[-20:])


def watch_latency(runner: str, env: dict[str, str], cwd: Path, project: str, url: str) -> float:
    """Seconds from saving a file to the site serving it, with the runner's watch on."""
    watcher = Watcher(runner, env, cwd, project)
    try:
        watcher.wait_ready("Watch enabled" if runner == "compose" else "watching")
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
        raise SystemExit(f"{runner}: the saved file never became visible\n{watcher.output()}")
    finally:
        watcher.stop()


def one_round(runner: str, env: dict[str, str], work: Path) -> dict[str, float]:
    """One up/up/watch/down cycle of ``runner`` on a project of its own."""
    project = f"ddbench-{uuid.uuid4().hex[:8]}"
    out: dict[str, float] = {}
    try:
        up = command(runner, project, "up", "-d", "--wait")
        out["up --wait"] = timed(env, work, up)
        out["up (no change)"] = timed(env, work, up)
        with reached(runner, env, work, project) as url:
            out["watch save-to-visible"] = watch_latency(runner, env, work, project, url)
    finally:
        timed(env, work, command(runner, project, "down", "-v"), check=False)
    return out


def environments(wanted: list[str]) -> tuple[dict[str, dict[str, str]], list[object]]:
    """Runner name -> the environment a process reaches its engine with; the sshd to stop."""
    envs: dict[str, dict[str, str]] = {}
    started: list[object] = []
    base = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"} | {"CI": "1"}
    for runner in wanted:
        if runner in ("compose", "docker"):
            envs[runner] = base
        elif runner == "podman":
            envs[runner] = base | {"DOCKER_HOST": "unix:///run/podman/podman.sock"}
        elif runner == "ssh":
            import sshengine

            why = sshengine.missing()
            if why:
                print(f"ssh engine left out: {why}", file=sys.stderr)
                continue
            running = sshengine.start()
            started.append(running)
            envs[runner] = base | running.environ()
    return envs, started


def ratio(value: float, peer: list[float] | None) -> str:
    return f"{value / statistics.median(peer):.2f}" if peer else "-"


def report(results: dict[str, dict[str, list[float]]], rounds: int, load: list[str]) -> None:
    """Medians per runner and phase, and each dockdjango runner's ratios."""
    print(f"{'':24}" + "".join(f"{r:>12}" for r in results))
    for phase in PHASES:
        cells = [f"{statistics.median(results[r][phase]):.3f} s" for r in results]
        print(f"{phase:24}" + "".join(f"{c:>12}" for c in cells))
    for peer in ("compose", "docker"):
        print(f"ratio to {peer}:")
        for phase in PHASES:
            peer_times = results.get(peer, {}).get(phase)
            cells = [
                ratio(statistics.median(results[r][phase]), peer_times)
                if r not in ("compose", peer)
                else ""
                for r in results
            ]
            print(f"  {phase:22}" + "".join(f"{c:>12}" for c in cells))
    print(f"medians of {rounds} rounds, runners alternating in turn; {os.cpu_count()} CPUs")
    print("load average (1/5/15 min): " + "; ".join(load))


def loadavg(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"{when} {one:.2f}/{five:.2f}/{fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engines", default=",".join(RUNNERS), help="of " + ",".join(RUNNERS))
    args = parser.parse_args()
    envs, started = environments(args.engines.split(","))
    results: dict[str, dict[str, list[float]]] = {r: {p: [] for p in PHASES} for r in envs}
    load = [loadavg("before")]
    try:
        with tempfile.TemporaryDirectory(prefix="ddbench-") as tmp:
            work = Path(tmp)
            (work / "compose.yaml").write_text(STACK)
            (work / "site").mkdir()
            for n in range(args.rounds):
                # alternating, and rotated each round: load hits each alike, and no runner
                # always follows the same other one (a teardown still settling in the daemon)
                order = list(envs.items())
                order = order[n % len(order) :] + order[: n % len(order)]
                for runner, env in order:
                    times = one_round(runner, env, work)
                    for phase, seconds in times.items():
                        results[runner][phase].append(seconds)
                    shown = " ".join(f"{t:.2f}" for t in times.values())
                    print(f"round {n + 1}/{args.rounds} {runner}: {shown}", file=sys.stderr)
    finally:
        for running in started:
            running.stop()  # type: ignore[attr-defined]
    load.append(loadavg("after"))
    report(results, args.rounds, load)


if __name__ == "__main__":
    main()
