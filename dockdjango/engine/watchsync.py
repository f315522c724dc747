"""Bringing host files into a running container: one tar per burst, deletes with ``rm``.

Copies go through the engine's archive endpoint (``PUT /containers/{id}/archive``) with
``copyUIDGID``, so the files belong to the container's user, as with Compose's watch.
Deletes run ``rm -rf`` inside the container, which needs an ``rm`` there (every Debian- or
Alpine-based image has one).
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.watchrules import SyncItem, WatchRule
from dockdjango.errors import EngineError


@dataclass(frozen=True)
class SyncResult:
    """How many paths one sync copied and deleted."""

    copied: int
    deleted: int


def expand(
    item: SyncItem, ignored: Callable[[str], bool], *, include_self: bool = True
) -> Iterator[SyncItem]:
    """``item`` (unless not ``include_self``), and for a recursive directory every file and
    directory under it that is not ignored (an ignored directory is not entered)."""
    if include_self:
        yield item
    if not (item.exists and item.recursive) or not os.path.isdir(item.host):
        return
    if os.path.islink(item.host):
        return
    for dirpath, dirnames, filenames in os.walk(item.host):
        rel = os.path.relpath(dirpath, item.host)
        base = item.container if rel == "." else _join(item.container, rel)
        keep = []
        for d in sorted(dirnames):
            path = os.path.join(dirpath, d)
            if ignored(path):
                continue
            yield SyncItem(path, _join(base, d), True)
            if not os.path.islink(path):
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            if not ignored(path):
                yield SyncItem(path, _join(base, f), True)


def _join(base: str, rel: str) -> str:
    return base.rstrip("/") + "/" + rel.replace(os.sep, "/")


def write_tar(items: Iterable[SyncItem], out: IO[bytes]) -> int:
    """A tar of the existing ``items`` at their container paths (relative to ``/``);
    returns how many entries it holds. Files that vanished meanwhile are skipped."""
    count = 0
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for item in items:
            try:
                info = tar.gettarinfo(item.host, arcname=item.container.lstrip("/"))
            except FileNotFoundError:
                continue
            if info is None:  # a socket or device: nothing a container wants
                continue
            if info.isreg():
                try:
                    with open(item.host, "rb") as fh:
                        tar.addfile(info, fh)
                except FileNotFoundError:
                    continue
            else:
                tar.addfile(info)
            count += 1
    return count


def put_archive(client: docker.DockerClient, container: str, data: IO[bytes]) -> None:
    """Extract a tar at ``/`` in the container, files owned by the container's user.

    docker-py's ``put_archive`` has no ``copyUIDGID``; this is the same request with it.
    """
    api = client.api
    url = api._url("/containers/{0}/archive", container)
    res = api._put(url, params={"path": "/", "copyUIDGID": 1}, data=data)
    api._raise_for_status(res)


def remove_paths(client: docker.DockerClient, container: str, paths: list[str]) -> None:
    """``rm -rf`` the container ``paths``; raises EngineError when that fails."""
    from dockdjango.engine.execs import run_captured

    for start in range(0, len(paths), 200):  # keep the command line reasonable
        chunk = paths[start : start + 200]
        code, out, err = run_captured(client, container, ["rm", "-rf", "--", *chunk])
        if code != 0:
            text = (err or out).decode("utf-8", "replace").strip().splitlines()
            raise EngineError(
                f"could not delete {', '.join(chunk[:3])} in the container: "
                + (text[-1] if text else f"rm exited {code}")
            )


def sync(
    client: docker.DockerClient,
    container: str,
    items: list[SyncItem],
    ignored: Callable[[str], bool] | None = None,
    *,
    roots: bool = True,
) -> SyncResult:
    """Bring ``items`` into ``container``: delete the missing ones, copy the rest (a new
    directory with what it holds, minus what ``ignored`` leaves out). With ``roots``
    False, a recursive item's own directory entry is left alone (its owner and mode in the
    image stay) and only what it holds is copied."""
    deletes = sorted({i.container for i in items if not i.exists})
    copies: list[SyncItem] = []
    seen: set[str] = set()
    for item in items:
        if not item.exists:
            continue
        own = roots or not item.recursive
        for each in expand(item, ignored or (lambda _p: False), include_self=own):
            if each.container not in seen:
                seen.add(each.container)
                copies.append(each)
    try:
        if deletes:
            remove_paths(client, container, deletes)
        copied = 0
        if copies:
            with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as buf:
                copied = write_tar(copies, buf)
                buf.seek(0)
                if copied:
                    put_archive(client, container, buf)
    except NotFound:
        raise EngineError(f"container {container[:12]} is gone") from None
    except APIError as exc:
        raise EngineError(f"copying into the container failed: {exc.explanation or exc}") from None
    return SyncResult(copied, len(deletes))


def initial_items(rule: WatchRule) -> list[SyncItem]:
    """Everything a sync rule covers now, for ``initial_sync``: the rule's path itself,
    expanded by :func:`sync` (so ignored directories are never walked)."""
    target = rule.container_path(rule.path)
    if target is None or not os.path.lexists(rule.path):
        return []
    return [SyncItem(rule.path, target, True, recursive=os.path.isdir(rule.path))]
