"""The host-side wheel cache that keeps dependency installs from downloading twice.

The classic builder has no cache mounts, so a changed requirements file would normally
re-download every wheel. Instead dockdjango fetches wheels *before* the build, in a
throw-away container of the Dockerfile's ``system`` stage (same Python, same platform, same
build packages, the proxy's CA bundle): wheels already cached are reused, only new ones are
downloaded (none at all when every wheel is cached, which also makes builds work offline).
The exact set of wheels a requirements digest needs is recorded here; the build gets them as
an image (``dockdjango/wheels:<digest>``, copied with ``COPY --from``) and installs with
``pip install --no-index``. Same requirements -> same wheels -> same ``COPY`` key, so a
rebuild with unchanged requirements reuses every layer.

Layout under ``~/.cache/dockdjango/wheels`` (``$DOCKDJANGO_CACHE/wheels``)::

    files/<wheel file name>        every wheel ever fetched (for any project)
    sets/<digest>.json             the wheel names one requirements digest installs
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from dockdjango.images.base import cache_dir
from dockdjango.images.detect import requirement_name


def wheel_cache_dir() -> Path:
    """The root of the wheel cache."""
    return cache_dir().parent / "wheels"


def files_dir() -> Path:
    """Where wheel files are kept."""
    return wheel_cache_dir() / "files"


def requirements_digest(dependency_files: Mapping[str, bytes], base_image: str) -> str:
    """A digest of everything that decides which wheels an install needs."""
    h = hashlib.sha256(base_image.encode() + b"\0")
    for name in sorted(dependency_files):
        h.update(name.encode() + b"\0" + dependency_files[name] + b"\0")
    return h.hexdigest()[:24]


def _set_path(digest: str) -> Path:
    return wheel_cache_dir() / "sets" / f"{digest}.json"


def load_wheel_set(digest: str) -> list[str] | None:
    """The wheel names recorded for ``digest``, or None when unknown or a file is gone."""
    try:
        names = json.loads(_set_path(digest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    if not all((files_dir() / n).is_file() for n in names):
        return None
    return sorted(names)


def save_wheel_set(digest: str, names: list[str]) -> None:
    """Record the wheels ``digest`` needs (atomically)."""
    path = _set_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".set-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(sorted(names), fh)
    os.replace(tmp, path)


def store_wheel(name: str, data: bytes) -> None:
    """Add one wheel file to the cache (atomically; an existing file is left alone)."""
    target = files_dir() / name
    if target.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wheel-", dir=target.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


def cached_wheels() -> list[Path]:
    """Every wheel file in the cache."""
    d = files_dir()
    return sorted(p for p in d.glob("*.whl") if p.is_file()) if d.is_dir() else []


def wheel_project(filename: str) -> str:
    """The normalised project name of a wheel file (``Django-5.2-py3-none-any.whl`` -> django)."""
    return re.sub(r"[-_.]+", "-", filename.split("-", 1)[0]).lower()


def uncached_requirements(requirements: Sequence[str], cached: Iterable[str]) -> list[str]:
    """The requirement lines naming a project the cache has no wheel of, in any version."""
    have = {wheel_project(name) for name in cached}
    return [r for r in requirements if (n := requirement_name(r)) is not None and n not in have]
