"""The resolve-paths stage: relative paths in one file made absolute against its directory.

Compose resolves a file's relative paths against the project directory (for ``-f``
files) or the file's own directory (for ``include`` and ``extends.file`` targets).
Resolved here: ``build.context`` (unless it is a URL), ``build.additional_contexts`` that
are paths, ``env_file`` entries, bind-mount sources, ``label_file`` and ``develop.watch``
paths, ``extends.file``, the ``file`` of top-level secrets and configs, and the
``device`` of a ``driver: local`` volume with ``o: bind``.

As in Compose, a relative path is joined to the directory and cleaned (``./a/../b/`` is
``<dir>/b``), ``~`` is the user's home (``~/x/`` is ``$HOME/x``), and an absolute path
is kept exactly as written (``/srv//data/`` stays so). Mount targets are cleaned later,
after merging (`clean_path`).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from dockdjango.compose.loader.tree import Tree, spec_error, where

_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.I)


def is_remote(context: str) -> bool:
    """True for a build context Compose passes through untouched (a URL or git remote)."""
    return bool(_REMOTE.match(context))


_WINDOWS = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")


def clean_path(path: str) -> str:
    """``path`` cleaned as Go's ``path.Clean`` does: no ``.``, ``..``, doubled or trailing
    ``/`` (``""`` is ``.``)."""
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def absolute(path: str, base_dir: str, environ: Mapping[str, str]) -> str:
    """``path`` made absolute against ``base_dir`` as Compose does: absolute paths (and
    Windows ones, ``C:\\...``) as written, ``~...`` under the home directory, the rest
    joined to ``base_dir``; the last two cleaned."""
    if path.startswith("/") or _WINDOWS.match(path):
        return path
    if path.startswith("~"):
        home = environ.get("HOME") or os.path.expanduser("~")
        return clean_path(f"{home}/{path[1:]}")
    return clean_path(f"{base_dir}/{path}")


def resolve_paths(tree: Tree, base_dir: str, environ: Mapping[str, str]) -> Tree:
    """The stage: every path-valued field of every service in ``tree`` made absolute."""
    for svc in (tree.get("services") or {}).values():
        if isinstance(svc, dict):
            _service(svc, base_dir, environ)
    for kind in ("secrets", "configs"):
        for spec in (tree.get(kind) or {}).values():
            if isinstance(spec, dict) and isinstance(spec.get("file"), str):
                spec["file"] = absolute(spec["file"], base_dir, environ)
    for volume in (tree.get("volumes") or {}).values():
        # a local volume bound to a host directory: Compose resolves `device` like a path
        opts = volume.get("driver_opts") if isinstance(volume, dict) else None
        if isinstance(opts, dict) and opts.get("o") == "bind" and volume.get("driver") == "local":
            if isinstance(opts.get("device"), str):
                opts["device"] = absolute(opts["device"], base_dir, environ)
    return tree


def _service(svc: dict[str, Any], base_dir: str, environ: Mapping[str, str]) -> None:
    build = svc.get("build")
    if isinstance(build, dict):
        context = build.get("context")
        if isinstance(context, str) and context and not is_remote(context):
            build["context"] = absolute(context, base_dir, environ)
        extra = build.get("additional_contexts")
        if isinstance(extra, dict):
            for name, value in extra.items():
                if isinstance(value, str) and not is_remote(value) and ":" not in value:
                    extra[name] = absolute(value, base_dir, environ)
    label_files = svc.get("label_file")
    if isinstance(label_files, str | list):
        svc["label_file"] = [
            absolute(f, base_dir, environ) if isinstance(f, str) else f
            for f in ([label_files] if isinstance(label_files, str) else label_files)
        ]
    for entry in svc.get("env_file") or []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            entry["path"] = absolute(entry["path"], base_dir, environ)
    for mount in svc.get("volumes") or []:
        if isinstance(mount, dict) and mount.get("type") == "bind":
            source = mount.get("source")
            if isinstance(source, str) and source:
                mount["source"] = absolute(source, base_dir, environ)
    develop = svc.get("develop")
    if isinstance(develop, dict) and isinstance(develop.get("watch"), list):
        for rule in develop["watch"]:
            if isinstance(rule, dict) and isinstance(rule.get("path"), str):
                rule["path"] = absolute(rule["path"], base_dir, environ)
    extends = svc.get("extends")
    if isinstance(extends, dict) and isinstance(extends.get("file"), str):
        extends["file"] = absolute(extends["file"], base_dir, environ)


def clean_mount_targets(tree: Tree) -> Tree:
    """After merging: every mount target cleaned (``/var/www/html/`` is ``/var/www/html``),
    and two mounts on one container path refused, as Compose does."""
    services = tree.get("services") or {}
    for name, svc in services.items():
        mounts = svc.get("volumes") or []
        taken: dict[str, str] = {}
        for i, mount in enumerate(mounts):
            if not isinstance(mount.get("target"), str):
                continue
            mount["target"] = target = clean_path(mount["target"])
            if target in taken:
                raise spec_error(
                    f'target "{target}" is already mounted by {taken[target]}',
                    where(mounts, i) or where(services, name),
                    f"services.{name}.volumes[{i}]",
                    hint="mount one volume on each container path",
                )
            taken[target] = f"volumes[{i}]"
        for j, entry in enumerate(svc.get("tmpfs") or []):
            target = clean_path(str(entry).partition(":")[0])
            if target in taken:
                raise spec_error(
                    f'target "{target}" is already mounted by {taken[target]}',
                    where(services, name),
                    f"services.{name}.tmpfs[{j}]",
                    hint="mount one volume on each container path",
                )
            taken[target] = f"tmpfs[{j}]"
    return tree
