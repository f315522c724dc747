"""Soak: kill `up`, `up --force-recreate` and `down` at random moments, then check the next
`up` converges with no data lost and no orphan — dockdjango and Docker Compose side by side.

The stack has a service with a named volume *and* an anonymous volume, each seeded with a
marker file, and a second service that depends on it being healthy. Each trial starts one
operation as a person types it, sends SIGKILL or SIGINT after a random delay (within the
time the operation usually takes), then runs a plain `up` to completion and checks:

- converged: the recovery `up` exits 0 and every service has exactly one running container;
- named lost: the named volume's marker is gone (never acceptable);
- anon lost: the anonymous volume's marker is gone although the operation was `up` or
  `up --force-recreate` (a recreate must carry anonymous volumes over; after `down` a fresh
  anonymous volume is expected, so those trials re-seed instead);
- strays: containers of the project beyond one per service (duplicates, temporary names)
  or of services the file does not define.

    .venv/bin/python benchmarks/soak.py --trials 20          # 20 per operation and signal
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = next(
    (ROOT / ".venv" / "lib").glob("python3*/site-packages/compose/docker-compose"),
    ROOT / ".venv" / "bin" / "docker-compose",
)
IMAGE = "dockdjango/python:3.11-bookworm"
MARK = "soak-marker"

STACK = f"""
services:
  store:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 1000000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 300ms
      retries: 100
    volumes: ["named:/named", "/anon"]
  web:
    image: {IMAGE}
    init: true
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1::8000"]
    depends_on:
      store: {{condition: service_healthy}}
volumes:
  named:
"""
SERVICES = ("store", "web")
OPS = ("up", "up --force-recreate", "down")
SIGNALS = {"KILL": signal.SIGKILL, "INT": signal.SIGINT}


def commands(tool: str, project: str) -> dict[str, list[str]]:
    """The commands a person types, per operation, plus the recovery `up`."""
    if tool == "compose":
        base = [str(COMPOSE), "-p", project]
        up = [*base, "up", "-d", "--wait"]
        return {
            "up": up,
            "up --force-recreate": [*up, "--force-recreate"],
            "down": [*base, "down"],
            "recover": up,
        }
    base = [sys.executable, "-m", "dockdjango"]
    up = [*base, "up", "-d", "-p", project]
    return {
        "up": up,
        "up --force-recreate": [*up, "--force-recreate"],
        "down": [*base, "down", "-p", project],
        "recover": up,
    }


@dataclass
class Tally:
    """Outcomes of the trials of one tool, operation and signal."""

    trials: int = 0
    converged: int = 0
    named_lost: int = 0
    anon_lost: int = 0
    strays: int = 0
    recover_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def run(cmd: list[str], cwd: Path, timeout: float = 180) -> tuple[int, float, str]:
    """Run to completion: exit code, seconds, stderr tail."""
    began = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, time.perf_counter() - began, proc.stderr[-400:]


def interrupt(cmd: list[str], cwd: Path, delay: float, sig: signal.Signals) -> None:
    """Start ``cmd``, send ``sig`` after ``delay`` seconds (if it still runs), reap it."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def containers(
    client: docker.DockerClient, project: str
) -> list[docker.models.containers.Container]:
    """Every container of the project, running or not."""
    label = f"com.docker.compose.project={project}"
    return client.containers.list(all=True, filters={"label": label})


def store_container(client: docker.DockerClient, project: str):
    """The one running `store` container, or None."""
    for c in containers(client, project):
        if c.labels.get("com.docker.compose.service") == "store" and c.status == "running":
            return c
    return None


def read_marks(client: docker.DockerClient, project: str) -> tuple[bool, bool]:
    """Whether the named and the anonymous volume still hold the marker."""
    c = store_container(client, project)
    if c is None:
        return False, False
    named = c.exec_run(["cat", "/named/mark"]).output.decode().strip() == MARK
    anon = c.exec_run(["cat", "/anon/mark"]).output.decode().strip() == MARK
    return named, anon


def seed(client: docker.DockerClient, project: str, *, named: bool, anon: bool) -> bool:
    """Write the markers into the running store container's volumes; False when no
    store container runs (the recovery `up` left the stack broken)."""
    c = store_container(client, project)
    if c is None:
        return False
    for path, wanted in (("/named/mark", named), ("/anon/mark", anon)):
        if wanted:
            c.exec_run(["sh", "-c", f"echo {MARK} > {path}"])
    return True


def stray_count(client: docker.DockerClient, project: str) -> int:
    """Containers beyond one running per defined service."""
    per: dict[str, int] = {}
    extra = 0
    for c in containers(client, project):
        service = c.labels.get("com.docker.compose.service", "")
        if service not in SERVICES or c.status != "running":
            extra += 1
        else:
            per[service] = per.get(service, 0) + 1
    return extra + sum(n - 1 for n in per.values() if n > 1)


