"""Image look-ups, pulls and imports through the engine: the one place images are pulled."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, ImageNotFound, NotFound

from dockdjango.engine.failures import translate_errors
from dockdjango.errors import EngineError


@translate_errors
def inspect_image(client: docker.DockerClient, ref: str) -> dict[str, Any] | None:
    """The engine's inspect data for ``ref``, or None when it is not present locally.
    A reference the engine cannot parse is an error saying how to write one."""
    try:
        return dict(client.api.inspect_image(ref))
    except (ImageNotFound, NotFound):
        return None
    except APIError as exc:
        if exc.status_code != 400:
            raise
        raise EngineError(
            f"{ref!r} is not an image reference the engine accepts "
            f"({_first_line(exc.explanation or str(exc))})",
            hint="write it as name[:tag] or name@sha256:digest, in lower case "
            "(in a compose file: services.NAME.image)",
        ) from None


@translate_errors
def image_id(client: docker.DockerClient, ref: str) -> str | None:
    """The id of image ``ref``, or None when the engine does not have it."""
    data = inspect_image(client, ref)
    return None if data is None else str(data["Id"])


@translate_errors
def image_labels(client: docker.DockerClient, ref: str) -> dict[str, str]:
    """The labels of image ``ref`` ({} when it has none or is not there)."""
    data = inspect_image(client, ref) or {}
    return dict((data.get("Config") or {}).get("Labels") or {})


@translate_errors
def tags_labelled(client: docker.DockerClient, label: str) -> list[str]:
    """Tags of the images carrying ``label`` (``key`` or ``key=value``), sorted."""
    rows = client.api.images(filters={"label": label})
    return sorted(
        short_ref(t) for r in rows for t in r.get("RepoTags") or [] if t != "<none>:<none>"
    )


def short_ref(tag: str) -> str:
    """A tag as it was asked for: Podman lists ``docker.io/dockdjango/python:3.11`` (and
    ``localhost/...`` for a loaded image) where Docker lists ``dockdjango/python:3.11``."""
    for prefix in ("docker.io/library/", "docker.io/", "localhost/"):
        if tag.startswith(prefix):
            return tag[len(prefix) :]
    return tag


@translate_errors
def ensure_image(client: docker.DockerClient, ref: str) -> None:
    """Make sure ``ref`` is present, pulling it if a registry serves it."""
    if inspect_image(client, ref) is not None:
        return
    started = time.monotonic()
    pulled, reason = try_pull(client, ref)
    if not pulled:
        raise EngineError(
            f"image {ref} is not in the engine and could not be pulled "
            f"({reason[:200]}, {time.monotonic() - started:.1f} s)",
            hint="build or load the image first, or use one that is present (`docker images`)",
        )


@translate_errors
def try_pull(client: docker.DockerClient, ref: str) -> tuple[bool, str]:
    """Pull ``ref``; (True, "") on success, (False, reason) when no registry serves it."""
    repo, _, tag = ref.rpartition(":") if ":" in ref.split("/")[-1] else (ref, "", "latest")
    try:
        # Read the stream to its end: a pull can fail after the engine answered 200 (Podman
        # reports "no registry" that way, and Docker a layer that fails mid-way).
        for message in client.api.pull(repo, tag=tag or "latest", stream=True, decode=True):
            failed = _stream_error(message)
            if failed:
                return False, failed
    except APIError as exc:
        return False, _first_line(exc.explanation or str(exc))
    except Exception as exc:  # connection-level failures come as requests errors
        return False, _first_line(str(exc))
    return True, ""


@translate_errors
def can_pull(client: docker.DockerClient, ref: str) -> tuple[bool, str]:
    """Whether a registry serves ``ref`` (its manifest is asked for; nothing is pulled):
    (True, "") when one does, else (False, why not) -- what :func:`try_pull` would say."""
    try:
        client.api.inspect_distribution(ref)
    except APIError as exc:
        if exc.status_code == 404 and "not supported" in str(exc.explanation or ""):
            # Podman has no /distribution endpoint: only a pull can tell
            return False, "this engine cannot tell without pulling (no /distribution endpoint)"
        return False, _first_line(exc.explanation or str(exc))
    except Exception as exc:  # connection-level failures come as requests errors
        return False, _first_line(str(exc))
    return True, ""


@translate_errors
def registry_mirrors(client: docker.DockerClient) -> list[str]:
    """The mirrors the engine pulls Docker Hub images through (its ``registry-mirrors``)."""
    info = client.api.info()
    return [str(m) for m in (info.get("RegistryConfig") or {}).get("Mirrors") or []]


@translate_errors
def import_rootfs(client: docker.DockerClient, tar_path: Path, ref: str, changes: list[str]) -> str:
    """``docker import`` a root file system tarball as ``ref``; return the image id."""
    try:
        # the tag inside ``repository``: Podman ignores a separate ``tag`` (it would name the
        # image ...:latest), Docker reads both spellings alike
        client.api.import_image_from_file(str(tar_path), repository=ref, changes=changes)
    except APIError as exc:
        raise EngineError(
            f"importing {tar_path} as {ref} failed: {_first_line(exc.explanation or str(exc))}",
            hint="delete the cached tarball and run `dockdjango base --force`",
        ) from None
    data = inspect_image(client, ref)
    if data is None:
        raise EngineError(f"the engine accepted {tar_path} but no image {ref} appeared")
    return str(data["Id"])


def _stream_error(message: object) -> str:
    """The error a pull's progress message reports, "" when it reports none."""
    if not isinstance(message, dict):
        return ""
    detail = message.get("errorDetail")
    text = message.get("error") or (detail.get("message") if isinstance(detail, dict) else "")
    return _first_line(str(text)) if text else ""


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else "unknown error"
