"""Where a Django project keeps its pieces: ``manage.py``, the settings module, WSGI/ASGI.

``manage.py`` is looked for at the root, then (shallowest first) in sub-directories up to
three levels down, skipping virtualenvs, ``node_modules`` and other trees that are not the
project's own; a root ``manage.py`` that is a symlink counts where it points. The directory
holding it is the one Django runs from (its ``sys.path[0]``), so every module path below is
resolved from there.

Which settings module Django runs with is decided in
:mod:`dockdjango.detection.django_settings.settings_sources`.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
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


def settings_from_source(source: str, key: str = "DJANGO_SETTINGS_MODULE") -> str | None:
    """The ``DJANGO_SETTINGS_MODULE`` (or another ``key``, such as django-configurations'
    ``DJANGO_CONFIGURATION``) a Python file sets (``os.environ.setdefault(...)``,
    ``os.environ["DJANGO_SETTINGS_MODULE"] = ...``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) == 2:
            name, value = node.args
            if _const(name) == key and _const(value):
                return _const(value)
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and _const(target.slice) == key
                and _const(node.value)
            ):
                return _const(node.value)
    return None


def runpy_module(source: str) -> str | None:
    """The package a ``manage.py`` runs instead of Django itself (``runpy.run_module("evap")``
    runs ``evap/__main__.py``), or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "run_module"
            and node.args
        ):
            return _const(node.args[0])
    return None


def manage_source(root: Path, manage_py: str) -> tuple[str, str]:
    """(the code ``manage.py`` runs, the file it is in): manage.py itself, or the
    ``__main__.py`` of the package it runs with runpy."""
    path = root / manage_py
    text = path.read_text(encoding="utf-8", errors="replace")
    package = runpy_module(text)
    if package:
        main = path.parent.joinpath(*package.split("."), "__main__.py")
        if main.is_file():
            rel = main.relative_to(root).as_posix()
            return main.read_text(encoding="utf-8", errors="replace"), rel
    return text, manage_py


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


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
