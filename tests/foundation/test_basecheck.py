"""A project Dockerfile whose FROM cannot be had: one clear line, and the way out."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dockdjango.api.images.basecheck import wants_generated
from dockdjango.detection.base_refs import base_refs

DOCKERFILE = """ARG UV=0.4
FROM ghcr.io/astral-sh/uv:${UV} AS uv
FROM python:3.12-slim AS base
COPY --from=uv /uv /bin/
RUN --mount=type=bind,from=node:20,source=/x,target=/x true
FROM base
COPY --from=busybox:1 /bin/sh /x
FROM scratch
"""


def test_base_refs_skip_stages_and_substitute_args() -> None:
    refs = base_refs(DOCKERFILE)
    assert [(r.ref, r.where) for r in refs] == [
        ("ghcr.io/astral-sh/uv:0.4", "Dockerfile:2"),
        ("python:3.12-slim", "Dockerfile:3"),
        ("node:20", "Dockerfile:5"),
        ("busybox:1", "Dockerfile:7"),
    ]
    assert base_refs(DOCKERFILE, buildargs={"UV": "0.5"})[0].ref == "ghcr.io/astral-sh/uv:0.5"


def test_generated_is_asked_by_the_environment_or_the_compose_file() -> None:
    assert wants_generated({}, {"DOCKDJANGO_DOCKERFILE": "generated"})
    assert wants_generated({"x-dockdjango": {"dockerfile": "generated"}}, {})
    assert not wants_generated({"dockerfile": "Dockerfile"}, {})


@pytest.mark.engine
def test_up_names_the_from_line_and_offers_the_generated_dockerfile(tmp_path, unique_name):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim-nowhere\nCOPY . /app\n")
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", "-p", unique_name, "up", "-d"],
        cwd=tmp_path,
        env={**os.environ, "DOCKDJANGO_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    error = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        "error: service web: Dockerfile:1: FROM python:3.12-slim-nowhere: not present locally, "
        "and offline (DOCKDJANGO_OFFLINE)"
    ]
    assert "hint: --generated builds from the Dockerfile dockdjango generates instead" in (
        proc.stderr
    )
    subprocess.run(
        [sys.executable, "-m", "dockdjango", "-p", unique_name, "down"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
