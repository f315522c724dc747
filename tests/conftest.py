"""Shared test set-up: a real engine client for tests marked ``engine``; nothing mocked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

# pytester (for the plugin's own tests) must be declared here, in the top-level conftest.
pytest_plugins = ["pytester"]

TEST_LABEL = "org.dockdjango.test"


@pytest.fixture(scope="session")
def engine():
    """A client for the real Docker engine (fails clearly when none answers)."""
    from dockdjango.engine.client import connect

    return connect()


@pytest.fixture(scope="session")
def base_image(engine) -> str:
    """The registry-free base image, made if missing."""
    from dockdjango.api.base import ensure_base_image

    return ensure_base_image(engine).ref


@pytest.fixture
def unique_name() -> str:
    """A name no other test (or parallel worker) uses: ``ddtest-<8 hex>``."""
    return f"ddtest-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cleanup_images(engine) -> Iterator[list[str]]:
    """Append image refs/ids to the yielded list; they are removed after the test."""
    refs: list[str] = []
    yield refs
    for ref in reversed(refs):
        try:
            engine.api.remove_image(ref, force=True, noprune=False)
        except Exception:  # already gone, or removed by the test itself
            pass
