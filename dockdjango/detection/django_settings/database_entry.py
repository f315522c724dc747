"""The literal fields of the settings' default database, read without running them.

``DATABASES = {"default": {"HOST": "localhost", "NAME": "app", ...}}`` is the plain case.
Settings also take the entry from elsewhere: a name bound above
(``DATABASES = {"default": DATABASE}``), or a configuration module the settings import
(``configuration = importlib.import_module(os.getenv("X", "proj.configuration"))`` then
``configuration.DATABASE``, as NetBox-style projects do). Values may be a config lookup's
``default=`` (``get_var("database", "user", default="kompass")``). What cannot be read
is left out: the caller then says what it could not wire, never guesses.
"""

from __future__ import annotations

import ast
from pathlib import Path

from dockdjango.detection.django_settings.env_reads import literal
from dockdjango.detection.django_settings.pysource import parsed
from dockdjango.detection.layout import module_file

_FIELDS = ("HOST", "PORT", "NAME", "USER", "PASSWORD")
_DEPTH = 4


def default_entry(value: ast.AST, path: Path, app_dir: Path) -> dict[str, str]:
    """``{"HOST": "localhost", "NAME": "app", ...}`` of the ``default`` entry of the
    DATABASES ``value`` assigned in the settings file at ``path``."""
    if not isinstance(value, ast.Dict):
        return {}
    entries = {literal(k): v for k, v in zip(value.keys, value.values, strict=False)}
    found = entries.get("default")
    entry = _dict(found, path, app_dir, _DEPTH) if found is not None else None
    if entry is None:
        return {}
    out: dict[str, str] = {}
    for key, item in zip(entry.keys, entry.values, strict=False):
        name = literal(key) if key is not None else None
        given: ast.expr | None = item
        if isinstance(item, ast.Call):
            given = next((k.value for k in item.keywords if k.arg == "default"), None)
        if name in _FIELDS and isinstance(given, ast.Constant):
            if isinstance(given.value, str | int) and not isinstance(given.value, bool):
                out[name] = str(given.value)
    return out


def _dict(node: ast.AST, path: Path, app_dir: Path, depth: int) -> ast.Dict | None:
    """The dict literal ``node`` stands for: itself, a name bound at the top of its file,
    or ``module.NAME`` of a project module the file imports."""
    tree = parsed(path)
    if isinstance(node, ast.Dict) or depth == 0 or tree is None:
        return node if isinstance(node, ast.Dict) else None
    if isinstance(node, ast.Name):
        bound = _bound(tree, node.id)
        return _dict(bound, path, app_dir, depth - 1) if bound is not None else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        module = _module_bound(tree, node.value.id)
        target = module_file(app_dir, module) if module else None
        other = parsed(target) if target else None
        bound = _bound(other, node.attr) if other and target else None
        if bound is not None and target is not None:
            return _dict(bound, target, app_dir, depth - 1)
    return None


def _top(tree: ast.Module) -> list[ast.stmt]:
    """Top-level statements, those in ``try``/``if`` blocks included."""
    out: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Try | ast.If):
            out += [*stmt.body, *getattr(stmt, "orelse", [])]
        else:
            out.append(stmt)
    return out


def _bound(tree: ast.Module, name: str) -> ast.expr | None:
    """The value last assigned to ``name`` at the top of ``tree``."""
    value = None
    for stmt in _top(tree):
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            value = stmt.value
    return value


def _module_bound(tree: ast.Module, alias: str) -> str | None:
    """The dotted module ``alias`` names: ``import a.b as alias``, ``from a import alias``,
    or ``alias = importlib.import_module("a.b")`` (a literal, or a variable's default)."""
    found = None
    for stmt in _top(tree):
        if isinstance(stmt, ast.Import):
            found = next((a.name for a in stmt.names if a.asname == alias), found)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for a in stmt.names:
                if (a.asname or a.name) == alias:
                    found = f"{stmt.module}.{a.name}"
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            named = any(isinstance(t, ast.Name) and t.id == alias for t in stmt.targets)
            if named and getattr(call.func, "attr", "") == "import_module" and call.args:
                found = _text(tree, call.args[0]) or found
    return found


def _text(tree: ast.Module, node: ast.AST) -> str | None:
    """A literal, or the literal default of a variable read from the environment."""
    if isinstance(node, ast.Name):
        bound = _bound(tree, node.id)
        node = bound if bound is not None else node
    if isinstance(node, ast.Call) and len(node.args) >= 2:
        return literal(node.args[1])
    return literal(node)
