"""Reading a settings module without running it: which variables it reads, which database.

The module and everything it star-imports (``from .base import *``) or includes with
django-split-settings (``include("core.py", optional("local.py"))``) are parsed with
``ast``, in the order Django would execute them. What is collected:

- every environment variable read (``os.environ.get``, ``os.getenv``, ``os.environ[...]``,
  ``"X" in os.environ``, django-environ's ``env.str("X")``/``env.db()``, decouple's
  ``config("X")``, ``dj_database_url.config()``), with its default when it is a literal;
- the database engines named (``ENGINE`` literals, ``DATABASE_URL`` defaults' schemes),
  and the engine of the last unconditional ``DATABASES`` assignment, which is the one that
  wins (a ``dev.py`` that switches to SQLite after importing a PostgreSQL ``base.py``);
- URLs written into the settings (``redis://redis:6379``), ``WSGI_APPLICATION``,
  ``ASGI_APPLICATION`` and ``ROOT_URLCONF``.

Branches that depend on the environment are followed only when ``environ`` says so
(django-split-settings' ``if os.environ.get("IN_DOCKER"): files.append("docker.py")``).
Class-based settings (django-configurations) are read for the class ``configuration``
names, with its bases (:mod:`dockdjango.detection.django_settings.settings_classes`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dockdjango.detection.django_settings.database_entry import default_entry
from dockdjango.detection.django_settings.env_reads import dotted, env_reads, fstring_head, literal
from dockdjango.detection.django_settings.pysource import parsed
from dockdjango.detection.django_settings.settings_classes import (
    class_bodies,
    is_value_call,
    value_default,
    value_reads,
)
from dockdjango.detection.layout import module_file

_URL_SCHEMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "postgis": "postgres",
    "pgsql": "postgres",
    "psql": "postgres",
    "sqlite": "sqlite",
    "spatialite": "sqlite",
    "mysql": "mysql",
    "mysql2": "mysql",
    "mysqlgis": "mysql",
}


def engine_kind(text: str) -> str | None:
    """``postgres``/``sqlite``/``mysql`` for an ENGINE path or a database URL."""
    lowered = text.lower()
    scheme = lowered.split("://", 1)[0] if "://" in lowered else None
    if scheme:
        return _URL_SCHEMES.get(scheme.split("+", 1)[0])
    for needle, kind in (
        ("postgis", "postgres"),
        ("postgresql", "postgres"),
        ("sqlite", "sqlite"),
        ("spatialite", "sqlite"),
        ("mysql", "mysql"),
    ):
        if needle in lowered:
            return kind
    return None


@dataclass
class SettingsScan:
    """What a settings module reads and configures (see the module docstring)."""

    files: list[str] = field(default_factory=list)
    env_reads: list[str] = field(default_factory=list)
    env_defaults: dict[str, str] = field(default_factory=dict)
    engines: set[str] = field(default_factory=set)
    #: the engine of the last unconditional DATABASES assignment ("" when computed)
    final_engine: str | None = None
    urls: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    postgis: bool = False
    #: the literal strings of the default database's entry (HOST, PORT, NAME, USER,
    #: PASSWORD) in the last unconditional DATABASES assignment
    database_literals: dict[str, str] = field(default_factory=dict)

    def reads(self, name: str) -> bool:
        """True when the settings read environment variable ``name``."""
        return name in self.env_reads

    @property
    def database(self) -> str | None:
        """``postgres``/``sqlite``/``mysql``: what the settings' default database is."""
        if self.final_engine:
            return self.final_engine
        for kind in ("postgres", "mysql", "sqlite"):
            if kind in self.engines:
                return kind
        return None


def scan_settings(
    app_dir: Path,
    module: str,
    *,
    environ: Mapping[str, str] | None = None,
    configuration: str | None = None,
) -> SettingsScan:
    """Scan ``module`` (resolved from ``app_dir``) and what it imports; with
    ``configuration``, the settings class of that name too."""
    scan = SettingsScan()
    path = module_file(app_dir, module)
    if path is not None:
        _Scanner(app_dir, scan, dict(environ or {}), configuration).file(path, module)
    return scan


