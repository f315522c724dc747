"""Engine calls behind the service image choice: reading an image's server version, and
the version markers a service's data volume holds.

Building goes through :mod:`dockdjango.engine.builds.buildkit`, look-ups and pulls through
:mod:`dockdjango.engine.image_store`; what is left is finding out which server (PostgreSQL,
Redis, MariaDB...) an image holds, and which version wrote a volume's data, without
starting anything.
"""

from __future__ import annotations

import io
import re
import tarfile
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.types import Mount

from dockdjango.engine.testing.sessions import helper_labels

#: Written at build time by dockdjango's stand-in images (``postgres --version``...).
VERSION_FILE = "/usr/share/dockdjango-standin-version"
#: Where stand-ins built before the file was shared by every kind wrote it.
_OLD_VERSION_FILE = "/usr/share/postgresql/dockdjango-version"

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)*)")
_ANY_VERSION_RE = re.compile(r"(?:v=|Ver |\s|^)(\d+\.\d+(?:\.\d+)?)")


def read_image_file(client: docker.DockerClient, ref: str, path: str) -> str | None:
    """The text of one file inside image ``ref``, or None when it is not there.

    Creates a container without starting it (no process runs), copies the file out, and
    removes the container again (labelled as a helper, so a killed process's is pruned).
    """
    return read_files(client, ref, [path]).get(path)


def read_mounted_files(
    client: docker.DockerClient,
    ref: str,
    paths: list[str],
    *,
    source: str,
    target: str,
    volume: bool,
) -> dict[str, str]:
    """The text of those of ``paths`` that exist, seen through a read-only mount of
    ``source`` (a named volume when ``volume``, else a host path) at ``target`` in a
    container of image ``ref`` that is never started.

    A named volume that does not exist yet holds nothing: {} (and it is not created, nor
    is anything of the image copied into an empty one); so is a bind source the engine
    cannot find.
    """
    if volume:
        try:
            client.api.inspect_volume(source)
        except NotFound:
            return {}
        mount = Mount(target, source, type="volume", read_only=True, no_copy=True)
    else:
        mount = Mount(target, source, type="bind", read_only=True)
    return read_files(client, ref, paths, mounts=[mount])


def read_files(
    client: docker.DockerClient, ref: str, paths: list[str], *, mounts: list[Mount] | None = None
) -> dict[str, str]:
    """The text of those of ``paths`` that exist in a created, never started, container of
    image ``ref`` (with ``mounts``); the container is removed again."""
    host_config = client.api.create_host_config(mounts=mounts) if mounts else None
    try:
        created = client.api.create_container(
            ref,
            command=["true"],
            entrypoint=["true"],
            labels=helper_labels("read-file"),
            host_config=host_config,
        )
    except (APIError, NotFound):
        return {}
    container_id = created["Id"]
    out: dict[str, str] = {}
    try:
        for path in paths:
            try:
                stream, _stat = client.api.get_archive(container_id, path)
                text = _first_file(b"".join(stream))
            except (APIError, NotFound):
                continue
            if text is not None:
                out[path] = text
    finally:
        try:
            client.api.remove_container(container_id, force=True, v=True)
        except (APIError, NotFound):  # already gone: nothing left to clean
            pass
    return out


def _first_file(data: bytes) -> str | None:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                return handle.read().decode("utf-8", "replace") if handle else None
    return None


def server_version(client: docker.DockerClient, inspect: dict[str, Any], env_var: str) -> str:
    """The server version an image holds (``16.4``, ``7.0.15``); ``?`` if unknown.

    Official images say it in an environment variable (``PG_VERSION``, ``REDIS_VERSION``);
    dockdjango's stand-ins in the file their build wrote.
    """
    env = (inspect.get("Config") or {}).get("Env") or []
    for item in env:
        name, _, value = str(item).partition("=")
        if env_var and name == env_var and value:
            return value.split("-")[0].split("+")[0]
    image = str(inspect.get("Id", ""))
    text = read_image_file(client, image, VERSION_FILE) or read_image_file(
        client, image, _OLD_VERSION_FILE
    )
    if text:
        match = _VERSION_RE.search(text) or _ANY_VERSION_RE.search(text)
        if match:
            return match.group(1)
    return "?"


def postgres_server_version(client: docker.DockerClient, inspect: dict[str, Any]) -> str:
    """The PostgreSQL version an image holds, e.g. ``16.4`` or ``15.20``; ``?`` if unknown.

    The official image says it in its ``PG_VERSION`` environment variable
    (``16.4-1.pgdg120+2``); ours in the file its build wrote.
    """
    return server_version(client, inspect, "PG_VERSION")
