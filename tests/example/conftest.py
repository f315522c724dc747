"""Fixtures for the Library example on the real engine: its web image, and a PostgreSQL.

The web image is built the way dockdjango builds any project (``build_project``).
Everything started here carries a ``ddtest-`` name and the test label, and is removed
afterwards, even when a test fails.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library"
TEST_LABEL = "org.dockdjango.test"
DB_ENV = {"POSTGRES_USER": "library", "POSTGRES_PASSWORD": "library", "POSTGRES_DB": "library"}
DATABASE_URL = "postgres://library:library@db:5432/library"


def build_example_image(engine, tag: str, target: str = "runtime") -> str:
    """Build the example's web image as dockdjango builds a project; return its id.

    ``build_project``: the generated Dockerfile on BuildKit, the project's ``.dockerignore``,
    dependencies from the cache mount, the host's CA bundle through a cache mount only.
    """
    from dockdjango.api.images.project_images import build_project

    built = build_project(
        EXAMPLE, tag=tag, target=target, client=engine, labels={TEST_LABEL: tag.split(":")[0]}
    )
    return built.image_id


@pytest.fixture(scope="session")
def library_image(engine, base_image) -> Iterator[str]:
    """The example's ``runtime`` image under a tag of this session's own."""
    tag = f"ddtest-library-{uuid.uuid4().hex[:8]}:latest"
    build_example_image(engine, tag)
    try:
        yield tag
    finally:
        try:
            engine.api.remove_image(tag)
        except Exception:
            pass


@dataclass
class LibraryDB:
    """A PostgreSQL reachable as ``db`` on a network of its own."""

    network: str
    container: object
    image: str


@pytest.fixture
def library_db(engine) -> Iterator[LibraryDB]:
    """PostgreSQL as the stack runs it (same image choice), on a fresh network, healthy."""
    from docker.types import EndpointConfig

    from dockdjango.api.stack.postgres import ensure_postgres_image

    image = ensure_postgres_image(engine)
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    network = engine.networks.create(name, labels={TEST_LABEL: name})
    container = None
    try:
        container = engine.containers.run(
            image,
            name=f"{name}-db",
            detach=True,
            environment=DB_ENV,
            labels={TEST_LABEL: name},
            network=network.name,
            # `db`, as the compose file's DATABASE_URL names it.
            networking_config={network.name: EndpointConfig(version="1.41", aliases=["db"])},
            healthcheck={
                "test": ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U library -d library"],
                "interval": 300_000_000,
                "timeout": 5_000_000_000,
                "retries": 200,
            },
        )
        wait_healthy(container)
        yield LibraryDB(network.name, container, image)
    finally:
        if container is not None:
            container.remove(force=True, v=True)
        network.remove()


def wait_healthy(container, timeout: float = 90.0) -> None:
    """Wait until the engine reports ``container`` healthy; fail with its logs otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs["State"]
        if (state.get("Health") or {}).get("Status") == "healthy":
            return
        if state["Status"] == "exited":
            break
        time.sleep(0.25)
    raise AssertionError(
        f"{container.name} not healthy:\n{container.logs().decode(errors='replace')[-3000:]}"
    )
