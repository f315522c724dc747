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
    return sorted(t for r in rows for t in r.get("RepoTags") or [] if t != "<none>:<none>")


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
        client.api.pull(repo, tag=tag or "latest")
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
    repository, _, tag = ref.rpartition(":")
    try:
        client.api.import_image_from_file(
            str(tar_path), repository=repository, tag=tag, changes=changes
        )
    except APIError as exc:
        raise EngineError(
            f"importing {tar_path} as {ref} failed: {_first_line(exc.explanation or str(exc))}",
            hint="delete the cached tarball and run `dockdjango base --force`",
        ) from None
    data = inspect_image(client, ref)
    if data is None:
        raise EngineError(f"the engine accepted {tar_path} but no image {ref} appeared")
    return str(data["Id"])


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else "unknown error"
