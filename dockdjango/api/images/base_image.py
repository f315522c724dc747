"""Base images: the official ``python:X-slim`` where a registry answers, else one made here.

``ensure_base_image`` makes the registry-free Debian base (debootstrap → ``docker import``)
of a Python when it is missing (3.11 from bookworm, 3.13 from trixie, 3.14 from sid);
``python_offers`` says which Pythons can be had (for :func:`dockdjango.detection.pythons.
choose_python`); ``resolve_python_image`` picks the image a generated Dockerfile starts
from. The offline setting (``offline=True`` or ``DOCKDJANGO_OFFLINE=1``) means nothing
ever contacts a registry. With ``create=False`` (read-only commands: printing a
Dockerfile, explaining a build) no image is pulled, bootstrapped or imported: the image
that would be used is only named.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockdjango.detection.pythons import DEBIAN_PYTHONS, KNOWN_MINORS, PythonRequest
from dockdjango.images.debootstrap import (
    LABEL_PREFIX,
    BaseImageSpec,
    bootstrap_tarball,
    image_changes,
    tarball_path,
)
from dockdjango.images.redact import without_credentials

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
    #: "local" (official, present), "pulled" (official, pulled now), "built" (Debian base,
    #: present or made now) or "missing" (Debian base not made: create=False)
    source: str
    reason: str = ""
    #: The Python inside, as its label says (``3.13.5``); the minor when not made yet.
    python: str = ""


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
    from dockdjango.engine.image_store import import_rootfs, inspect_image

    client = _client(client)
    spec = spec or BaseImageSpec.for_python()
    started = time.monotonic()
    existing = None if force else inspect_image(client, spec.ref)
    if existing is not None:
        return _describe(spec, existing, "existing", started)
    cached = tarball_path(spec).exists() and not force
    if log:
        log(
            f"importing cached root file system {tarball_path(spec)}"
            if cached
            else f"bootstrapping Debian {spec.suite} from {without_credentials(spec.mirror)} "
            "(about a minute)"
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
    create: bool = True,
    log: Log | None = None,
) -> ImageChoice:
    """The image a generated Dockerfile should start from, for Python ``python`` (X.Y).

    ``python:<ver>-slim`` when present locally or pullable (never tried offline, nor with
    ``create=False``); otherwise the registry-free base of the Debian suite that ships that
    Python, made if missing (unless ``create=False``). A Python neither can give is a
    :class:`~dockdjango.errors.DockdjangoError` naming the versions available.
    """
    from dockdjango.engine.image_store import inspect_image

    client = _client(client)
    official = f"python:{python}-slim"
    if inspect_image(client, official) is not None:
        return ImageChoice(official, "local", python=python)
    reason = "offline setting (DOCKDJANGO_OFFLINE)" if is_offline(offline) else ""
    if not is_offline(offline) and create:
        ok, reason = _pull(client, official)
        if ok:
            return ImageChoice(official, "pulled", python=python)
    elif not reason:
        reason = "not present locally (no pull for a read-only command)"
    spec = BaseImageSpec.for_python(python)
    why = f"{official} not reachable: {reason}"
    if not create:
        present = inspect_image(client, spec.ref)
        labels = ((present or {}).get("Config") or {}).get("Labels") or {}
        version = str(labels.get(f"{LABEL_PREFIX}.python", python))
        return ImageChoice(spec.ref, "built" if present else "missing", why, python=version)
    base = ensure_base_image(client, spec=spec, log=log)
    return ImageChoice(base.ref, "built", why, python=base.python)


def python_offers(
    client: docker.DockerClient | None,
    request: PythonRequest,
    *,
    offline: bool | None = None,
    create: bool = True,
) -> dict[str, str]:
    """The Pythons on offer for ``request``: minor -> "official" or a Debian suite.

    Debian's suites are always on offer (made when needed). The official image is offered
    for a minor the request names (its override or soft hint) or, when no Debian Python
    satisfies the hard constraint, for the oldest minor that does -- when it is present
    locally, or (online, ``create=True``) a registry serves it.
    """
    from dockdjango.detection.pythons import minor_of
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.errors import EngineUnavailable

    offers = dict(DEBIAN_PYTHONS)
    wanted = [m for m in (minor_of(request.override or ""), request.soft) if m]
    if request.hard:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(request.hard)
        except InvalidSpecifier:
            spec = None
        if spec is not None and not any(f"{m}.0" in spec or f"{m}.99" in spec for m in offers):
            wanted += [m for m in KNOWN_MINORS if f"{m}.0" in spec or f"{m}.99" in spec][:1]
    try:
        client = _client(client)
        for minor in dict.fromkeys(wanted):
            official = f"python:{minor}-slim"
            if inspect_image(client, official) is not None:
                offers[minor] = "official"
            elif create and not is_offline(offline) and _pull(client, official)[0]:
                offers[minor] = "official"
    except EngineUnavailable:
        pass  # no engine: only what can be named without one (the Debian suites)
    return offers


def uv_image_for(
    base: str,
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    create: bool = True,
) -> str | None:
    """The uv image a generated Dockerfile copies uv from, where a registry serves it:
    present locally, or pulled (online, ``create=True``) when the base came from a registry
    too. None: the Dockerfile fetches the same uv release from PyPI."""
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.errors import EngineUnavailable
    from dockdjango.images.dockerfile import UV_IMAGE

    try:
        client = _client(client)
        if inspect_image(client, UV_IMAGE) is not None:
            return UV_IMAGE
        official = base.startswith("python:")
        if official and create and not is_offline(offline) and _pull(client, UV_IMAGE)[0]:
            return UV_IMAGE
    except EngineUnavailable:
        pass
    return None


def _pull(client: docker.DockerClient, ref: str) -> tuple[bool, str]:
    from dockdjango.engine.image_store import try_pull

    return try_pull(client, ref)
