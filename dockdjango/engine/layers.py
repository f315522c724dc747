"""Layers in the engine's image store: what a build made, and the classic builder's cache look-up.

The classic builder reuses a step when the layer it stands on has a child image whose
``ContainerConfig`` matches the step's (its ``Cmd`` carries the instruction, the content
hash of copied files and the build args in effect); among several it takes the newest.
:func:`child_finder` answers that question for :func:`dockdjango.images.explain.predict`.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dockdjango.engine.images import inspect_image

if TYPE_CHECKING:
    import docker

    from dockdjango.engine.build import BuildResult


def layer_ids(result: BuildResult) -> dict[int, str]:
    """Step index -> the short id of the layer the engine made or reused for it."""
    out = {}
    for step in result.steps:
        for line in reversed(step.output):
            words = line.strip().split()
            if len(words) == 2 and words[0] == "--->":
                if all(c in "0123456789abcdef" for c in words[1]):
                    out[step.index] = words[1]
                    break
    return out


def layer_details(
    client: docker.DockerClient, short_ids: Mapping[int, str]
) -> tuple[dict[int, str], dict[int, str]]:
    """Full ids and engine cache keys (``ContainerConfig.Cmd`` as JSON) of a build's layers."""
    full: dict[int, str] = {}
    cmds: dict[int, str] = {}
    for index, short in short_ids.items():
        data = inspect_image(client, short)
        if data is None:
            continue
        full[index] = str(data["Id"])
        cmds[index] = json.dumps((data.get("ContainerConfig") or {}).get("Cmd") or [])
    return full, cmds


def child_finder(client: docker.DockerClient) -> Callable[[str, str], str | None]:
    """The classic builder's look-up: the newest child of ``parent`` whose Cmd is ``cmd``."""
    listing: list[dict[str, Any]] = []
    details: dict[str, dict[str, Any] | None] = {}

    def find(parent: str, cmd: str) -> str | None:
        if not listing:
            listing.extend(client.api.images(all=True))
        if not parent.startswith("sha256:"):
            data = inspect_image(client, parent)
            if data is None:
                return None
            parent = str(data["Id"])
        best: tuple[str, str] | None = None
        for image in listing:
            if image.get("ParentId") != parent:
                continue
            image_id = str(image["Id"])
            if image_id not in details:
                details[image_id] = inspect_image(client, image_id)
            data = details[image_id]
            if data is None:
                continue
            if json.dumps((data.get("ContainerConfig") or {}).get("Cmd") or []) != cmd:
                continue
            created = created_key(str(data.get("Created", "")))
            if best is None or created > best[0]:
                best = (created, image_id)
        return best[1] if best else None

    return find


def created_key(created: str) -> str:
    """An RFC 3339 time whose string order is time order (the fraction padded to 9 digits)."""
    stamp, _, frac = created.rstrip("Z").partition(".")
    return f"{stamp}.{frac.ljust(9, '0')}"


def image_exists(client: docker.DockerClient) -> Callable[[str], bool]:
    """A predicate: is this image id still in the engine?"""
    return lambda image_id: inspect_image(client, image_id) is not None


def ensure_files_image(
    client: docker.DockerClient,
    ref: str,
    files: Mapping[str, bytes],
    *,
    labels: Mapping[str, str] | None = None,
) -> str:
    """An image ``FROM scratch`` holding ``files`` (path -> bytes) tagged ``ref``; made if missing.

    Used for the wheels a build installs: they reach the builder stage by ``COPY --from``
    instead of the build context, so they are never part of the source copy.
    """
    from dockdjango.engine.build import build_image

    existing = inspect_image(client, ref)
    if existing is not None:
        return str(existing["Id"])
    dockerfile = "FROM scratch\nCOPY files/ /\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        entries = {"Dockerfile": dockerfile.encode()}
        entries.update({f"files/{path.lstrip('/')}": data for path, data in files.items()})
        for name, data in sorted(entries.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    result = build_image(client, buf.getvalue(), tag=ref, labels=labels)
    return result.image_id
