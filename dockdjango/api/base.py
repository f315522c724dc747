"""Base images: the official ``python:X-slim`` where a registry answers, else one made here.

``ensure_base_image`` makes the registry-free Debian base (debootstrap → ``docker import``)
when it is missing; ``resolve_python_image`` picks the image a generated Dockerfile starts
from, honouring the offline setting (``offline=True`` or ``DOCKDJANGO_OFFLINE=1``), under
which nothing ever contacts a registry.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockdjango.images.base import (
    LABEL_PREFIX,
    BaseImageSpec,
    bootstrap_tarball,
    image_changes,
    tarball_path,
)

if TYPE_CHECKING:
    import docker

Log = Callable[[str], None]


@dataclass(frozen=True)
class BaseImage:
    """A base image present in the engine, and how we got it."""

    ref: str
    id: str
    python: str
    created: str
    #: "existing" (already in the engine), "tarball" (imported from the cached
    #: debootstrap tarball) or "bootstrap" (debootstrap ran now)
    source: str
    seconds: float


@dataclass(frozen=True)
class ImageChoice:
    """Which image a build starts from, and why."""

    ref: str
    source: str  # "local", "pulled", "built"
    reason: str = ""


def is_offline(offline: bool | None = None) -> bool:
    """The offline setting: the argument if given, else ``DOCKDJANGO_OFFLINE`` (1/true/yes)."""
    if offline is not None:
        return offline
    return os.environ.get("DOCKDJANGO_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    if client is not None:
        return client
    from dockdjango.engine.client import connect

    return connect()


def ensure_base_image(
    client: docker.DockerClient | None = None,
    *,
    spec: BaseImageSpec | None = None,
    force: bool = False,
    log: Log | None = None,
) -> BaseImage:
    """Make the registry-free base image if the engine lacks it; return what is there.

    Cold (no tarball cached), this runs debootstrap (~40 s); warm, it imports the cached
    tarball (seconds); when the image exists it only inspects it.
    """
    from dockdjango.engine.images import import_rootfs, inspect_image

    client = _client(client)
    spec = spec or BaseImageSpec()
    started = time.monotonic()
    existing = None if force else inspect_image(client, spec.ref)
    if existing is not None:
        return _describe(spec, existing, "existing", started)
    cached = tarball_path(spec).exists() and not force
    if log:
        log(
            f"importing cached root file system {tarball_path(spec)}"
            if cached
            else f"bootstrapping Debian {spec.suite} from {spec.mirror} (about a minute)"
        )
    tar = bootstrap_tarball(spec, log=log, force=force)
    import_rootfs(client, tar, spec.ref, image_changes(spec, tar))
    data = inspect_image(client, spec.ref) or {}
    return _describe(spec, data, "tarball" if cached else "bootstrap", started)


def _describe(spec: BaseImageSpec, data: dict, source: str, started: float) -> BaseImage:
    labels = (data.get("Config") or {}).get("Labels") or {}
    return BaseImage(
        ref=spec.ref,
        id=str(data.get("Id", "")),
        python=str(labels.get(f"{LABEL_PREFIX}.python", spec.python)),
        created=str(labels.get(f"{LABEL_PREFIX}.created", data.get("Created", ""))),
        source=source,
        seconds=round(time.monotonic() - started, 3),
    )


def resolve_python_image(
    client: docker.DockerClient | None = None,
    *,
    python: str = "3.11",
    offline: bool | None = None,
    log: Log | None = None,
) -> ImageChoice:
    """The image a generated Dockerfile should start from.

    ``python:<ver>-slim`` when present locally or pullable (never tried offline); otherwise
    the registry-free base, made if missing.
    """
    from dockdjango.engine.images import inspect_image, try_pull

    client = _client(client)
    official = f"python:{python}-slim"
    if inspect_image(client, official) is not None:
        return ImageChoice(official, "local")
    reason = "offline setting (DOCKDJANGO_OFFLINE)"
    if not is_offline(offline):
        ok, reason = try_pull(client, official)
        if ok:
            return ImageChoice(official, "pulled")
    base = ensure_base_image(client, spec=BaseImageSpec(python=python), log=log)
    return ImageChoice(base.ref, "built", f"{official} not reachable: {reason}")
