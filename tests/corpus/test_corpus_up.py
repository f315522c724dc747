"""Corpus projects on a new user's path: served by ``dockdjango up`` -- or refused on one line.

One test per project of the CI subset (engine, slow; ``benchmarks/corpus_up.py`` serves
them all). From a fresh copy with only the copies its README asks for
(:mod:`.recipes`):

1. ``dockdjango up`` as typed; when it fails, it fails on one ``error:`` line with a hint,
   never a traceback, and when the hint names a ``dockdjango up ...`` command, that command
   is run once, as a user would (:func:`.recipes.up_as_typed`); no flag is the test's own;
2. a served project answers ``GET /`` or its login page with 2xx/3xx on the 127.0.0.1 port
   its ``web`` publishes, with its PostgreSQL/MySQL/Redis running beside it; a refused one
   says why on its one line;
3. ``dockdjango init`` writes files that the Compose binary accepts (``config``) and builds
   (``build``) -- from BuildKit's cache of step 1, so the project is built once -- and
   ``compare`` sets the image side up;
4. everything it started is removed (anonymous volumes included), even when a step failed.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import corpus_names
from .recipes import (
    RECIPES,
    copy_project,
    dockdjango,
    first_answer,
    free_port,
    project_flags,
    published_ports,
    remove_project,
    running_services,
    up_as_typed,
)

pytestmark = [pytest.mark.engine, pytest.mark.slow]

CI = sorted(n for n, r in RECIPES.items() if r.ci and not r.not_yet)
SERVED = [n for n in CI if RECIPES[n].refusal() is None]
REFUSED = [n for n in CI if RECIPES[n].refusal() is not None]
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def test_every_corpus_project_has_a_recipe(corpus: Path) -> None:
    assert set(RECIPES) == set(corpus_names())


def test_the_ci_subset_serves_and_refuses() -> None:
    """CI runs some of each outcome; the benchmark serves the rest."""
    assert SERVED and REFUSED


@pytest.mark.parametrize("name", REFUSED)
def test_project_that_cannot_run_here_is_refused_on_one_line(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    recipe = RECIPES[name]
    root = copy_project(corpus, name, tmp_path)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    path = None
    try:
        path = up_as_typed(root, project, env={"WEB_PORT": str(free_port())})
        assert path.up.returncode == 1 and "Traceback" not in path.up.stderr
        assert len(path.errors) == 1 and str(recipe.refusal()) in path.errors[0], path.up.stderr
        assert "hint:" in path.up.stderr
    finally:
        remove_project(root, project, path.followed if path else ())


@pytest.mark.parametrize("name", SERVED)
def test_up_serves_the_project_and_init_builds(
    corpus: Path, tmp_path: Path, name: str, compose_binary: str, trust_ca
) -> None:
    recipe = RECIPES[name]
    root = copy_project(corpus, name, tmp_path)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    env = {"WEB_PORT": str(free_port()), **recipe.extra_env}
    own_compose = any((root / n).is_file() for n in COMPOSE_NAMES)
    path = None
    try:
        path = up_as_typed(root, project, env=env)
        if path.first_error:  # a failure a user meets says what and where, on one line
            assert "Traceback" not in path.first_error
        assert path.up.returncode == 0, path.up.stderr[-4000:]
        ports = published_ports(root, project, path.followed)
        assert ports, path.up.stderr[-2000:]
        where, status = first_answer(recipe, ports[0])
        assert 200 <= status < 400, f"GET {where} answered {status}\n{path.up.stderr[-2000:]}"
        # the site answered above (whatever its service is called: web, app, django...);
        # its database and cache run beside it
        wanted = {"db" for s in recipe.services if s in ("postgres", "mysql")}
        wanted |= {"redis"} if "redis" in recipe.services else set()
        assert wanted <= running_services(root, project, path.followed)

        modes = project_flags(path.followed)
        answers = [w for w in path.followed if w not in modes]  # --python 3.13 ...
        compose_name = "compose.dockdjango.yaml" if own_compose else "compose.yaml"
        init = dockdjango(["init", "--file", compose_name, *answers], root)
        assert init.returncode == 0, init.stderr
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
        remove_project(root, project, path.followed if path else ())
        _remove_compare_images(project)


def _remove_compare_images(project: str) -> None:
    """The images `compare` tagged for this test's project (layers stay cached)."""
    import docker

    client = docker.from_env()
    for image in client.images.list(name=f"dockdjango-compare/{project}*"):
        for tag in image.tags:
            try:
                client.images.remove(tag, noprune=True)
            except docker.errors.APIError:
                pass