def converged(client: docker.DockerClient, project: str) -> bool:
    """Exactly one running container per service."""
    running: dict[str, int] = {}
    for c in containers(client, project):
        if c.status == "running":
            s = c.labels.get("com.docker.compose.service", "")
            running[s] = running.get(s, 0) + 1
    return all(running.get(s) == 1 for s in SERVICES)


def typical_seconds(cmds: dict[str, list[str]], cwd: Path, log: Callable[[str], None]) -> dict:
    """How long each operation usually takes (median of 3), to place the kills within."""
    took: dict[str, list[float]] = {op: [] for op in OPS}
    for _ in range(3):
        for op in OPS:
            code, secs, err = run(cmds[op], cwd)
            if code != 0:
                raise SystemExit(f"{' '.join(cmds[op])} failed: {err}")
            took[op].append(secs)
        run(cmds["recover"], cwd)
    medians = {op: statistics.median(v) for op, v in took.items()}
    log("typical: " + ", ".join(f"{op} {s:.2f}s" for op, s in medians.items()))
    return medians


def soak(tool: str, project: str, workdir: Path, trials: int, rng: random.Random) -> dict:
    """Every trial for one tool; returns {(op, signal): Tally}."""
    client = docker.from_env()
    cmds = commands(tool, project)
    log = lambda msg: print(f"[{tool}] {msg}", flush=True)  # noqa: E731
    code, _, err = run(cmds["recover"], workdir)
    if code != 0:
        raise SystemExit(f"{tool}: first up failed: {err}")
    typical = typical_seconds(cmds, workdir, log)

    def reseed(*, named: bool, anon: bool) -> None:
        # a stack the recovery `up` left broken gets one more plain `up` before giving up
        if not seed(client, project, named=named, anon=anon):
            run(cmds["recover"], workdir)
            if not seed(client, project, named=named, anon=anon):
                raise SystemExit(f"{project}: no running store container after two `up`s")

    reseed(named=True, anon=True)
    results: dict[tuple[str, str], Tally] = {}
    for op in OPS:
        for sig_name, sig in SIGNALS.items():
            tally = results.setdefault((op, sig_name), Tally())
            for _ in range(trials):
                delay = rng.uniform(0.02, max(0.1, typical[op]))
                interrupt(cmds[op], workdir, delay, sig)
                code, secs, err = run(cmds["recover"], workdir)
                tally.trials += 1
                tally.recover_s.append(secs)
                ok = code == 0 and converged(client, project)
                tally.converged += ok
                if not ok:
                    states = sorted(f"{c.name}:{c.status}" for c in containers(client, project))
                    last = err.strip().splitlines()[-1:] or [""]
                    tally.failures.append(f"exit {code}: {last[0][:160]} [{', '.join(states)}]")
                if store_container(client, project) is None:
                    run(cmds["recover"], workdir)  # read the data once the stack runs again
                named, anon = read_marks(client, project)
                tally.named_lost += not named
                if op == "down":
                    reseed(named=not named, anon=not anon)
                else:
                    tally.anon_lost += not anon
                    if not anon:  # count each loss once, then start the next trial whole
                        reseed(named=False, anon=True)
                if not named:
                    reseed(named=True, anon=False)
                tally.strays += stray_count(client, project) > 0
            log(
                f"{op:<20} {sig_name:<4} converged {tally.converged}/{tally.trials}, "
                f"named lost {tally.named_lost}, anon lost {tally.anon_lost}, "
                f"strays {tally.strays}"
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=20, help="per operation and signal")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--tools", default="dockdjango,compose")
    args = parser.parse_args()
    seed_value = args.seed if args.seed is not None else random.randrange(1 << 30)
    tag = uuid.uuid4().hex[:6]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    projects = {t: f"ddsoak-{tag}-{'dd' if t == 'dockdjango' else 'dc'}" for t in tools}
    all_results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "compose.yaml").write_text(STACK)
        try:
            for tool in tools:
                # the same random moments for both tools
                all_results[tool] = soak(
                    tool, projects[tool], workdir, args.trials, random.Random(seed_value)
                )
        finally:
            for project in projects.values():
                subprocess.run(
                    [str(COMPOSE), "-p", project, "down", "-v", "--remove-orphans"],
                    cwd=workdir,
                    capture_output=True,
                )
    print(f"\nsoak: {args.trials} trials per operation and signal, seed {seed_value}")
    header = f"{'tool':<12}{'operation':<22}{'signal':<8}{'converged':>10}"
    print(header + f"{'named lost':>12}{'anon lost':>11}{'strays':>8}{'recover s':>11}")
    for tool, results in all_results.items():
        for (op, sig_name), t in results.items():
            print(
                f"{tool:<12}{op:<22}{sig_name:<8}{f'{t.converged}/{t.trials}':>10}"
                f"{t.named_lost:>12}{t.anon_lost:>11}{t.strays:>8}"
                f"{statistics.median(t.recover_s):>11.2f}"
            )
    print("recover s = median seconds of the `up` after each interrupted operation")
    for tool, results in all_results.items():
        for (op, sig_name), t in results.items():
            for failure in t.failures:
                print(f"  not converged: {tool} {op} {sig_name}: {failure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
