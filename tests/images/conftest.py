"""Build tests stand on their own base image, so no other test's clean-up touches their layers.

Other tests in the suite build from ``dockdjango/python:3.11-bookworm`` too, and remove their
images with ``noprune=False``, which deletes untagged parent layers that have no other
children — possibly a cached layer one of our builds is standing on at that moment. A
session-unique base (the shared one plus a label) gives every layer of ours a different
ancestry; it and every layer made on it are removed at the end of the session.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def build_base(engine, base_image: str) -> Iterator[str]:
    """``ddtest-base-<uuid8>:latest``: the base image plus a label, for this session only."""
    from dockdjango.engine.build import build_image

    tag = f"ddtest-base-{uuid.uuid4().hex[:8]}:latest"
    dockerfile = f"FROM {base_image}\nLABEL org.dockdjango.test.base={tag}\n".encode()
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
