"""Build contexts made by dockdjango: a tar of the project, filtered, plus injected files.

Injected files (a generated Dockerfile, the CA bundle for the builder stage) live only in
the tar sent to the engine, never in the user's project directory. The tar is GNU format:
the engine's BuildKit front end fails to parse Python's default PAX headers.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import posixpath
import stat
import tarfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

#: A predicate on a context-relative POSIX path ("books/views.py"): True = leave it out.
Exclude = Callable[[str], bool]


def iter_context_files(root: Path, exclude: Exclude | None = None) -> Iterator[str]:
    """Relative POSIX paths of the files (and symlinks) that belong in the context, sorted."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        kept = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            # An excluded directory may still hold re-included files (a `!` rule), so only
            # prune it when the predicate says its whole subtree is out.
            if exclude is not None and exclude(rel) and _prunable(exclude, rel):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                found.append(rel)
                continue
            kept.append(d)
        dirnames[:] = kept
        for f in filenames:
            rel = f"{rel_dir}/{f}" if rel_dir else f
            if exclude is None or not exclude(rel):
                found.append(rel)
    yield from sorted(found)


def _prunable(exclude: Exclude, rel: str) -> bool:
    can_prune = getattr(exclude, "can_prune", None)
    return bool(can_prune(rel)) if can_prune is not None else True


def make_context(
    root: str | os.PathLike[str] | None,
    *,
    exclude: Exclude | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> bytes:
    """The context as an uncompressed GNU tar, deterministic for the same inputs.

    ``root`` None gives a context of only ``extra_files``. Entries carry mode and size but a
    fixed owner and mtime, so the bytes depend only on the files' content and modes.
    """
    buf = io.BytesIO()
    extra = dict(extra_files or {})
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        if root is not None:
            base = Path(root)
            for rel in iter_context_files(base, exclude):
                if rel in extra:
                    continue
                full = base / rel
                info = tar.gettarinfo(str(full), arcname=rel)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                if info.isreg():
                    with open(full, "rb") as fh:
                        tar.addfile(info, fh)
                else:
                    tar.addfile(info)
        for rel, data in sorted(extra.items()):
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


#: Context-relative POSIX path -> digest of the file's mode and content.
ContextIndex = dict[str, str]


def file_digest(mode: int, content: bytes) -> str:
    """Digest of one context entry as BuildKit's content hash sees it (mode and bytes)."""
    h = hashlib.sha256(f"{stat.S_IMODE(mode):o}:{stat.S_IFMT(mode):o}\0".encode())
    h.update(content)
    return h.hexdigest()[:32]


def index_context(
    root: str | os.PathLike[str] | None,
    exclude: Exclude | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> ContextIndex:
    """Digests of every file the context tar will hold (same selection as ``make_context``)."""
    index: ContextIndex = {}
    if root is not None:
        base = Path(root)
        for rel in iter_context_files(base, exclude):
            full = base / rel
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                index[rel] = file_digest(st.st_mode, os.readlink(full).encode())
            elif stat.S_ISREG(st.st_mode):
                index[rel] = file_digest(st.st_mode, full.read_bytes())
    for rel, data in (extra_files or {}).items():
        index[rel] = file_digest(0o100644, data)  # make_context writes extras as 0644 files
    return index


def match_sources(src: str, context: ContextIndex) -> list[tuple[str, str]]:
    """(context path, path relative to the copied source) for each file ``src`` (a
    Dockerfile source path) selects, as BuildKit matches it."""
    norm = posixpath.normpath(src.lstrip("/")) if src.strip("/") else "."
    if norm == ".":
        return [(rel, rel) for rel in sorted(context)]
    if norm in context:
        return [(norm, posixpath.basename(norm))]
    prefix = norm + "/"
    under = [(rel, rel[len(prefix) :]) for rel in sorted(context) if rel.startswith(prefix)]
    if under or not any(ch in norm for ch in "*?["):
        return under
    # A wildcard matches whole paths component by component (Go's filepath.Match). With the
    # same number of components on both sides, fnmatch's `*` cannot cross a `/`.
    depth = norm.count("/") + 1
    out = []
    for rel in sorted(context):
        parts = rel.split("/")
        if len(parts) >= depth and fnmatch.fnmatchcase("/".join(parts[:depth]), norm):
            rest = "/".join(parts[depth:])
            out.append((rel, posixpath.join(parts[depth - 1], rest) if rest else parts[-1]))
    return out
