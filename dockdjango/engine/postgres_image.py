"""Engine calls behind the PostgreSQL image choice: reading an image's server version.

Building goes through :mod:`dockdjango.engine.build`, look-ups and pulls through
:mod:`dockdjango.engine.images`; what is left is finding out which PostgreSQL an image
holds without starting it.
"""

from __future__ import annotations

import io
import re
import tarfile
from typing import Any

import docker
from docker.errors import APIError, NotFound

#: Written at build time by dockdjango's Debian PostgreSQL image (``postgres --version``).
VERSION_FILE = "/usr/share/postgresql/dockdjango-version"

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)*)")


def read_image_file(client: docker.DockerClient, ref: str, path: str) -> str | None:
    """The text of one file inside image ``ref``, or None when it is not there.

    Creates a container without starting it (no process runs), copies the file out, and
    removes the container again.
    """
    try:
        created = client.api.create_container(ref, command=["true"], entrypoint=["true"])
    except (APIError, NotFound):
        return None
    container_id = created["Id"]
    try:
        stream, _stat = client.api.get_archive(container_id, path)
        data = b"".join(stream)
    except (APIError, NotFound):
        return None
    finally:
        try:
            client.api.remove_container(container_id, force=True, v=True)
        except (APIError, NotFound):  # already gone: nothing left to clean
            pass
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                return handle.read().decode("utf-8", "replace") if handle else None
    return None


def postgres_server_version(client: docker.DockerClient, inspect: dict[str, Any]) -> str:
    """The PostgreSQL version an image holds, e.g. ``16.4`` or ``15.20``; ``?`` if unknown.

    The official image says it in its ``PG_VERSION`` environment variable
    (``16.4-1.pgdg120+2``); ours in the file its build wrote.
    """
    env = (inspect.get("Config") or {}).get("Env") or []
    for item in env:
        name, _, value = str(item).partition("=")
        if name == "PG_VERSION" and value:
            return value.split("-")[0]
    text = read_image_file(client, str(inspect.get("Id", "")), VERSION_FILE)
    if text:
        match = _VERSION_RE.search(text)
        if match:
            return match.group(1)
    return "?"
