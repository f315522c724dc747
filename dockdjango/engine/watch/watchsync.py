"""Bringing host files into a running container: one tar per burst, deletes with ``rm``.

Copies go through the engine's archive endpoint (``PUT /containers/{id}/archive``). The
files belong to the container's user, as with Compose's watch; but where Compose asks the
engine to look that user up (``copyUIDGID``), which Docker Engine 20.10 does in the *host's*
user database and fails for a user only the image has (``getent unable to find entry
"app"``), dockdjango asks the container once (``id``) and writes the owner into the tar.
Deletes run ``rm -rf`` inside the container as root (the copies reach wherever the engine
can write, and a delete must reach the same places), which needs an ``rm`` there (every
Debian- or Alpine-based image has one).
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

from dockdjango.compose.develop_watch import SyncItem, WatchRule
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


def write_tar(items: Iterable[SyncItem], out: IO[bytes], owner: tuple[int, int] = (0, 0)) -> int:
    """A tar of the existing ``items`` at their container paths (relative to ``/``), owned
    by ``owner`` (uid, gid); returns how many entries it holds. Files that vanished
    meanwhile are skipped."""
    count = 0
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for item in items:
            try:
                info = tar.gettarinfo(item.host, arcname=item.container.lstrip("/"))
            except FileNotFoundError:
                continue
            if info is None:  # a socket or device: nothing a container wants
                continue
            info.uid, info.gid = owner
            info.uname = info.gname = ""
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


def owner_of(client: docker.DockerClient, container: str) -> tuple[int, int]:
    """(uid, gid) of the user the container runs as (``0, 0`` for root or when unknown)."""
    from dockdjango.engine.project.execs import run_captured

    user = str((client.api.inspect_container(container).get("Config") or {}).get("User") or "")
    name, _, group = user.partition(":")
    if not name or (name in ("root", "0") and not group):
        return (0, 0)
    if name.isdigit() and group.isdigit():
        return (int(name), int(group))
    code, out, _ = run_captured(client, container, ["id", "-u", name])
    code2, out2, _ = run_captured(client, container, ["id", "-g", name])
    if code or code2:
        return (int(name), int(group)) if name.isdigit() and group.isdigit() else (0, 0)
    uid, gid = int(out.strip() or 0), int(out2.strip() or 0)
    if group.isdigit():
        gid = int(group)
    return (uid, gid)


def remove_paths(client: docker.DockerClient, container: str, paths: list[str]) -> None:
    """``rm -rf`` the container ``paths``; raises EngineError when that fails."""
    from dockdjango.engine.project.execs import run_captured

    for start in range(0, len(paths), 200):  # keep the command line reasonable
        chunk = paths[start : start + 200]
        # as root: the copies are made by the engine, whatever the container's user may
        # write; a delete has to reach the same places
        code, out, err = run_captured(client, container, ["rm", "-rf", "--", *chunk], user="0")
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
    owner: tuple[int, int] = (0, 0),
) -> SyncResult:
    """Bring ``items`` into ``container``: delete the missing ones, copy the rest (a new
    directory with what it holds, minus what ``ignored`` leaves out). With ``roots``
    False, a recursive item's own directory entry is left alone (its owner and mode in the
    image stay) and only what it holds is copied. Copies belong to ``owner``
    (see :func:`owner_of`)."""
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
                copied = write_tar(copies, buf, owner)
                buf.seek(0)
                if copied:
                    client.api.put_archive(container, "/", buf)
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
