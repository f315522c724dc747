"""Benchmark: per corpus project, the time from `up` to the site's first 2xx/3xx answer,
first up and second up, dockdjango beside Docker Compose running the files `init` wrote.

For each served corpus project (``tests/corpus/recipes.py``), from a fresh copy:

- **dockdjango, first**: ``dockdjango [--generated] up -d`` on a new project name (empty
  volumes, so migrations run; images build with whatever BuildKit cache earlier runs left),
  until ``GET`` of the project's page answers 2xx/3xx on 127.0.0.1;
- **dockdjango, second**: ``down`` (volumes kept), then ``up -d`` again: the day-to-day start;
- **compose, first / second**: the same with the Compose v2 binary on the files
  ``dockdjango init`` wrote (``docker compose -f ... up -d``), on its own project name.

Prints seconds per project and the ratio dockdjango / compose (below 1.0: dockdjango is
faster). The copies, containers, volumes and the images Compose tagged are removed.

    .venv/bin/python benchmarks/corpus_up.py                 # every served project
    .venv/bin/python benchmarks/corpus_up.py pretalx tabbycat
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.corpus.conftest import CORPUS  # noqa: E402
from tests.corpus.recipes import (  # noqa: E402
    RECIPES,
    Recipe,
    copy_project,
    dockdjango,
    first_answer,
    free_port,
)

COMPOSE = next(
    (ROOT / ".venv" / "lib").glob("python3*/site-packages/compose/docker-compose"),
    ROOT / ".venv" / "bin" / "docker-compose",
)


def _timed_up(
    command: list[str], cwd: Path, env: dict[str, str], recipe: Recipe, port: int
) -> float:
    started = time.monotonic()
    proc = subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=3600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}...: {proc.stderr.strip()[-800:]}")
    path, status = first_answer(recipe, port, within=1800)
    if not 200 <= status < 400:
        raise RuntimeError(f"GET {path} answered {status}")
    return time.monotonic() - started


def trust_ca(root: Path, made: dict[str, str]) -> None:
    """Point the written Dockerfiles' ``FROM dockdjango/...`` at a twin that trusts the
    host's CA bundle: Compose has no way to the proxy's CA, as public bases trust public
    CAs where there is no proxy (dockdjango mounts the bundle in its own builds)."""
    import hashlib

    import docker

    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.images.ca import find_ca_bundle
    from dockdjango.images.context import make_context

    found = find_ca_bundle()
    if found is None:
        return
    bundle = found.read_bytes()
    client = docker.from_env()
    for dockerfile in sorted(root.glob("*Dockerfile*")):
        lines = dockerfile.read_text().splitlines(keepends=True)
        for i, line in enumerate(lines):
            words = line.split()
            if len(words) < 2 or words[0] != "FROM" or not words[1].startswith("dockdjango/"):
                continue
            base = words[1]
            if base not in made:
                tag = "bench-catrust:" + hashlib.sha256(bundle + base.encode()).hexdigest()[:12]
                text = (
                    f"FROM {base}\nCOPY ca.pem /etc/ssl/certs/ca-certificates.crt\n"
                    "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\n"
                )
                files = {"Dockerfile": text.encode(), "ca.pem": bundle}
                build_image(client, make_context(None, extra_files=files), tag=tag)
                made[base] = tag
            lines[i] = line.replace(base, made[base], 1)
        dockerfile.write_text("".join(lines))


def stand_ins(root: Path, compose_name: str, tagged: list[str]) -> None:
    """Give Compose the backing-service images ``up`` used: with no registry, an image such
    as ``postgres:17`` is tagged from dockdjango's Debian-built stand-in (both tools then run
    the same image); the tags made are removed at the end."""
    import docker
    import yaml

    from dockdjango.api.stack.service_images import resolve_service_image

    client = docker.from_env()
    services = (yaml.safe_load((root / compose_name).read_text()) or {}).get("services") or {}
    for service in services.values():
        ref = (service or {}).get("image")
        if not ref or "$" in ref or (service or {}).get("build"):
            continue
        try:
            client.images.get(ref)
            continue
        except docker.errors.ImageNotFound:
            pass
        image = resolve_service_image(ref, client, offline=True)
        if image is not None and image.ref != ref:
            repo, _, tag = ref.rpartition(":") if ":" in ref else (ref, "", "latest")
            client.images.get(image.ref).tag(repo, tag or "latest")
            tagged.append(ref)


def measure(
    recipe: Recipe, work: Path, twins: dict[str, str], tagged: list[str]
) -> dict[str, float]:
    """The four timings of one project."""
    root = copy_project(CORPUS, recipe.name, work)
    port = free_port()
    env = {"WEB_PORT": str(port), "DOCKDJANGO_UID": "0", "DOCKDJANGO_GID": "0"}
    ours = f"bench-{uuid.uuid4().hex[:8]}"
    theirs = f"bench-{uuid.uuid4().hex[:8]}"
    cli = [sys.executable, "-m", "dockdjango"]
    out: dict[str, float] = {}
    own = any((root / n).is_file() for n in ("compose.yaml", "docker-compose.yml"))
    name = "compose.dockdjango.yaml" if own else "compose.yaml"
    compose = [str(COMPOSE), "-f", name, "-p", theirs]
    try:
        up = [*cli, *recipe.up(ours, "-d", "--wait", "--timeout", "1800")]
        out["dockdjango first"] = _timed_up(up, root, env, recipe, port)
        dockdjango([*recipe.flags, "-p", ours, "down"], root, env=env)
        out["dockdjango second"] = _timed_up(up, root, env, recipe, port)
        dockdjango([*recipe.flags, "-p", ours, "down", "-v"], root, env=env)
        init = dockdjango(["init", "--file", name, *recipe.answers], root)
        if init.returncode != 0:
            raise RuntimeError(init.stderr[-800:])
        trust_ca(root, twins)
        stand_ins(root, name, tagged)
        cup = [*compose, "up", "-d", "--wait"]
        out["compose first"] = _timed_up(cup, root, env, recipe, port)
        subprocess.run([*compose, "down"], cwd=root, capture_output=True, timeout=600)
        out["compose second"] = _timed_up(cup, root, env, recipe, port)
    finally:
        dockdjango([*recipe.flags, "-p", ours, "down", "-v"], root, env=env, timeout=600)
        subprocess.run(
            [*compose, "down", "-v", "--rmi", "local"], cwd=root, capture_output=True, timeout=600
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="*", help="corpus projects (default: every served one)")
    args = parser.parse_args()
    names = args.projects or sorted(
        n for n, r in RECIPES.items() if r.refusal() is None and not r.not_yet
    )
    print(
        f"{'project':<22} {'dockdjango 1st':>15} {'2nd':>7} {'compose 1st':>12} {'2nd':>7} "
        f"{'ratio 1st':>10} {'ratio 2nd':>10}"
    )
    failed = 0
    twins: dict[str, str] = {}
    tagged: list[str] = []
    with tempfile.TemporaryDirectory(prefix="corpus-bench-") as tmp:
        for name in names:
            try:
                t = measure(RECIPES[name], Path(tmp), twins, tagged)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                print(f"{name:<22} failed: {exc}")
                failed += 1
                continue
            r1 = t["dockdjango first"] / t["compose first"]
            r2 = t["dockdjango second"] / t["compose second"]
            ours = f"{t['dockdjango first']:>14.1f}s {t['dockdjango second']:>6.1f}s"
            theirs = f"{t['compose first']:>11.1f}s {t['compose second']:>6.1f}s"
            print(f"{name:<22} {ours} {theirs} {r1:>10.2f} {r2:>10.2f}", flush=True)
    for tag in [*twins.values(), *tagged]:
        subprocess.run(["docker", "rmi", tag], capture_output=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
