"""Every corpus project, from a fresh copy, brought up by dockdjango -- or refused on one line.

One test per project (engine, slow): only the copies its README asks for are made; then

1. where the project ships a compose file that cannot run here (images no registry serves),
   plain ``dockdjango up`` fails on one explained line, never a traceback;
2. ``dockdjango up`` (``--generated`` over such a compose file) brings up what it
   detects, with PostgreSQL/Redis where the project uses them, and the site answers
   ``GET /`` or its login page with 2xx/3xx on 127.0.0.1;
3. ``dockdjango init`` writes files that the Compose binary accepts (``config``) and builds
   (``build``) -- from BuildKit's cache of step 2, so the project is built once;
4. ``down -v`` leaves nothing behind, even when a step failed.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from .conftest import corpus_names
from .recipes import RECIPES, copy_project, dockdjango, first_answer, free_port

pytestmark = [pytest.mark.engine, pytest.mark.slow]

SERVED = sorted(n for n, r in RECIPES.items() if r.refusal() is None and not r.not_yet)
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def test_every_corpus_project_has_a_recipe(corpus: Path) -> None:
    assert set(RECIPES) == set(corpus_names())


@pytest.mark.parametrize("name", sorted(n for n, r in RECIPES.items() if r.refusal()))
def test_project_that_cannot_run_here_is_refused_on_one_line(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    recipe = RECIPES[name]
    root = copy_project(corpus, name, tmp_path)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    try:
        proc = dockdjango(recipe.up(project, "-d"), root, timeout=3600)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and str(recipe.refusal()) in errors[0], proc.stderr
        assert "hint:" in proc.stderr
    finally:
        dockdjango([*recipe.flags, "-p", project, "down", "-v"], root, timeout=600)


@pytest.mark.parametrize("name", SERVED)
def test_up_serves_the_project_and_init_builds(
    corpus: Path, tmp_path: Path, name: str, compose_binary: str, trust_ca
) -> None:
    import subprocess

    recipe = RECIPES[name]
    root = copy_project(corpus, name, tmp_path)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {"WEB_PORT": str(port)}
    own_compose = any((root / n).is_file() for n in COMPOSE_NAMES)
    try:
        if own_compose:
            plain = dockdjango(["-p", project, "up", "-d"], root, env=env)
            assert plain.returncode == 1 and "Traceback" not in plain.stderr, plain.stderr
            errors = [line for line in plain.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1, plain.stderr
        up = dockdjango(recipe.up(project, "-d", "--wait", "--timeout", "1800"), root, env=env)
        assert up.returncode == 0, up.stderr[-4000:]
        path, status = first_answer(recipe, port)
        assert 200 <= status < 400, f"GET {path} answered {status}\n{up.stderr[-2000:]}"
        ps = dockdjango([*recipe.flags, "-p", project, "ps", "--json"], root, env=env)
        rows = json.loads(ps.stdout)
        running = {row["service"] for row in rows if row["state"] == "running"}
        wanted = {"web"} | {"db" for s in recipe.services if s in ("postgres", "mysql")}
        wanted |= {"redis"} if "redis" in recipe.services else set()
        assert wanted <= running, rows

        compose_name = "compose.dockdjango.yaml" if own_compose else "compose.yaml"
        init = dockdjango(["init", "--file", compose_name, *recipe.answers], root)
        assert init.returncode == 0, init.stderr
        assert (root / compose_name).is_file()
        # compose has no way to the proxy's CA: its build starts from a base trusting it,
        # as public bases trust public CAs where there is no proxy
        for dockerfile in sorted(root.glob("*Dockerfile*")):
            trust_ca(dockerfile)
        for args in (["config", "-q"], ["build"]):
            ran = subprocess.run(
                [compose_binary, "-f", compose_name, "-p", project, *args],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            assert ran.returncode == 0, f"compose {args[0]}: {ran.stderr[-3000:]}"

        # compare: the image side sets it up; the virtualenv side says why it cannot
        compared = dockdjango(
            ["compare", "--warm-only", "--no-tests", "--json", "--tag", f"{project}-cmp", "."],
            root,
            timeout=3600,
        )
        assert compared.returncode == 0, compared.stderr[-3000:]
        result = json.loads(compared.stdout)
        assert not any(n.startswith("cannot") for n in result["docker"]["notes"])
        cannot = [n for n in result["venv"]["notes"] if n.startswith("cannot set it up")]
        if recipe.venv_cannot:
            assert cannot and recipe.venv_cannot in cannot[0], result["venv"]["notes"]
        else:
            assert not cannot, result["venv"]["notes"]
    finally:
        for flags in ([], list(recipe.flags)):
            dockdjango([*flags, "-p", project, "down", "-v", "--remove-orphans"], root, timeout=600)
        _remove_images(project)


def _remove_images(project: str) -> None:
    """The images `compose build` and `compare` tagged for this test's project (layers stay
    cached)."""
    import docker

    client = docker.from_env()
    for image in client.images.list(name=f"{project}-*") + client.images.list(
        name=f"dockdjango-compare/{project}*"
    ):
        for tag in image.tags:
            try:
                client.images.remove(tag, noprune=True)
            except docker.errors.APIError:
                pass
