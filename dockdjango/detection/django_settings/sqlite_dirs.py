"""The directories a settings module puts its SQLite files in, where the checkout has none.

A project whose settings say ``NAME: BASE_DIR / "data" / "db.sqlite3"`` usually makes
``data/`` in its own init (a Makefile target, a container entrypoint's ``mkdir -p``);
Git keeps no empty directory, so in a fresh checkout ``migrate`` fails with "unable to
open database file". The path expressions are evaluated without running the settings:
``__file__`` and what ``os.path.abspath``/``dirname``/``join``, ``Path(...).resolve()``,
``.parent``, ``.parents[n]`` and ``/`` make of it, through names assigned at module level
(``BASE_DIR``) in the files the settings scan visited, in their order.
"""

from __future__ import annotations

import ast
import shlex
from pathlib import Path

from dockdjango.detection.django_settings.env_reads import dotted, literal
from dockdjango.detection.django_settings.pysource import parsed

#: the file names SQLite databases get in settings (Django's default, and the usual others)
SQLITE_SUFFIXES = (".sqlite3", ".sqlite", ".db")
_KEEP = {"abspath", "realpath", "normpath", "Path", "PurePath", "resolve", "absolute"}


def missing_sqlite_dirs(app_dir: Path, files: list[str]) -> tuple[str, ...]:
    """The directories (relative to ``app_dir``, where ``manage.py`` runs) that SQLite files
    named in the settings ``files`` (relative to ``app_dir``) live in and the checkout lacks."""
    names: dict[str, Path] = {}
    found: list[str] = []
    root = app_dir.resolve()
    for rel in files:
        path = (app_dir / rel).resolve()
        tree = parsed(path)
        if tree is None:
            continue
        evaluate = _Evaluator(path, names)
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                value = evaluate(stmt.value)
                if value is not None:
                    names[stmt.targets[0].id] = value
        for node in ast.walk(tree):
            target = evaluate(node) if isinstance(node, ast.Call | ast.BinOp) else None
            if target is None or not target.name.endswith(SQLITE_SUFFIXES):
                continue
            parent = target.parent
            if parent == root or not parent.is_relative_to(root) or parent.exists():
                continue
            found.append(parent.relative_to(root).as_posix())
    return tuple(dict.fromkeys(found))


def made_dirs_note(dirs: tuple[str, ...]) -> str:
    """What ``detect`` says about the directories the web command makes."""
    where = ", ".join(f"{d}/" for d in dirs)
    return (
        f"SQLite files in {where} which the checkout lacks (the project's own init makes "
        f"it): the web command runs `mkdir -p {' '.join(dirs)}` before migrate"
    )


def mkdir_first(dirs: tuple[str, ...]) -> str:
    """``mkdir -p DIRS && `` for a shell command that makes them first (none: no text)."""
    return f"mkdir -p {' '.join(shlex.quote(d) for d in dirs)} && " if dirs else ""


class _Evaluator:
    """A path expression's value, or None when it is not one of the known shapes."""

    def __init__(self, path: Path, names: dict[str, Path]):
        self.path = path
        self.names = names

    def __call__(self, node: ast.AST) -> Path | None:
        if isinstance(node, ast.Name):
            return self.path if node.id == "__file__" else self.names.get(node.id)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self(node.value)
            return inner.parent if inner is not None else None
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents"
        ):
            inner = self(node.value.value)
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            if inner is None or not isinstance(index, int) or index >= len(inner.parents):
                return None
            return inner.parents[index]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._join(node.left, [node.right])
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _call(self, node: ast.Call) -> Path | None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else dotted(func)
        if isinstance(func, ast.Attribute) and name in ("resolve", "absolute"):
            return self(func.value)
        if not node.args:
            return None
        if name == "dirname" and len(node.args) == 1:
            inner = self(node.args[0])
            return inner.parent if inner is not None else None
        if name in ("join", "Path", "PurePath") or (name in _KEEP and len(node.args) == 1):
            return self._join(node.args[0], node.args[1:])
        return None

    def _join(self, head: ast.AST, parts: list[ast.expr] | list[ast.AST]) -> Path | None:
        base = self(head)
        if base is None:
            return None
        for part in parts:
            text = literal(part)
            if text is None or text.startswith("/"):
                return None
            base = base / text
        return base