class _Scanner:
    def __init__(
        self,
        app_dir: Path,
        scan: SettingsScan,
        environ: dict[str, str],
        configuration: str | None = None,
    ):
        self.app_dir = app_dir
        self.scan = scan
        self.environ = environ
        self.configuration = configuration
        self.seen: set[Path] = set()

    def file(self, path: Path, module: str) -> None:
        if path in self.seen:
            return
        self.seen.add(path)
        try:
            rel = path.relative_to(self.app_dir).as_posix()
        except ValueError:
            rel = str(path)
        self.scan.files.append(rel)
        tree = parsed(path)
        if tree is None:
            return
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self._collect_reads(tree)
        lists = _string_lists(tree, self._active)
        top = not self.seen - {path}
        for stmt in tree.body:
            self._statement(stmt, path, package, lists, conditional=False)
        if top and self.configuration:
            for stmt in class_bodies(tree, self.configuration):
                self._statement(stmt, path, package, lists, conditional=False)

    # -- in execution order ---------------------------------------------------------
    def _statement(
        self,
        stmt: ast.stmt,
        path: Path,
        package: str,
        lists: dict[str, list[str]],
        conditional: bool,
    ) -> None:
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            target = _absolute(stmt, package)
            found = module_file(self.app_dir, target) if target else None
            if found is not None and target:
                self.file(found, target)
        elif isinstance(stmt, ast.If | ast.Try | ast.With):
            for child in _children(stmt, self._active):
                self._statement(child, path, package, lists, conditional=True)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            self._assignment(stmt, conditional, path)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._split_settings(stmt.value, path, package, lists)

    def _assignment(self, stmt: ast.Assign | ast.AnnAssign, conditional: bool, path: Path) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = [_target_name(t) for t in targets]
        value = stmt.value
        if value is None:
            return
        for name in names:
            if name in ("WSGI_APPLICATION", "ASGI_APPLICATION", "ROOT_URLCONF"):
                text = literal(value)
                if text:
                    self.scan.values[name] = text
            if name == "DATABASES":
                kind = self._database_kind(value)
                if not conditional:
                    self.scan.final_engine = kind or ""
                    self.scan.database_literals = default_entry(value, path, self.app_dir)

    def _database_kind(self, value: ast.AST) -> str | None:
        for node in ast.walk(value):
            if isinstance(node, ast.Dict):
                for key, item in zip(node.keys, node.values, strict=False):
                    if key is not None and literal(key) == "ENGINE":
                        text = literal(item) or self._default_of(item)
                        if text:
                            return engine_kind(text)
        for node in ast.walk(value):
            text = literal(node) or fstring_head(node)
            if text and "://" in text:
                return engine_kind(text)
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id in self.scan.env_defaults:
                return engine_kind(self.scan.env_defaults[node.id])
        url = self.scan.env_defaults.get("DATABASE_URL")
        return engine_kind(url) if url else None

    def _default_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call) and is_value_call(node):
            return value_default(node)
        if isinstance(node, ast.Call):
            for arg in [*node.args[1:], *(k.value for k in node.keywords if k.arg == "default")]:
                text = literal(arg)
                if text:
                    return text
        return None

    def _split_settings(
        self, call: ast.Call, path: Path, package: str, lists: dict[str, list[str]]
    ) -> None:
        if _call_name(call) != "include":
            return
        names: list[str] = []
        for arg in call.args:
            if isinstance(arg, ast.Call) and _call_name(arg) == "optional" and arg.args:
                names += [t for t in [literal(arg.args[0])] if t]
            elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                names += lists.get(arg.value.id, [])
            elif literal(arg):
                names.append(literal(arg) or "")
        for name in names:
            target = path.parent / name
            if target.is_file():
                stem = Path(name).with_suffix("").as_posix().replace("/", ".")
                self.file(target, f"{package}.{stem}" if package else stem)

    # -- anywhere in the file ---------------------------------------------------------
    def _collect_reads(self, tree: ast.AST) -> None:
        constants = _class_constants(tree)
        reads = list(
            (
                getattr(node, "lineno", 0),
                getattr(node, "col_offset", 0),
                name,
                default if default is not None else _constant_default(node, constants),
            )
            for node in ast.walk(tree)
            for name, default in env_reads(node)
        )
        reads += value_reads(tree)
        reads.sort(key=lambda r: (r[0], r[1]))  # source order (ast.walk is breadth-first)
        for _, _, name, default in reads:
            if name not in self.scan.env_reads:
                self.scan.env_reads.append(name)
            if default is not None:
                self.scan.env_defaults.setdefault(name, default)
        for node in ast.walk(tree):
            text = literal(node) or fstring_head(node)
            if text and re.match(r"^[a-z][a-z0-9+]*://", text):
                self.scan.urls.append(text)
                kind = engine_kind(text)
                if kind and text.split("://")[0] in _URL_SCHEMES:
                    self.scan.engines.add(kind)
                if text.startswith("postgis"):
                    self.scan.postgis = True
            if text and text.startswith("django.") and ".db.backends." in text:
                kind = engine_kind(text)
                if kind:
                    self.scan.engines.add(kind)
                if "postgis" in text:
                    self.scan.postgis = True

    def _active(self, test: ast.AST) -> bool | None:
        """True/False when ``test`` only asks whether env variables are set; else None."""
        names = [n for node in ast.walk(test) for n, _ in env_reads(node)]
        if not names:
            return None
        return any(self.environ.get(n, "") not in ("", "0", "false", "False") for n in names)


