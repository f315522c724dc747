"""Where a project mounts Django's admin, read from its root URLconf without running it.

``path("admin/", admin.site.urls)`` is the common case; projects also put the prefix in a
setting (``path(settings.SECRET_ADMIN_PREFIX, admin.site.urls)``) and inside
``i18n_patterns(...)``, which puts the default language first (``/en/456-admin/``) unless
``prefix_default_language=False``. A prefix that cannot be read gives None: no admin link
is announced rather than a wrong one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from dockdjango.detection.django_settings.env_reads import literal
from dockdjango.detection.django_settings.pysource import parsed

_ROUTES = ("path", "re_path", "url")
#: Django's LANGUAGE_CODE when the settings set none
_DEFAULT_LANGUAGE = "en-us"


def admin_path(app_dir: Path, urlconf: str, settings_files: Iterable[str]) -> str | None:
    """``/admin/``, ``/backoffice/`` or ``/en/456-admin/``: where ``urlconf`` (a module
    under ``app_dir``) mounts ``admin.site.urls``; ``settings_files`` (relative to
    ``app_dir``, in the order the settings run) resolve ``settings.NAME`` prefixes."""
    base = app_dir / urlconf.replace(".", "/")
    tree = next(
        (t for p in (base.with_suffix(".py"), base / "__init__.py") if (t := parsed(p))), None
    )
    if tree is None:
        return None
    files = [app_dir / f for f in settings_files]
    translated = _inside_i18n_patterns(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _route_call(node)):
            continue
        if not _is_admin_urls(node.args[1]):
            continue
        route = literal(node.args[0]) or _setting(files, node.args[0])
        if route is None:
            return None
        route = _plain(route)
        if route is None:
            return None  # a pattern, not a path: no link rather than a wrong one
        prefix = ""
        if id(node) in translated:
            prefix = (_setting_value(files, "LANGUAGE_CODE") or _DEFAULT_LANGUAGE) + "/"
        return "/" + prefix + (route + "/" if route else "")
    return None


def _plain(route: str) -> str | None:
    """``admin`` for ``admin/``, ``^admin/$`` or ``^kompass/?`` (re_path's optional
    slash); None for a pattern that is no single path."""
    route = route.lstrip("^").rstrip("$")
    route = route[:-1] if route.endswith("/?") else route
    return None if re.search(r"[?*+()\[\]{}|\\]", route) else route.strip("/")


def _route_call(node: ast.Call) -> bool:
    if len(node.args) < 2:
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name in _ROUTES


def _is_admin_urls(node: ast.AST) -> bool:
    """``admin.site.urls`` (or ``site.urls`` of an admin site the project made)."""
    return isinstance(node, ast.Attribute) and node.attr == "urls"


def _inside_i18n_patterns(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside ``i18n_patterns(...)`` calls that prefix the default
    language."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")) != (
            "i18n_patterns"
        ):
            continue
        off = any(
            k.arg == "prefix_default_language"
            and isinstance(k.value, ast.Constant)
            and k.value.value is False
            for k in node.keywords
        )
        if not off:
            out |= {id(child) for arg in node.args for child in ast.walk(arg)}
    return out


def _setting(files: list[Path], node: ast.AST) -> str | None:
    """The literal value of ``settings.NAME``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == "settings":
            return _setting_value(files, node.attr)
    return None


def _setting_value(files: list[Path], name: str) -> str | None:
    """The last unconditional literal ``NAME = "..."`` in the settings files."""
    found = None
    for path in files:
        tree = parsed(path)
        for stmt in tree.body if tree else []:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in stmt.targets
            ):
                found = literal(stmt.value) or found
    return found
