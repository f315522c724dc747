"""``db reset`` on the Library example, through the CLI: a fresh database, migrated by the
stack's own Django service, the fixtures the compose file names loaded. And ``up`` says
nothing about migrations there: ``web`` applies them as it starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.database.conftest import remove_project

pytestmark = pytest.mark.engine

LIBRARY = Path(__file__).resolve().parents[2] / "examples" / "library"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_reset_empties_migrates_and_loads_the_fixtures(engine, pg_image, base_image) -> None:
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "POSTGRES_"))}
    env.update(CI="1", WEB_PORT=str(free_port()), DOCKDJANGO_POSTGRES_IMAGE=pg_image)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "dockdjango", "-p", project, *args],
            cwd=LIBRARY, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    def books() -> int:
        done = cli("exec", "-T", "db", "psql", "-At", "-U", "library", "-c",
                   "SELECT count(*) FROM books_book")  # fmt: skip
        return int(done.stdout.strip())

    try:
        up = cli("up", "-d")
        assert not [line for line in up.stderr.splitlines() if line.startswith("!")], up.stderr
        assert books() == 4  # web's start-up loaded the sample books
        cli("exec", "-T", "db", "psql", "-U", "library", "-c", "DELETE FROM books_book")
        assert books() == 0

        reset = cli("db", "reset")
        assert "library reset to a fresh, migrated database" in reset.stdout
        assert "loading books/fixtures/sample_books.json" in reset.stderr
        assert books() == 4
        web = f"http://127.0.0.1:{env['WEB_PORT']}/api/"
        import requests

        assert requests.get(web, timeout=10).json()["count"] == 4  # the app reconnected
    finally:
        remove_project(engine, project)
        for image in engine.api.images(name=f"{project}-web"):
            engine.api.remove_image(image["Id"], force=True)
