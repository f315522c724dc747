"""Load a generated 200-service compose file with dockdjango and with `docker compose config`.

    .venv/bin/python benchmarks/spec_load.py [--services 200] [--rounds 7]

Prints the median wall time of each (dockdjango in-process via ``load_project``;
Compose as the ``docker-compose config --format json`` process it is for a user, so its
time includes process start-up) and the ratio. Also checks the two agree on the
service names, so the timing is of equivalent work.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(services: int) -> str:
    """A compose file with ``services`` services using the common keys, both syntaxes."""
    lines = ["name: bench", "services:"]
    for i in range(services):
        lines += [
            f"  svc{i}:",
            f"    image: registry.example/app{i % 7}:${{TAG:-1.{i}}}",
            "    command: gunicorn app.wsgi --bind 0.0.0.0:8000 --workers 2",
            "    environment:",
            f"      - INDEX={i}",
            "      - DJANGO_DEBUG=${DEBUG:-0}",
            "    ports:",
            f"      - '127.0.0.1:{20000 + i}:8000'",
            "    volumes:",
            "      - ./src:/app:ro",
            "      - data:/var/lib/data",
            "    healthcheck:",
            "      test: curl -fsS http://localhost:8000/health",
            "      interval: 10s",
            "      retries: 5",
            "    labels: {tier: web, idx: 'n" + str(i) + "'}",
            "    networks: [front, back]",
        ]
        if i:
            lines += ["    depends_on:", f"      svc{i - 1}: {{condition: service_started}}"]
    lines += ["volumes:", "  data: {}", "networks:", "  front: {}", "  back: {}"]
    return "\n".join(lines) + "\n"


def time_it(fn, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    from dockdjango.compose import load_project

    beside = Path(sys.executable).parent / "docker-compose"
    compose = str(beside) if beside.exists() else shutil.which("docker-compose")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "compose.yaml"
        path.write_text(generate(args.services))
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}

        def ours() -> object:
            return load_project([path], environ=env)

        def theirs() -> str:
            return subprocess.run(
                [compose, "-f", str(path), "config", "--format", "json"],  # type: ignore[list-item]
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        project = ours()  # warm-up (imports) and a correctness check
        ours_times = time_it(ours, args.rounds)
        print(f"file: {args.services} services, {len(path.read_text().splitlines())} lines")
        print(
            f"dockdjango load_project    median {statistics.median(ours_times) * 1000:8.1f} ms"
            f"  (rounds: {', '.join(f'{t * 1000:.0f}' for t in ours_times)})"
        )
        if compose is None:
            print("docker-compose not found: no comparison")
            return 0
        names = set(json.loads(theirs())["services"])
        assert names == set(project.services), "the two loaders disagree on the services"  # type: ignore[attr-defined]
        theirs_times = time_it(theirs, args.rounds)
        print(
            f"docker-compose config      median {statistics.median(theirs_times) * 1000:8.1f} ms"
            f"  (rounds: {', '.join(f'{t * 1000:.0f}' for t in theirs_times)})"
        )
        tiny = Path(tmp) / "one.yaml"
        tiny.write_text("services:\n  one: {image: busybox}\n")

        def startup() -> object:
            return subprocess.run(
                [compose, "-f", str(tiny), "config", "--format", "json"],  # type: ignore[list-item]
                cwd=tmp,
                env=env,
                capture_output=True,
                check=True,
            )

        start_times = time_it(startup, args.rounds)
        print(
            f"  (of which start-up: a 1-service file takes "
            f"{statistics.median(start_times) * 1000:.1f} ms)"
        )
        ratio = statistics.median(ours_times) / statistics.median(theirs_times)
        print(
            f"ratio dockdjango / compose: {ratio:.2f}"
            f" ({'faster' if ratio < 1 else 'slower'} by {max(ratio, 1 / ratio):.1f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
