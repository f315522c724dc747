"""Reading a project's root URLconf (``ROOT_URLCONF``): the routes it has, never imported.

Every ``path``/``re_path``/``url`` call the module makes is a route; comments and
docstrings, which name examples (``startproject``'s ``path('', views.home)``), are not.
What dockdjango asks of them: whether ``/`` is routed (where the admin is mounted:
:mod:`dockdjango.detection.django_settings.admin_url`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from dockdjango.detection.django_settings.pysource import parsed

#: The route strings that match ``/``: ``path("", ...)``, ``re_path(r"^$", ...)``,
#: ``url(r"^", include(...))``.
ROOT_ROUTES = {"", "^$", "^", "^/?$", "^/$"}


def urlconf_routes(app_dir: Path, urlconf: str | None) -> list[tuple[str, str]] | None:
    """``(route, what it routes to)`` of every route call in the URLconf module
    ``urlconf`` (found from ``app_dir``, where Django runs); None when it cannot be read."""
    if not urlconf:
        return None
    base = app_dir / urlconf.replace(".", "/")
    tree = next(
        (t for t in (parsed(base.with_suffix(".py")), parsed(base / "__init__.py")) if t),
        None,
    )
    if tree is None:
        return None
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        route = node.args[0]
        if name in ("path", "re_path", "url") and isinstance(route, ast.Constant):
            out.append((str(route.value), ast.unparse(node.args[1])))
    return out


def routes_root(routes: list[tuple[str, str]] | None) -> bool | None:
    """Whether ``/`` is routed (None: the URLconf could not be read)."""
    if routes is None:
        return None
    return any(route in ROOT_ROUTES for route, _ in routes)
