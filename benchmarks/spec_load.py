"""Load a generated 200-service compose file with dockdjango and with `docker compose config`.

    .venv/bin/python benchmarks/spec_load.py [--services 200] [--rounds 7]

Prints the median wall time of each (dockdjango in-process via ``load_project``;
Compose as the ``docker-compose config --format json`` process it is for a user, so its
time includes process start-up: the Go binary itself, not the venv's Python wrapper,
whose own start-up would be charged to Compose) and the ratio. Also checks the two agree
on the service names, so the timing is of equivalent work. Then the loader stage by
stage (parse, interpolate, canonicalise, ..., the pydantic projection), on that file and
on the Library example's.
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

    binary = next(
        (Path(sys.executable).parents[1] / "lib").glob(
            "python3*/site-packages/compose/docker-compose"
        ),
        None,
    )
    compose = str(binary) if binary else shutil.which("docker-compose")
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
        library = Path(__file__).resolve().parents[1] / "examples" / "library" / "compose.yaml"
        for label, target in ((f"{args.services} services", path), ("Library", library)):
            stages = by_stage(lambda target=target: load_project([target], environ=env))
            shown = "  ".join(f"{name} {ms:.1f}" for name, ms in stages.items())
            print(f"stages, {label} (ms, median of {args.rounds}): {shown}")
    return 0


#: (module, function) of each stage, in the pipeline's order
STAGES = (
    ("parse", "parse_file"),
    ("interpolation", "interpolate"),
    ("include", "apply_include"),
    ("canonical", "canonical_file"),
    ("paths", "resolve_paths"),
    ("extends", "apply_extends"),
    ("merge", "merge_files"),
    ("finalize", "implicit_dependencies"),
    ("finalize", "apply_profiles"),
    ("finalize", "apply_env_files"),
    ("finalize", "check_references"),
    ("finalize", "drop_unused"),
    ("finalize", "resource_names"),
    ("projection", "to_project"),
)


def by_stage(load, rounds: int = 7) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Milliseconds per stage of one load (median over ``rounds``), found by timing the
    stage functions where the pipeline calls them; ``total`` is the whole load."""
    import importlib

    pipeline = importlib.import_module("dockdjango.compose.loader.pipeline")
    projection = importlib.import_module("dockdjango.compose.loader.projection")
    spent: dict[str, float] = {}
    patched = []
    for _stage, function in STAGES:
        owner = projection if function == "to_project" else pipeline
        if not hasattr(owner, function):
            continue
        original = getattr(owner, function)

        def timed(*a, _f=original, _n=function, **kw):  # type: ignore[no-untyped-def]
            began = time.perf_counter()
            try:
                return _f(*a, **kw)
            finally:
                spent[_n] = spent.get(_n, 0.0) + time.perf_counter() - began

        setattr(owner, function, timed)
        patched.append((owner, function, original))
    samples: dict[str, list[float]] = {}
    try:
        for _ in range(rounds):
            spent.clear()
            began = time.perf_counter()
            load()
            spent["total"] = time.perf_counter() - began
            for name, seconds in spent.items():
                samples.setdefault(name, []).append(seconds * 1000)
    finally:
        for owner, function, original in patched:
            setattr(owner, function, original)
    return {name: statistics.median(values) for name, values in samples.items()}


if __name__ == "__main__":
    raise SystemExit(main())
