"""On a remote engine, a service's project files are copied in, never bind-mounted.

An engine on another machine (``DOCKER_HOST=ssh://...``, ``tcp://`` off this machine)
resolves a bind mount's source on *its* file system: a path of this checkout is missing
there, and Docker and Podman both silently mount an empty directory in its place. So a
bind whose source lies in the project directory is taken out of the create request and
its files are copied into the created container, before its first start, through the
archive endpoint (as ``watch`` copies changes), minus what the project's
``.dockerignore`` leaves out and ``.git``. Binds of other absolute paths
(``/var/run/docker.sock``) are the engine host's and pass through, said so.

Files the container writes there stay in the container (a recreate copies afresh);
``dockdjango watch`` (or ``up --watch``) brings later edits.
"""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass

import docker
from docker.errors import APIError, NotFound

from dockdjango.compose.develop_watch import SyncItem
from dockdjango.engine.watch.watchsync import sync
from dockdjango.images.dockerignore import DockerIgnore


@dataclass(frozen=True)
class Seed:
    """A bind mount of a local path, to be copied into the container instead."""

    source: str
    target: str


def split_binds(binds: list[str], project_dir: str) -> tuple[list[str], list[Seed], list[str]]:
    """(binds the engine keeps, seeds to copy, warnings) for a remote engine.

    ``binds`` are the create request's ``source:target[:mode]`` strings; named volumes
    (no ``/`` in front) stay binds."""
    kept: list[str] = []
    seeds: list[Seed] = []
    warnings: list[str] = []
    root = os.path.realpath(project_dir) if project_dir else ""
    for bind in binds:
        source, _, rest = bind.partition(":")
        target = rest.split(":", 1)[0]
        if not source.startswith("/"):
            kept.append(bind)
            continue
        real = os.path.realpath(source)
        if root and (real == root or real.startswith(root + os.sep)) and os.path.exists(real):
            seeds.append(Seed(real, target))
        else:
            kept.append(bind)
            warnings.append(
                f"{source}:{target} is mounted from the engine host's {source}, not this machine's"
            )
    return kept, seeds, warnings


def copy_in(client: docker.DockerClient, container: str, seeds: list[Seed]) -> int:
    """Copy each seed's files into the created (not yet started) ``container``, owned by
    its user; how many paths were copied."""
    owner = _owner(client, container)
    copied = 0
    for seed in seeds:
        ignore = _ignore(seed.source)
        recursive = os.path.isdir(seed.source)

        def ignored(path: str, base: str = seed.source, rule: DockerIgnore = ignore) -> bool:
            return rule.ignored(os.path.relpath(path, base).replace(os.sep, "/"))

        item = SyncItem(seed.source, seed.target, True, recursive=recursive)
        copied += sync(client, container, [item], ignored, roots=not recursive, owner=owner).copied
    return copied


def _ignore(source: str) -> DockerIgnore:
    """The project's ``.dockerignore`` (what the image leaves out), and ``.git``."""
    text = ".git\n"
    path = os.path.join(source, ".dockerignore")
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as fh:
            text += fh.read()
    return DockerIgnore(text)


def _owner(client: docker.DockerClient, container: str) -> tuple[int, int]:
    """(uid, gid) of the user a created container will run as, read from its own
    ``/etc/passwd`` and ``/etc/group`` (nothing runs in it yet to ask); root when unknown."""
    config = client.api.inspect_container(container).get("Config") or {}
    name, _, group = str(config.get("User") or "").partition(":")
    if not name:
        return (0, 0)
    uid, gid = _lookup(client, container, "/etc/passwd", name, 2, 3)
    if group:
        gid = _lookup(client, container, "/etc/group", group, 2, 2)[0]
    return uid, gid


def _lookup(
    client: docker.DockerClient, container: str, path: str, name: str, first: int, second: int
) -> tuple[int, int]:
    if name.isdigit():
        return int(name), int(name)
    try:
        stream, _ = client.api.get_archive(container, path)
        data = b"".join(stream)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = tar.extractfile(tar.getmembers()[0])
            text = member.read().decode("utf-8", "replace") if member else ""
    except (APIError, NotFound, tarfile.TarError, IndexError):
        return (0, 0)
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) > second and fields[0] == name:
            return int(fields[first]), int(fields[second])
    return (0, 0)
