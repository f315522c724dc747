"""Benchmark: every corpus project on a new user's path -- served or refused -- and the time
from `up` to the site's first 2xx/3xx, dockdjango beside Docker Compose.

For each corpus project (``tests/corpus/recipes.py``; all of them, not only CI's subset),
from a fresh copy with only its README's copies made:

- **outcome**: ``dockdjango up -d --wait`` as typed, and the one ``dockdjango up ...`` a
  failure's hint names (:func:`tests.corpus.recipes.up_as_typed`): served (``GET`` of its
  page answers 2xx/3xx on 127.0.0.1) or refused, with the one line that says why;
- **dockdjango 1st**: that ``up`` on a new project name (empty volumes, so migrations run;
  images built with whatever BuildKit cache earlier runs left) until the first 2xx/3xx;
- **dockdjango 2nd**: ``down`` (volumes kept), then the same ``up`` again: the day-to-day
  start;
- **compose 1st / 2nd**: the same with the Compose v2 binary on the files ``dockdjango
  init`` wrote (``docker compose -f ... up -d --wait``), on its own project name;
- **own compose**: where the project ships a compose file, ``docker compose up -d --wait``
  on that file as it is (backing images no registry serves tagged from dockdjango's
  stand-ins, so both tools run the same servers): timed when it runs here, else the
  reason it cannot.

Prints one row per project and the ratio dockdjango / compose (below 1.0: dockdjango is
faster); ``--markdown FILE`` also writes the outcome table the docs show. Everything a run
starts is removed: containers, networks, named and anonymous volumes, the images Compose
tagged, and the stand-in tags made for it.

    .venv/bin/python benchmarks/corpus_up.py                 # every corpus project
    .venv/bin/python benchmarks/corpus_up.py pretalx kiwitcms --markdown /tmp/corpus.md
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
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
    project_flags,
    published_ports,
    remove_project,
    up_as_typed,
)

COMPOSE = next(
    (ROOT / ".venv" / "lib").glob("python3*/site-packages/compose/docker-compose"),
    ROOT / ".venv" / "bin" / "docker-compose",
)
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


@dataclass
class Row:
    """One project's outcome and timings (seconds)."""

    name: str
    outcome: str = ""  # served / refused / failed
    line: str = ""  # the URL that answered, or the one-line refusal
    followed: tuple[str, ...] = ()
    times: dict[str, float] = field(default_factory=dict)
    own: str = ""  # what the project's own compose file did


def _answer(recipe: Recipe, root: Path, project: str, followed: tuple[str, ...]) -> str | None:
    for port in published_ports(root, project, followed):
        where, status = first_answer(recipe, port, within=600)
        if 200 <= status < 400:
            return f"http://127.0.0.1:{port}{where} {status}"
    return None


