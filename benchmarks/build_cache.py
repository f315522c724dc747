"""Layer caching, measured: dockdjango's generated Dockerfile vs a naive one vs Compose (BuildKit).

For each variant, on a fresh copy of a project (default: examples/library), times:

  cold          nothing cached: each run builds on its own copy of the base image (the shared
                base plus a unique label), so no layer above the base exists; dockdjango
                also starts with an empty wheel cache
  no-change     the same build again
  source edit   one line appended to a source file
  +1 package    one requirement appended to requirements.txt

Variants:
  (a) dockdjango   the generated Dockerfile through ``build_project`` (classic builder,
                   host-side wheel cache)
  (b) naive        ``COPY . .`` then ``pip install -r requirements.txt`` (classic builder)
  (c) compose      ``.venv/bin/docker-compose build`` (BuildKit) of the generated Dockerfile,
                   installing from the index (no wheelhouse: Compose cannot run our fetch);
                   its cold build uses ``--no-cache``

Prints every run, then medians and ratios. Run:

    .venv/bin/python benchmarks/build_cache.py                  # library, 3 repeats
    .venv/bin/python benchmarks/build_cache.py --repeat 1 --project tests/images/data/sample
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("cold", "no-change", "source edit", "+1 package")
COMPOSE = REPO / ".venv" / "bin" / "docker-compose"

NAIVE = """FROM {base}
WORKDIR /app
COPY . .
ENV PIP_CERT=/app/.dockdjango/ca-bundle.crt
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
CMD ["/opt/venv/bin/python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def copy_project(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__"))
    # A token in the source and in the requirements makes every layer from the dependency
    # files on this run's own — also for BuildKit, whose cache outlives the per-run base.
    token = uuid.uuid4().hex
    (dest / "bench_token.py").write_text(f"TOKEN = {token!r}\n")
    with open(dest / "requirements.txt", "a") as fh:
        fh.write(f"# benchmark run {token}\n")


def source_file(root: Path) -> Path:
    for candidate in ("books/views.py", "greet/__init__.py", "app.py"):
        if (root / candidate).is_file():
            return root / candidate
    return next(p for p in sorted(root.rglob("*.py")) if p.name != "manage.py")


def scenario_edits(root: Path, package: str) -> dict[str, Callable[[], None]]:
    def edit_source() -> None:
        with open(source_file(root), "a") as fh:
            fh.write(f"# benchmark edit {uuid.uuid4().hex[:6]}\n")

    def add_package() -> None:
        with open(root / "requirements.txt", "a") as fh:
            fh.write(f"{package}\n")

    return {
        "cold": lambda: None,
        "no-change": lambda: None,
        "source edit": edit_source,
        "+1 package": add_package,
    }


def run_dockdjango(
    client, root: Path, tag: str, package: str, made: list[str], base: str
) -> dict[str, float]:
    from dockdjango.api.images import build_project
    from dockdjango.images.dockerfile import DockerfileOptions

    # The base named up front: no registry look-up inside the timings.
    options = DockerfileOptions(base_image=base)
    times: dict[str, float] = {}
    for name, edit in scenario_edits(root, package).items():
        edit()
        started = time.monotonic()
        result = build_project(root, tag=tag, client=client, options=options)
        times[name] = time.monotonic() - started
        if result.wheels_image and result.wheels_image not in made:
            made.append(result.wheels_image)
        note = f"{result.reused} reused, fetched {len(result.wheels_fetched)} wheel(s)"
        if result.mismatches():
            note += f", PREDICTION MISSED: {result.mismatches()}"
        print(f"  (a) dockdjango  {name:12} {times[name]:7.2f} s  ({note})", flush=True)
    return times


def run_naive(
    client, root: Path, tag: str, package: str, made: list[str], base: str
) -> dict[str, float]:
    from dockdjango.api.images import layer_ids
    from dockdjango.engine.build import build_image
    from dockdjango.images.ca import find_ca_bundle
    from dockdjango.images.context import make_context
    from dockdjango.images.dockerignore import DockerIgnore, generate_dockerignore

    ca = find_ca_bundle()
    extras = {".dockdjango/Dockerfile": NAIVE.format(base=base).encode()}
    if ca is not None:
        extras[".dockdjango/ca-bundle.crt"] = ca.read_bytes()
    ignore = DockerIgnore(generate_dockerignore())
    times: dict[str, float] = {}
    for name, edit in scenario_edits(root, package).items():
        edit()
        started = time.monotonic()
        context = make_context(root, exclude=ignore, extra_files=extras)
        result = build_image(client, context, dockerfile=".dockdjango/Dockerfile", tag=tag)
        times[name] = time.monotonic() - started
        ids = layer_ids(result)
        made += [ids[s.index] for s in result.steps if not s.cached and s.index in ids]
        print(
            f"  (b) naive       {name:12} {times[name]:7.2f} s  ({result.reused} reused)",
            flush=True,
        )
    return times


