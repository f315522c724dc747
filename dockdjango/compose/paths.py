"""The resolve-paths stage: relative paths in one file made absolute against its directory.

Compose resolves a file's relative paths against the project directory (for ``-f``
files) or the file's own directory (for ``include`` and ``extends.file`` targets).
Resolved here: ``build.context`` (unless it is a URL), ``build.additional_contexts`` that
are paths, ``env_file`` entries, bind-mount sources (``~`` is the user's home),
``label_file`` and ``develop.watch`` paths, ``extends.file``, and the ``file`` of
top-level secrets and configs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from dockdjango.compose.tree import Tree

_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.I)


def is_remote(context: str) -> bool:
    """True for a build context Compose passes through untouched (a URL or git remote)."""
    return bool(_REMOTE.match(context))


_WINDOWS = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")


def absolute(path: str, base_dir: str, environ: Mapping[str, str]) -> str:
    """``path`` made absolute against ``base_dir`` (``~`` expands to the home directory);
    Windows paths (``C:\\...``) are kept as written, as Compose does on Linux."""
    if _WINDOWS.match(path):
        return path
    if path == "~" or path.startswith("~/"):
        home = environ.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return os.path.normpath(os.path.join(base_dir, path))


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
        if isinstance(opts, dict) and "bind" in str(opts.get("o", "")).split(","):
            if isinstance(opts.get("device"), str) and volume.get("driver") in (None, "local"):
                opts["device"] = absolute(opts["device"], base_dir, environ)
    return tree


def _service(svc: dict[str, Any], base_dir: str, environ: Mapping[str, str]) -> None:
    build = svc.get("build")
    if isinstance(build, dict):
        context = build.get("context")
        if isinstance(context, str) and not is_remote(context):
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
