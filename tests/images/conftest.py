"""Build tests stand on their own base image, so their BuildKit cache keys are their own.

BuildKit reuses a step whenever any earlier build on the engine made one with the same key,
so a test that predicts a cold build needs a base no one else has built on: the shared base
plus one file of this session's own (BuildKit keys a base by its layers). It is removed at
the end of the session.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def build_base(engine, base_image: str) -> Iterator[str]:
    """``ddtest-base-<uuid8>:latest``: the base image plus a file, for this session only."""
    from dockdjango.engine.builds.buildkit import build_image

    tag = f"ddtest-base-{uuid.uuid4().hex[:8]}:latest"
    # A file of its own: BuildKit keys a base by its layers, so a label alone would not do.
    dockerfile = f"FROM {base_image}\nRUN echo {tag} > /etc/ddtest-base\n".encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    result = build_image(engine, buf.getvalue(), tag=tag)
    try:
        yield tag
    finally:
        _remove_descendants(engine, result.image_id)
        try:
            engine.api.remove_image(tag, force=True, noprune=False)
        except Exception:
            pass


def _remove_descendants(engine, root_id: str) -> None:
    """Remove every image built on ``root_id`` (children first). Only our session's."""
    images = engine.api.images(all=True)
    children: dict[str, list[str]] = {}
    for image in images:
        children.setdefault(image.get("ParentId", ""), []).append(image["Id"])
    order: list[str] = []
    stack = [root_id]
    while stack:
        current = stack.pop()
        for child in children.get(current, []):
            order.append(child)
            stack.append(child)
    for image_id in reversed(order):
        try:
            engine.api.remove_image(image_id, force=True, noprune=True)
        except Exception:
            pass
