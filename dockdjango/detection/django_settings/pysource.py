"""A project's Python files, parsed once per detection however many readers ask.

Several readers look at the same settings files (what they read from the environment,
which modules they import, which package metadata they ask for); each gets the same
tree. The cache key holds the file's size and modification time, so an edited file is
read again.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


def parsed(path: Path) -> ast.Module | None:
    """The syntax tree of the Python file at ``path``; None when it is missing or invalid."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _parse(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse(path: str, mtime: int, size: int) -> ast.Module | None:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError, OSError):
        return None
