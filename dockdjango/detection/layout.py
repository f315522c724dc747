"""Where a Django project keeps its pieces: ``manage.py``, the settings module, WSGI/ASGI.

``manage.py`` is looked for at the root, then (shallowest first) in sub-directories up to
three levels down, skipping virtualenvs, ``node_modules`` and other trees that are not the
project's own; a root ``manage.py`` that is a symlink counts where it points. The directory
holding it is the one Django runs from (its ``sys.path[0]``), so every module path below is
resolved from there.

The settings module comes from, in this order: an explicit choice, the environment, the
project's ``.env``, the Django service of the project's compose file (whose environment the
generated stack borrows), ``manage.py``'s ``os.environ.setdefault``, then ``wsgi.py``. Each
answer says where it was found.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Directories never searched for manage.py or settings.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "node_modules",
        "site-packages",
        "__pycache__",
        "build",
        "dist",
        ".mypy_cache",
        ".pytest_cache",
        "docs",
    }
)


@dataclass(frozen=True)
class Found:
    """An answer and where it came from (``manage.py:9``, ``.env``, ``compose.yaml``)."""

    value: str
    source: str


def find_manage_py(root: Path) -> tuple[str | None, list[str]]:
    """(the manage.py Django runs, other candidates), as paths relative to ``root``."""
    top = root / "manage.py"
    if top.is_file():
        linked = _link_target(top)
        real = (top.parent / linked) if linked else top.resolve()
        try:
            return real.resolve().relative_to(root.resolve()).as_posix(), []
        except ValueError:
            return "manage.py", []  # a symlink out of the project: run it where it is
    found = sorted(
        (p.relative_to(root).as_posix() for p in _walk(root, "manage.py", depth=3)),
        key=lambda s: (s.count("/"), s),
    )
    found = [f for f in found if _looks_like_manage(root / f)]
    return (found[0], found[1:]) if found else (None, [])


def _link_target(path: Path) -> str | None:
    """The target of a symlink checked out as a plain file (git's ``core.symlinks=false``
    writes the link's target as the file's only content), or None."""
    if path.is_symlink() or path.stat().st_size > 255:
        return None
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    if "\n" in text or " " in text or not text.endswith(".py"):
        return None
    return text if (path.parent / text).is_file() else None


def _looks_like_manage(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "django" in text.lower() or "DJANGO_SETTINGS_MODULE" in text


def _walk(root: Path, name: str, depth: int) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        if len(rel.parts) >= depth:
            dirnames[:] = []
        if name in filenames and rel.parts:
            yield Path(dirpath) / name


def settings_from_source(source: str) -> str | None:
    """The ``DJANGO_SETTINGS_MODULE`` a Python file sets (``os.environ.setdefault(...)``,
    ``os.environ["DJANGO_SETTINGS_MODULE"] = ...``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) == 2:
            key, value = node.args
            if _const(key) == "DJANGO_SETTINGS_MODULE" and _const(value):
                return _const(value)
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and _const(target.slice) == "DJANGO_SETTINGS_MODULE"
                and _const(node.value)
            ):
                return _const(node.value)
    return None


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def find_settings(
    root: Path,
    app_dir: Path,
    manage_py: str | None,
    *,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    compose_env: Mapping[str, str],
    compose_file: str | None,
) -> Found | None:
    """The settings module, with where it was found (see the module's order)."""
    if environ.get("DJANGO_SETTINGS_MODULE"):
        return Found(environ["DJANGO_SETTINGS_MODULE"], "the environment")
    if dotenv.get("DJANGO_SETTINGS_MODULE"):
        return Found(dotenv["DJANGO_SETTINGS_MODULE"], ".env")
    if compose_env.get("DJANGO_SETTINGS_MODULE"):
        # the Django service's environment is borrowed: inside, it wins over manage.py
        return Found(compose_env["DJANGO_SETTINGS_MODULE"], compose_file or "the compose file")
    if manage_py:
        text = (root / manage_py).read_text(encoding="utf-8", errors="replace")
        module = settings_from_source(text)
        if module:
            return Found(module, manage_py)
    for wsgi in sorted(app_dir.glob("*/wsgi.py")) + sorted(app_dir.glob("wsgi.py")):
        module = settings_from_source(wsgi.read_text(encoding="utf-8", errors="replace"))
        if module:
            return Found(module, wsgi.relative_to(root).as_posix())
    return None


def module_file(app_dir: Path, module: str) -> Path | None:
    """The file of a dotted module resolved from ``app_dir`` (``a.b`` -> a/b.py or
    a/b/__init__.py), or None."""
    base = app_dir.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def find_app(app_dir: Path, settings: str | None, kind: str, declared: str | None) -> str | None:
    """The ``module:callable`` of the WSGI (``kind="wsgi"``) or ASGI application.

    ``declared`` is ``WSGI_APPLICATION``/``ASGI_APPLICATION`` from the settings
    (``mysite.wsgi.application``); otherwise ``<settings package>/wsgi.py``, a
    ``wsgi.py`` beside manage.py, or one in a sub-directory of it.
    """
    if declared and "." in declared:
        module, attr = declared.rsplit(".", 1)
        if module_file(app_dir, module):
            return f"{module}:{attr}"
    candidates: list[str] = []
    if settings:
        parts = settings.split(".")
        for i in range(len(parts) - 1, 0, -1):
            candidates.append(".".join(parts[:i]) + f".{kind}")
    candidates.append(kind)
    candidates += sorted(f"{p.parent.name}.{kind}" for p in app_dir.glob(f"*/{kind}.py"))
    for module in candidates:
        if module_file(app_dir, module) is not None:
            return f"{module}:application"
    return None
