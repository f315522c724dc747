"""What `dockdjango up` says when a backing image cannot be had, or a stand-in must not run.

Engine, through the CLI as a user types it: each refusal is one ``error:`` line with a
``hint:`` that names the fix, and nothing is left crash-looping or written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

TEST_LABEL = "org.dockdjango.test"


def _cli(root: Path, project: str, *args: str, offline: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    if offline:
        env["DOCKDJANGO_OFFLINE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", "-p", project, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _one_error(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    hints = [ln for ln in proc.stderr.splitlines() if ln.startswith("hint:")]
    assert len(errors) == 1 and len(hints) == 1, proc.stderr
    return errors[0], hints[0]


def _compose(image: str) -> str:
    return (
        "services:\n"
        "  db:\n"
        f"    image: {image}\n"
        "    restart: always\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: pw\n"
        "    volumes:\n"
        "      - pgdata:/var/lib/postgresql/data\n"
        "volumes:\n"
        "  pgdata:\n"
    )


def _read_volume(engine, volume: str, path: str) -> tuple[str, str]:
    """(text of ``path``, its owner uid) inside ``volume``, read by a throw-away container."""
    reader = engine.containers.run(
        "dockdjango/postgres:15-bookworm",
        ["sh", "-c", f"cat /v/{path}; echo; stat -c %u /v/{path}"],
        entrypoint=[],
        volumes={volume: {"bind": "/v", "mode": "ro"}},
        labels={TEST_LABEL: volume},
        detach=True,
    )
    try:
        reader.wait(timeout=120)
        out = reader.logs(stdout=True, stderr=False)
    finally:
        # with the anonymous volume the image's VOLUME gave it
        reader.remove(force=True, v=True)
    text, _, owner = out.decode().strip().rpartition("\n")
    return text.strip(), owner.strip()


@pytest.mark.slow
def test_a_stand_in_of_another_major_version_refuses_the_volume(engine, tmp_path, unique_name):
    """postgres:17 wrote the volume; asked for postgres:16 (Debian gives 15), `up` refuses
    on one line with the fix -- no container is created, so nothing crash-loops under
    `restart: always` -- and the 15 stand-in, started on it another way, refuses too
    without changing a file."""
    compose = tmp_path / "compose.yaml"
    compose.write_text(_compose("postgres:17"))
    volume = f"{unique_name}_pgdata"
    try:
        up = _cli(tmp_path, unique_name, "up", "-d", "--wait")
        assert up.returncode == 0, up.stderr
        assert _cli(tmp_path, unique_name, "down").returncode == 0  # the volume stays
        before = _read_volume(engine, volume, "PG_VERSION")
        assert before[0] == "17"

        compose.write_text(_compose("postgres:16"))
        error, hint = _one_error(_cli(tmp_path, unique_name, "up", "-d", "--wait"))
        assert error == (
            f"error: service db: volume {volume} holds data of PostgreSQL 17, and the "
            "stand-in for postgres:16 is PostgreSQL 15 (dockdjango/postgres:15-bookworm), "
            "which cannot open it: not started, nothing in it was changed"
        )
        assert "image: postgres:17" in hint and "`dockdjango down -v`" in hint
        containers = engine.containers.list(
            all=True, filters={"label": f"com.docker.compose.project={unique_name}"}
        )
        assert [c for c in containers if c.labels.get("com.docker.compose.service") == "db"] == []

        # the entry point refuses as well, before a chown or an initdb could write
        name = f"ddtest-{uuid.uuid4().hex[:8]}"
        ran = engine.containers.run(
            "dockdjango/postgres:15-bookworm",
            name=name,
            environment={"POSTGRES_PASSWORD": "pw"},
            volumes={volume: {"bind": "/var/lib/postgresql/data", "mode": "rw"}},
            labels={TEST_LABEL: name},
            detach=True,
        )
        try:
            assert ran.wait(timeout=120)["StatusCode"] == 1
            assert "holds data of PostgreSQL 17, and this is PostgreSQL 15" in ran.logs().decode()
        finally:
            ran.remove(force=True, v=True)
        assert _read_volume(engine, volume, "PG_VERSION") == before
    finally:
        _cli(tmp_path, unique_name, "down", "-v")


def test_an_app_image_nothing_serves_gets_the_command_that_builds_it(tmp_path, unique_name):
    """`image:` with no `build:` in a Django project with a Dockerfile: the exact
    `docker build`, and the mode that runs what dockdjango detects instead."""
    ref = f"ddtest-nowhere/{unique_name}:1"
    (tmp_path / "compose.yaml").write_text(f"services:\n  app:\n    image: {ref}\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "manage.py").write_text("import django\n")
    try:
        error, hint = _one_error(_cli(tmp_path, unique_name, "up", "-d", offline=False))
        assert error.startswith(f"error: service app: image {ref} is not available locally")
        assert error.endswith("services.app has no `build:`, and the project has a Dockerfile")
        assert hint == (
            f"hint: build it: `docker build -t {ref} .`; or run what dockdjango detects in "
            "this Django project: `dockdjango up --generated`"
        )
    finally:
        _cli(tmp_path, unique_name, "down", "-v")


def test_elasticsearch_is_refused_on_one_line(tmp_path, unique_name):
    ref = "docker.elastic.co/elasticsearch/elasticsearch:7.14.0"
    (tmp_path / "compose.yaml").write_text(f"services:\n  search:\n    image: {ref}\n")
    try:
        error, hint = _one_error(_cli(tmp_path, unique_name, "up", "-d", offline=False))
        assert error.startswith(f"error: service search: image {ref} cannot be pulled (")
        assert error.endswith(
            "and Debian packages no Elasticsearch or OpenSearch server to build a stand-in from"
        )
        assert "docker load" in hint
    finally:
        _cli(tmp_path, unique_name, "down", "-v")
