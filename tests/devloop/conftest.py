"""Fixtures for the dev-loop tests: a project directory of our own, cleaned up whatever
happens (containers, networks, volumes and the images its services built)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import docker.errors
import pytest

from dockdjango.engine import labels as L


def leftovers(client, project: str) -> list[str]:
    """Anything still labelled with ``project`` (one-off containers included)."""
    f = L.project_filter(project)
    return [
        *(str(c["Names"]) for c in client.api.containers(all=True, filters=f)),
        *(str(n["Name"]) for n in client.api.networks(filters=f)),
        *(str(v["Name"]) for v in client.api.volumes(filters=f).get("Volumes") or []),
    ]


@pytest.fixture
def project_dir(engine, base_image, unique_name, tmp_path) -> Iterator[Callable[..., Path]]:
    """``project_dir(compose_text, files={...})`` -> the directory, with compose.yaml named
    after the test's unique project. Everything of that project is removed afterwards."""
    root = tmp_path / "proj"

    def make(compose: str, files: dict[str, str] | None = None) -> Path:
        root.mkdir(exist_ok=True)
        (root / "compose.yaml").write_text(f"name: {unique_name}\n{compose}")
        for rel, text in (files or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    yield make
    from dockdjango.api.stack.stack import down_project

    # one-off containers (run) first: down leaves them, as Compose's does
    for c in engine.api.containers(all=True, filters=L.project_filter(unique_name)):
        try:
            engine.api.remove_container(c["Id"], force=True, v=True)
        except docker.errors.NotFound:  # an --rm container the engine removed meanwhile
            pass
    down_project(unique_name, volumes=True, client=engine)
    for image in engine.api.images(name=f"{unique_name}-*"):
        engine.api.remove_image(image["Id"], force=True)
    assert leftovers(engine, unique_name) == []
