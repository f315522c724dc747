"""How settings read the environment, one expression at a time (no code is run).

Understood: ``os.environ.get``/``os.getenv``/``os.environ[...]``/``"X" in os.environ``,
django-environ's ``env.str("X")``/``env.db()``, decouple's ``config("X")``,
``dj_database_url.config()`` and the common home-made readers (``get_env("X")``).
"""

from __future__ import annotations

import ast
import re

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


def env_reads(node: ast.AST) -> list[tuple[str, str | None]]:
    """(variable, literal default) pairs read by one expression node."""
    if isinstance(node, ast.Call):
        name = dotted(node.func)
        first = literal(node.args[0]) if node.args else None
        default = literal(node.args[1]) if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg == "default":
                default = literal(kw.value) or fstring_head(kw.value)
        if name in (
            "os.environ.get",
            "os.getenv",
            "environ.get",
            "getenv",
            "os.environ.setdefault",
        ):
            return [(first, default)] if first else []
        if name in ("dj_database_url.config", "dj_database_url.config"):
            var = next((literal(k.value) for k in node.keywords if k.arg == "env"), None)
            return [(var or "DATABASE_URL", default if not node.args else None)]
        head, _, method = name.rpartition(".")
        if head == "env" and method in _ENV_METHODS:
            if method in ("db", "db_url", "dj_db_url") and not first:
                return [("DATABASE_URL", default)]
            if method in ("cache", "cache_url") and not first:
                return [("CACHE_URL", default)]
            return [(first, default)] if first and _ENV_NAME.match(first) else []
        if name in _READER_FUNCS and first and _ENV_NAME.match(first):
            return [(first, default)]
    if isinstance(node, ast.Subscript) and dotted(node.value) in ("os.environ", "environ"):
        key = literal(node.slice)
        return [(key, None)] if key else []
    if isinstance(node, ast.Compare) and any(isinstance(o, ast.In | ast.NotIn) for o in node.ops):
        if any(dotted(c) in ("os.environ", "environ") for c in node.comparators):
            key = literal(node.left)
            return [(key, None)] if key else []
    return []


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def fstring_head(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.JoinedStr) and node.values:
        return literal(node.values[0])
    return None