def _compose_up(
    files: list[str], root: Path, project: str, env: dict[str, str], recipe: Recipe
) -> tuple[float | None, str | None]:
    """``docker compose up -d --wait`` timed to the first 2xx/3xx; (seconds, None) or
    (None, why not)."""
    command = [str(COMPOSE), *(a for f in files for a in ("-f", f)), "-p", project]
    started = time.monotonic()
    proc = subprocess.run(
        # bounded as dockdjango's own up is: the generated healthcheck's long start
        # period would otherwise keep Compose waiting on a site that answers 500
        [*command, "up", "-d", "--wait", "--wait-timeout", "1800"],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        return None, (lines[-1] if lines else "failed")[:160]
    for port in published_ports(root, project):
        _, status = first_answer(recipe, port, within=600)
        if 200 <= status < 400:
            return time.monotonic() - started, None
    return None, "nothing it publishes answers 2xx/3xx"


def _compose_down(files: list[str], root: Path, project: str) -> None:
    command = [str(COMPOSE), *(a for f in files for a in ("-f", f)), "-p", project]
    subprocess.run(
        [*command, "down", "-v", "--rmi", "local", "--remove-orphans"],
        cwd=root,
        capture_output=True,
        timeout=600,
    )
    remove_project(root, project)


def measure(recipe: Recipe, work: Path, twins: dict[str, str], tagged: list[str]) -> Row:
    """The outcome and timings of one project."""
    row = Row(recipe.name)
    root = copy_project(CORPUS, recipe.name, work)
    env = {"WEB_PORT": str(free_port()), **recipe.extra_env}
    ours = f"bench-{uuid.uuid4().hex[:8]}"
    theirs = f"bench-{uuid.uuid4().hex[:8]}"
    own_files = [n for n in COMPOSE_NAMES if (root / n).is_file()][:1]
    try:
        started = time.monotonic()
        path = up_as_typed(root, ours, env=env)
        row.followed = path.followed
        hit = _answer(recipe, root, ours, path.followed) if path.up.returncode == 0 else None
        if hit is None:
            errors = path.errors or [ln for ln in path.up.stderr.splitlines() if ln.strip()][-1:]
            row.line = (errors[0] if errors else "no answer")[:240]
            if path.up.returncode == 0:
                row.line = f"up succeeded, but {' nor '.join(recipe.paths)} answered 2xx/3xx"
            # refused: for the reason the recipe expects (outside dockdjango); else failed
            expected = recipe.refusal()
            row.outcome = "refused" if expected and expected in row.line else "failed"
            return row
        # the user's path: the first `up` (and the hint's, when one was followed)
        row.outcome, row.line = "served", hit
        row.times["dockdjango 1st"] = time.monotonic() - started
        modes = project_flags(path.followed)
        dockdjango(["-p", ours, "down", *modes], root, env=env)
        # the next day, the command that worked, typed directly
        started = time.monotonic()
        again = dockdjango(
            ["-p", ours, "up", "-d", "--wait", "--timeout", "1800", *path.followed], root, env=env
        )
        if again.returncode == 0 and _answer(recipe, root, ours, path.followed):
            row.times["dockdjango 2nd"] = time.monotonic() - started
        remove_project(root, ours, path.followed)

        answers = [w for w in path.followed if w not in modes]
        name = "compose.dockdjango.yaml" if own_files else "compose.yaml"
        init = dockdjango(["init", "--file", name, *answers], root)
        if init.returncode == 0:
            trust_ca(root, twins)
            stand_ins(root, name, tagged)
            first, _ = _compose_up([name], root, theirs, env, recipe)
            if first is not None:
                row.times["compose 1st"] = first
                subprocess.run(
                    [str(COMPOSE), "-f", name, "-p", theirs, "down"],
                    cwd=root,
                    capture_output=True,
                    timeout=600,
                )
                second, _ = _compose_up([name], root, theirs, env, recipe)
                if second is not None:
                    row.times["compose 2nd"] = second
            _compose_down([name], root, theirs)
        if own_files:
            stand_ins(root, own_files[0], tagged)
            seconds, why = _compose_up(own_files, root, theirs, env, recipe)
            row.own = f"{seconds:.1f}s" if seconds is not None else f"cannot run here: {why}"
            _compose_down(own_files, root, theirs)
    finally:
        remove_project(root, ours, row.followed)
    return row


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


def _markdown(rows: list[Row]) -> str:
    out = [
        "| project | outcome | on one line | after the hint | dockdjango 1st / 2nd | "
        "compose (init's files) 1st / 2nd | its own compose file |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t = r.times
        ours = (
            f"{t['dockdjango 1st']:.0f} s / {t.get('dockdjango 2nd', 0):.0f} s"
            if "dockdjango 1st" in t
            else ""
        )
        theirs = (
            f"{t['compose 1st']:.0f} s / {t.get('compose 2nd', 0):.0f} s"
            if "compose 1st" in t
            else ""
        )
        line = r.line.replace("|", "\\|")
        hint = " ".join(r.followed) and f"`up {' '.join(r.followed)}`"
        own = r.own.replace("|", "\\|")
        out.append(f"| {r.name} | {r.outcome} | {line} | {hint} | {ours} | {theirs} | {own} |")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="*", help="corpus projects (default: all)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the outcome table here")
    args = parser.parse_args()
    names = args.projects or sorted(RECIPES)
    print(
        f"{'project':<22} {'outcome':<8} {'dd 1st':>7} {'2nd':>6} {'compose 1st':>12} "
        f"{'2nd':>6} {'ratio 1st':>10} {'ratio 2nd':>10}  own compose / line"
    )
    rows: list[Row] = []
    twins: dict[str, str] = {}
    tagged: list[str] = []
    with tempfile.TemporaryDirectory(prefix="corpus-bench-") as tmp:
        for name in names:
            try:
                row = measure(RECIPES[name], Path(tmp), twins, tagged)
            except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
                row = Row(name, "failed", f"{type(exc).__name__}: {exc}"[:240])
            rows.append(row)
            print(_line(row), flush=True)
    for tag in [*twins.values(), *tagged]:
        subprocess.run(["docker", "rmi", tag], capture_output=True)
    served = sum(r.outcome == "served" for r in rows)
    refused = sum(r.outcome == "refused" for r in rows)
    failed = len(rows) - served - refused
    print(f"served {served}/{len(rows)}, refused on one line {refused}, failed {failed}")
    if args.markdown:
        Path(args.markdown).write_text(_markdown(rows))
    return 0 if served + refused == len(rows) else 1


def _line(row: Row) -> str:
    t = row.times

    def sec(key: str) -> str:
        return f"{t[key]:.1f}s" if key in t else "-"

    def ratio(a: str, b: str) -> str:
        return f"{t[a] / t[b]:.2f}" if a in t and b in t and t[b] else "-"

    tail = row.own if row.outcome == "served" else row.line
    return (
        f"{row.name:<22} {row.outcome:<8} {sec('dockdjango 1st'):>7} {sec('dockdjango 2nd'):>6} "
        f"{sec('compose 1st'):>12} {sec('compose 2nd'):>6} "
        f"{ratio('dockdjango 1st', 'compose 1st'):>10} "
        f"{ratio('dockdjango 2nd', 'compose 2nd'):>10}  {tail}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