def run_compose(client, root: Path, tag: str, package: str, base: str) -> dict[str, float]:
    from dockdjango.api.images import prepare
    from dockdjango.images.dockerfile import DockerfileOptions
    from dockdjango.images.dockerignore import generate_dockerignore

    prepared = prepare(
        root,
        options=DockerfileOptions(base_image=base_ref(client), wheelhouse=False),
        client=client,
    )
    (root / "Dockerfile").write_text(prepared.dockerfile)
    (root / ".dockerignore").write_text(generate_dockerignore())
    for rel, data in prepared.extras.items():
        if rel.startswith(".dockdjango/") and not rel.endswith("Dockerfile"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
    project = f"ddbench{uuid.uuid4().hex[:8]}"
    (root / "compose.yaml").write_text(
        f"services:\n  web:\n    build:\n      context: .\n    image: {tag}\n"
    )
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    times: dict[str, float] = {}
    for name, edit in scenario_edits(root, package).items():
        edit()
        cmd = [str(COMPOSE), "-p", project, "-f", str(root / "compose.yaml"), "build"]
        if name == "cold":
            cmd.append("--no-cache")  # BuildKit's cache is keyed by content, not our base's id
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        times[name] = time.monotonic() - started
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            print(f"  (c) compose     {name:12} FAILED: {' | '.join(tail)}", flush=True)
            times[name] = float("nan")
            continue
        cached = (proc.stdout + proc.stderr).count("CACHED")
        print(f"  (c) compose     {name:12} {times[name]:7.2f} s  ({cached} CACHED)", flush=True)
    return times


def base_ref(client) -> str:
    from dockdjango.api.base import ensure_base_image

    return ensure_base_image(client).ref


def make_base(client, tag: str) -> str:
    """The shared base plus a unique label: a base no layer has been built on yet."""
    import io
    import tarfile

    from dockdjango.engine.build import build_image

    dockerfile = f"FROM {base_ref(client)}\nLABEL dev.dockdjango.bench={tag}\n".encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    return build_image(client, buf.getvalue(), tag=tag).image_id


def cleanup(client, tag: str, base_tag: str, base_id: str, made: list[str]) -> None:
    """Remove the run's image and every layer built on its base (only this run's)."""
    children: dict[str, list[str]] = {}
    for image in client.api.images(all=True):
        children.setdefault(image.get("ParentId", ""), []).append(image["Id"])
    order: list[str] = []
    stack = [base_id]
    while stack:
        for child in children.get(stack.pop(), []):
            order.append(child)
            stack.append(child)
    for ref in [tag, *reversed(order), base_tag, *made]:
        try:
            client.api.remove_image(ref, force=True, noprune=True)
        except Exception:  # gone already
            pass


def report(results: dict[str, dict[str, list[float]]]) -> None:
    def med(xs: list[float]) -> float:
        good = [x for x in xs if x == x]
        return statistics.median(good) if good else float("nan")

    print("\nmedians (seconds)")
    names = list(results)
    print(f"{'scenario':14}" + "".join(f"{n:>14}" for n in names))
    for s in SCENARIOS:
        print(f"{s:14}" + "".join(f"{med(results[n][s]):14.2f}" for n in names))
    a = results.get("dockdjango")
    if not a:
        return
    print("\nratios")
    src, cold = med(a["source edit"]), med(a["cold"])
    print(f"dockdjango source edit / its cold build      {src / cold:8.1%}   (goal < 5%)")
    for other in ("naive", "compose"):
        if other in results:
            for s in ("source edit", "+1 package", "no-change"):
                ratio = med(results[other][s]) / med(a[s])
                print(f"{other} / dockdjango, {s:12}          {ratio:8.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=str(REPO / "examples" / "library"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--package", default="six==1.16.0", help="the requirement to add")
    parser.add_argument("--variants", default="dockdjango,naive,compose")
    args = parser.parse_args()

    from dockdjango.engine.client import connect

    client = connect(timeout=600)
    variants = args.variants.split(",")
    results: dict[str, dict[str, list[float]]] = {v: {s: [] for s in SCENARIOS} for v in variants}
    saved_cache = os.environ.get("DOCKDJANGO_CACHE")
    base_ref(client)  # make the base image before timing anything
    for rep in range(args.repeat):
        for variant in variants:
            print(f"run {rep + 1}/{args.repeat}: {variant}", flush=True)
            with tempfile.TemporaryDirectory(prefix="ddbench-") as tmp:
                root = Path(tmp) / Path(args.project).name
                copy_project(Path(args.project), root)
                run_id = uuid.uuid4().hex[:8]
                tag = f"ddbench-{run_id}:{variant}"
                base_tag = f"ddbench-base-{run_id}:latest"
                base_id = make_base(client, base_tag)
                made: list[str] = []
                try:
                    if variant == "dockdjango":
                        # an empty wheel cache and build record: the cold build is truly cold
                        os.environ["DOCKDJANGO_CACHE"] = str(Path(tmp) / "cache")
                        times = run_dockdjango(client, root, tag, args.package, made, base_tag)
                    elif variant == "naive":
                        times = run_naive(client, root, tag, args.package, made, base_tag)
                    else:
                        times = run_compose(client, root, tag, args.package, base_tag)
                finally:
                    if saved_cache is None:
                        os.environ.pop("DOCKDJANGO_CACHE", None)
                    else:
                        os.environ["DOCKDJANGO_CACHE"] = saved_cache
                    cleanup(client, tag, base_tag, base_id, made)
                for s, t in times.items():
                    results[variant][s].append(t)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
