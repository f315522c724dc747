"""The command that builds an image a compose file names but nothing can pull.

A compose file often runs its app from a published image (``image: grafana/oncall``, no
``build:``) that the repository's own Dockerfile makes. Where no registry serves it, the
fix is to build it: :func:`build_command` finds the Dockerfile that most likely makes the
image and spells the exact ``docker build`` for it.

```python
build_command("sissbruecker/linkding:latest", Path("~/src/linkding"))
# 'docker build -t sissbruecker/linkding:latest -f docker/default.Dockerfile .'
```
"""

from __future__ import annotations

import re
from pathlib import Path

#: Folders whose Dockerfiles build test fixtures, CI helpers or templates, not the app.
_SKIP = {"node_modules", ".git", ".github", "tests", "test", "e2e", ".venv", "venv"}
#: Files that mark a folder as a Python project's root (a build context).
_PROJECT_FILES = ("manage.py", "requirements.txt", "pyproject.toml", "setup.py", "Pipfile")


def find_dockerfiles(root: Path, *, depth: int = 3) -> list[Path]:
    """Dockerfiles under ``root`` (``Dockerfile``, ``Dockerfile.x``, ``x.Dockerfile``), at
    most ``depth`` folders down, outside tests, CI and template folders; relative, sorted."""
    out: list[Path] = []

    def walk(folder: Path, level: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if level < depth and entry.name not in _SKIP and "{{" not in entry.name:
                    walk(entry, level + 1)
            elif entry.is_file() and _is_dockerfile(entry.name):
                out.append(entry.relative_to(root))

    walk(root, 0)
    return out


def _is_dockerfile(name: str) -> bool:
    lower = name.lower()
    return lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile")


def build_command(ref: str, root: Path) -> str | None:
    """``docker build -t REF [-f FILE] CONTEXT`` for the Dockerfile of ``root`` that most
    likely makes ``ref``; None when the project has none."""
    found = find_dockerfiles(root)
    if not found:
        return None
    words = _words(ref)
    best = max(found, key=lambda p: (_score(p, words), -len(p.parts), str(p) == "Dockerfile"))
    context = _context(root, best)
    rel = best.relative_to(context) if context != Path(".") else best
    file = "" if rel == Path("Dockerfile") else f" -f {best}"
    return f"docker build -t {ref}{file} {context}"


def _words(ref: str) -> set[str]:
    """The words of an image's name: ``mathesar/mathesar-caddy:latest`` -> mathesar, caddy."""
    name = ref.split("@", 1)[0]
    name = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    return {w for w in re.split(r"[-_./]", name.rsplit("/", 1)[-1].lower()) if len(w) > 2}


def _score(path: Path, words: set[str]) -> int:
    text = str(path).lower()
    score = sum(2 for w in words if w in text)
    score += 1 if path.name == "Dockerfile" else 0
    score += 1 if "default" in text or "prod" in text else 0
    score -= 1 if re.search(r"(^|[./-])(dev|devel|test|ci)([./-]|$)", text) else 0
    return score


def _context(root: Path, dockerfile: Path) -> Path:
    """The Dockerfile's own folder when it is a Python project's root, else the
    repository's (``docker/default.Dockerfile`` builds from ``.``)."""
    folder = dockerfile.parent
    if folder != Path(".") and any((root / folder / f).is_file() for f in _PROJECT_FILES):
        return folder
    return Path(".")