def _class_constants(tree: ast.AST) -> dict[str, str]:
    """``Kinds.MYSQL`` -> ``"mysql"`` for string constants of the file's classes."""
    out = {}
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    name = _target_name(stmt.targets[0])
                    text = literal(stmt.value)
                    if name and text is not None:
                        out[f"{node.name}.{name}"] = text
    return out


def _constant_default(node: ast.AST, constants: dict[str, str]) -> str | None:
    """The default of ``os.getenv("X", Kinds.MYSQL)`` when the class is the file's own."""
    if isinstance(node, ast.Call) and len(node.args) > 1:
        return constants.get(dotted(node.args[1]))
    return None


def _children(stmt: ast.stmt, active: object) -> list[ast.stmt]:
    """Statements inside an if/try/with that may run (env-dependent branches evaluated)."""
    if isinstance(stmt, ast.If):
        decide = active(stmt.test)  # type: ignore[operator]
        if decide is True:
            return list(stmt.body)
        if decide is False:
            return list(stmt.orelse)
        return [*stmt.body, *stmt.orelse]
    if isinstance(stmt, ast.Try):
        return [*stmt.body, *stmt.orelse, *stmt.finalbody]
    if isinstance(stmt, ast.With):
        return list(stmt.body)
    return []


def _string_lists(tree: ast.Module, active: object) -> dict[str, list[str]]:
    """``files = ["core.py"]`` then ``files.append("docker.py")`` under an env condition."""
    lists: dict[str, list[str]] = {}

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.List):
                name = _target_name(stmt.targets[0])
                if name:
                    lists[name] = [t for t in (literal(e) for e in stmt.value.elts) if t]
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                func = stmt.value.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "append"
                    and isinstance(func.value, ast.Name)
                    and stmt.value.args
                ):
                    text = literal(stmt.value.args[0])
                    if text:
                        lists.setdefault(func.value.id, []).append(text)
            elif isinstance(stmt, ast.If | ast.Try | ast.With):
                visit(_children(stmt, active))

    visit(tree.body)
    return lists


def _call_name(call: ast.Call) -> str:
    return dotted(call.func).rpartition(".")[2]


def _target_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return _target_name(node.value)
    return None


def _absolute(stmt: ast.ImportFrom, package: str) -> str | None:
    if not stmt.level:
        return stmt.module
    parts = package.split(".") if package else []
    if stmt.level > 1:
        parts = parts[: len(parts) - (stmt.level - 1)]
    base = ".".join(parts)
    if stmt.module:
        return f"{base}.{stmt.module}" if base else stmt.module
    return base or None
