"""Where a detected Django project answers: the URLs ``up`` announces and the one its
generated health check asks.

Pure: the root URLconf (``ROOT_URLCONF``) is read as text, never imported. A health
check that passes on a ``400`` (Django's answer to a Host not in ``ALLOWED_HOSTS``) or a
``404`` says "healthy" of a site nobody can use, so the check asks a URL the project
has and wants an answer below 400:

- ``/`` when the URLconf routes it;
- else the admin's login page when the admin is mounted (``/backoffice/login/``);
- else (a URLconf built at run time, or one with neither) ``/``, where a 404 is the
  best proof there is that Django serves requests -- a 400 or a 5xx still is not.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

from dockdjango.detection.detect import SourceProject

#: The route strings that match ``/``: ``path("", ...)``, ``re_path(r"^$", ...)``,
#: ``url(r"^", include(...))``.
_ROOT_ROUTES = {"", "^$", "^", "^/?$", "^/$"}


def _urlconf_text(project: SourceProject) -> str | None:
    """The root URLconf's source, or None when it cannot be found."""
    urlconf = project.settings_scan.values.get("ROOT_URLCONF")
    if not urlconf:
        return None
    base = project.root / project.app_dir / urlconf.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return None


def _routes(project: SourceProject) -> list[tuple[str, str]] | None:
    """``(route, what it routes to)`` of every ``path``/``re_path``/``url`` call the root
    URLconf makes (comments and docstrings, which name examples, are not calls); None
    when it cannot be read."""
    text = _urlconf_text(project)
    if text is None:
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        func = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        route = node.args[0]
        if func in ("path", "re_path", "url") and isinstance(route, ast.Constant):
            out.append((str(route.value), ast.unparse(node.args[1])))
    return out


def admin_path(project: SourceProject) -> str | None:
    """Where the project mounts Django's admin (``/admin/``), read from its root URLconf."""
    for route, target in _routes(project) or []:
        if "admin.site.urls" in target:
            inner = route.strip("^$").strip("/")
            return "/" + inner + ("/" if inner else "")
    return None


def routes_root(project: SourceProject) -> bool | None:
    """Whether the root URLconf routes ``/`` (None: the URLconf could not be read)."""
    routes = _routes(project)
    if routes is None:
        return None
    return any(route in _ROOT_ROUTES for route, _ in routes)


@dataclass(frozen=True)
class SiteProbe:
    """The request the generated health check makes, and what counts as an answer."""

    path: str
    #: a 404 counts (nothing better to ask: see the module docstring)
    accept_404: bool

    def command(self, port: int) -> list[str]:
        """The check, for ``CMD``: Python's standard library (the base image has no curl).
        It prints what it got (``GET / answered 400``), which ``up`` quotes when the
        service never gets healthy, and reads the body so the server logs no broken pipe."""
        good = "s < 400 or s == 404" if self.accept_404 else "s < 400"
        code = (
            "import http.client as h, sys; "
            f"c = h.HTTPConnection('127.0.0.1', {port}, timeout=4); "
            f"c.request('GET', {json.dumps(self.path)}); r = c.getresponse(); r.read(); "
            f"s = r.status; print('GET {self.path} answered', s); sys.exit(0 if {good} else 1)"
        )
        return ["CMD", "python", "-c", code]


def site_probe(project: SourceProject) -> SiteProbe:
    """What the dev service's health check asks (see the module docstring)."""
    root = routes_root(project)
    if root:
        return SiteProbe("/", accept_404=False)
    admin = admin_path(project)
    if root is False and admin:
        return SiteProbe(admin + "login/", accept_404=False)
    return SiteProbe("/", accept_404=True)


def announced_urls(project: SourceProject) -> dict[str, str]:
    """The URLs ``up`` prints once they answer: the site when the URLconf routes ``/`` (or
    cannot be read), the admin when it is mounted."""
    urls = {} if routes_root(project) is False else {"site": "/"}
    admin = admin_path(project)
    if admin:
        urls["admin"] = admin
    return urls or {"site": "/"}
