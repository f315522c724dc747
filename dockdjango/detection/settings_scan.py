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
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dockdjango.detection.layout import module_file

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_READER_FUNCS = {"env", "config", "get_secret", "getenv", "get_env", "env_var", "get_env_var"}
_ENV_METHODS = {
    "str",
    "bool",
    "int",
    "float",
    "list",
    "tuple",
    "dict",
    "json",
    "url",
    "db",
    "db_url",
    "dj_db_url",
    "cache",
    "cache_url",
    "path",
    "email",
    "email_url",
    "get_value",
    "search_url",
}
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
    app_dir: Path, module: str, *, environ: Mapping[str, str] | None = None
) -> SettingsScan:
    """Scan ``module`` (resolved from ``app_dir``) and what it imports."""
    scan = SettingsScan()
    path = module_file(app_dir, module)
    if path is not None:
        _Scanner(app_dir, scan, dict(environ or {})).file(path, module)
    return scan


class _Scanner:
    def __init__(self, app_dir: Path, scan: SettingsScan, environ: dict[str, str]):
        self.app_dir = app_dir
        self.scan = scan
        self.environ = environ
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
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            return
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self._collect_reads(tree)
        lists = _string_lists(tree, self._active)
        for stmt in tree.body:
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
            self._assignment(stmt, conditional)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._split_settings(stmt.value, path, package, lists)

    def _assignment(self, stmt: ast.Assign | ast.AnnAssign, conditional: bool) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = [_target_name(t) for t in targets]
        value = stmt.value
        if value is None:
            return
        for name in names:
            if name in ("WSGI_APPLICATION", "ASGI_APPLICATION", "ROOT_URLCONF"):
                text = _literal(value)
                if text:
                    self.scan.values[name] = text
            if name == "DATABASES":
                kind = self._database_kind(value)
                if not conditional:
                    self.scan.final_engine = kind or ""

    def _database_kind(self, value: ast.AST) -> str | None:
        for node in ast.walk(value):
            if isinstance(node, ast.Dict):
                for key, item in zip(node.keys, node.values, strict=False):
                    if key is not None and _literal(key) == "ENGINE":
                        text = _literal(item) or self._default_of(item)
                        if text:
                            return engine_kind(text)
        for node in ast.walk(value):
            text = _literal(node) or _fstring_head(node)
            if text and "://" in text:
                return engine_kind(text)
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id in self.scan.env_defaults:
                return engine_kind(self.scan.env_defaults[node.id])
        url = self.scan.env_defaults.get("DATABASE_URL")
        return engine_kind(url) if url else None

    def _default_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call):
            for arg in [*node.args[1:], *(k.value for k in node.keywords if k.arg == "default")]:
                text = _literal(arg)
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
                names += [t for t in [_literal(arg.args[0])] if t]
            elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                names += lists.get(arg.value.id, [])
            elif _literal(arg):
                names.append(_literal(arg) or "")
        for name in names:
            target = path.parent / name
            if target.is_file():
                stem = Path(name).with_suffix("").as_posix().replace("/", ".")
                self.file(target, f"{package}.{stem}" if package else stem)

    # -- anywhere in the file ---------------------------------------------------------
    def _collect_reads(self, tree: ast.AST) -> None:
        reads = list(
            (getattr(node, "lineno", 0), getattr(node, "col_offset", 0), name, default)
            for node in ast.walk(tree)
            for name, default in _env_reads(node)
        )
        reads.sort(key=lambda r: (r[0], r[1]))  # source order (ast.walk is breadth-first)
        for _, _, name, default in reads:
            if name not in self.scan.env_reads:
                self.scan.env_reads.append(name)
            if default is not None:
                self.scan.env_defaults.setdefault(name, default)
        for node in ast.walk(tree):
            text = _literal(node) or _fstring_head(node)
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
        names = [n for node in ast.walk(test) for n, _ in _env_reads(node)]
        if not names:
            return None
        return any(self.environ.get(n, "") not in ("", "0", "false", "False") for n in names)


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
                    lists[name] = [t for t in (_literal(e) for e in stmt.value.elts) if t]
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                func = stmt.value.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "append"
                    and isinstance(func.value, ast.Name)
                    and stmt.value.args
                ):
                    text = _literal(stmt.value.args[0])
                    if text:
                        lists.setdefault(func.value.id, []).append(text)
            elif isinstance(stmt, ast.If | ast.Try | ast.With):
                visit(_children(stmt, active))

    visit(tree.body)
    return lists


def _env_reads(node: ast.AST) -> list[tuple[str, str | None]]:
    """(variable, literal default) pairs read by one expression node."""
    if isinstance(node, ast.Call):
        dotted = _dotted(node.func)
        first = _literal(node.args[0]) if node.args else None
        default = _literal(node.args[1]) if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg == "default":
                default = _literal(kw.value) or _fstring_head(kw.value)
        if dotted in (
            "os.environ.get",
            "os.getenv",
            "environ.get",
            "getenv",
            "os.environ.setdefault",
        ):
            return [(first, default)] if first else []
        if dotted in ("dj_database_url.config", "dj_database_url.config"):
            var = next((_literal(k.value) for k in node.keywords if k.arg == "env"), None)
            return [(var or "DATABASE_URL", default if not node.args else None)]
        head, _, method = dotted.rpartition(".")
        if head == "env" and method in _ENV_METHODS:
            if method in ("db", "db_url", "dj_db_url") and not first:
                return [("DATABASE_URL", default)]
            if method in ("cache", "cache_url") and not first:
                return [("CACHE_URL", default)]
            return [(first, default)] if first and _ENV_NAME.match(first) else []
        if dotted in _READER_FUNCS and first and _ENV_NAME.match(first):
            return [(first, default)]
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("os.environ", "environ"):
        key = _literal(node.slice)
        return [(key, None)] if key else []
    if isinstance(node, ast.Compare) and any(isinstance(o, ast.In | ast.NotIn) for o in node.ops):
        if any(_dotted(c) in ("os.environ", "environ") for c in node.comparators):
            key = _literal(node.left)
            return [(key, None)] if key else []
    return []


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _call_name(call: ast.Call) -> str:
    return _dotted(call.func).rpartition(".")[2]


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _fstring_head(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.JoinedStr) and node.values:
        return _literal(node.values[0])
    return None


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


#: The same readings for other readers of settings files
#: (:mod:`dockdjango.detection.dev_hosts`): ``os.environ.get`` from a call's function, and a
#: string constant's value.
dotted_name = _dotted
string_literal = _literal
