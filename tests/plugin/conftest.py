"""Shared set-up for the plugin's own tests: pytester, the PostgreSQL image, inner-run helpers.

Inner pytest sessions run in subprocesses (``runpytest_subprocess``): each is a real test
run with its own pid, as a user's would be, so owner labels, SIGKILL and xdist behave as
they do for users.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

BASE = "dockdjango/python:3.11-bookworm"


@pytest.fixture(scope="session")
def pg_image(engine, base_image) -> str:
    """The PostgreSQL image the stack and the postgres fixture use (built from Debian here)."""
    from dockdjango.api.stack.postgres import ensure_postgres_image

    return ensure_postgres_image(engine)


def web_compose(extra_env: str = "", command: str = "") -> str:
    """A compose file with one HTTP service from the base image and a fast healthcheck."""
    cmd = command or '["python3", "-m", "http.server", "8000"]'
    return f"""\
services:
  web:
    image: {BASE}
    command: {cmd}
    init: true
    ports: ["8000:8000"]
    environment:
      MARK: "{extra_env}"
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/')"]
      interval: 1s
      retries: 5
      start_period: 20s
"""


def inner_env(**extra: str) -> dict[str, str]:
    """Environment for an inner run: ours minus pytest's and xdist's own variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTEST_XDIST"))}
    env.update(extra)
    return env


@pytest.fixture
def project_cleanup(engine) -> Iterator[list[str]]:
    """Append compose project names; anything left with that project label is removed."""
    projects: list[str] = []
    yield projects
    for project in projects:
        flt = {"label": [f"com.docker.compose.project={project}"]}
        for c in engine.api.containers(all=True, filters=flt):
            engine.api.remove_container(c["Id"], force=True, v=True)
        for n in engine.api.networks(filters=flt):
            engine.api.remove_network(n["Id"])
        for v in engine.api.volumes(filters=flt).get("Volumes") or []:
            engine.api.remove_volume(v["Name"], force=True)


def session_objects(engine, session: str) -> list[str]:
    """Names of containers carrying the session label ``session``."""
    flt = {"label": [f"dev.dockdjango.session={session}"]}
    return [c["Names"][0].lstrip("/") for c in engine.api.containers(all=True, filters=flt)]


def projects_left(engine, directory: Path) -> list[str]:
    """Compose projects still present that a run in ``directory`` named (``<dir>-...``)."""
    from dockdjango.compose.naming import normalize_project_name

    prefix = normalize_project_name(directory.name) + "-"
    key = "com.docker.compose.project"
    found = engine.api.containers(all=True, filters={"label": key})
    return sorted({c["Labels"][key] for c in found if c["Labels"][key].startswith(prefix)})
