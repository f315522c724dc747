"""Stacks with a real PostgreSQL for the database tests, driven by the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

COMPOSE = """\
name: {name}
{extra}
services:
  db:
    image: {image}
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: shop
      POSTGRES_DB: shop
    volumes: [pgdata:/var/lib/postgresql/data]
    ports: ["127.0.0.1::5432"]
    shm_size: 256mb
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U shop -d shop"]
      interval: 1s
      retries: 60
      start_period: 60s
volumes:
  pgdata:
"""


@pytest.fixture(scope="session")
def pg_image(engine, base_image) -> str:
    """The PostgreSQL image (the official one where a registry serves it, else Debian's)."""
    from dockdjango.api.stack.postgres import ensure_postgres_image

    return ensure_postgres_image(engine)


@dataclass
class DbStack:
    """A project directory with a compose file whose ``db`` is PostgreSQL, and its CLI."""

    root: Path
    name: str

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``python -m dockdjango ARGS`` in the project directory, as a user runs it."""
        proc = subprocess.run(
            [sys.executable, "-m", "dockdjango", *args],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=self.root,
            env={**os.environ, "CI": "1"},
        )
        if check:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    def connect(self, database: str = "shop") -> Any:
        """A psycopg connection from the host to the published port (autocommit)."""
        import psycopg

        host, _, port = self.cli("port", "db", "5432").stdout.strip().rpartition(":")
        return psycopg.connect(
            host=host, port=int(port), user="shop", password="shop", dbname=database,
            autocommit=True, connect_timeout=10,
        )  # fmt: skip

    def sql(self, query: str, database: str = "shop") -> list[tuple[Any, ...]]:
        """Rows of ``query`` (none for a statement), on a fresh connection."""
        with self.connect(database) as conn:
            cur = conn.execute(query)
            return list(cur.fetchall()) if cur.description else []


def make_stack(root: Path, engine, image: str, extra: str = "") -> DbStack:
    """Write the compose file in ``root`` (a unique project name)."""
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "compose.yaml").write_text(COMPOSE.format(name=name, image=image, extra=extra))
    return DbStack(root, name)


def remove_project(engine, name: str) -> None:
    """Whatever carries the project's label: containers, networks, volumes."""
    flt = {"label": [f"com.docker.compose.project={name}"]}
    for c in engine.api.containers(all=True, filters=flt):
        engine.api.remove_container(c["Id"], force=True, v=True)
    for n in engine.api.networks(filters=flt):
        engine.api.remove_network(n["Id"])
    for v in engine.api.volumes(filters=flt).get("Volumes") or []:
        engine.api.remove_volume(v["Name"], force=True)


@pytest.fixture
def db_stack(tmp_path: Path, engine, pg_image) -> Iterator[DbStack]:
    """A running stack with PostgreSQL; removed at the end, pass or fail."""
    stack = make_stack(tmp_path / "shop", engine, pg_image)
    try:
        stack.cli("up", "-d")
        yield stack
    finally:
        remove_project(engine, stack.name)
