"""The URLs a stack's services announce, for ``dockdjango up`` to print.

A service announces them with a compose extension (Compose ignores ``x-`` keys)::

    x-dockdjango:
      port: 8000            # container port; default: the first in its `ports:` (or in
                            # the `ports:` of the service whose network it shares)
      urls: {site: /, API: /api/, admin: /admin/}
      note: "create a user: dockdjango exec web python manage.py createsuperuser"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dockdjango.compose import Project


@dataclass(frozen=True)
class Link:
    """A URL a service announces (``x-dockdjango.urls``), or its ``note`` (label "note")."""

    service: str
    label: str
    url: str


def announced(project: Project, url: Callable[[str, int], str]) -> list[Link]:
    """Every service's announced links; ``url(service, port)`` says where a port is now."""
    out: list[Link] = []
    for name, service in project.services.items():
        ext = service.extensions.get("x-dockdjango") or {}
        urls = ext.get("urls") if isinstance(ext, Mapping) else None
        if not urls:
            continue
        mode = service.network_mode or ""
        owner = mode.partition(":")[2] if mode.startswith("service:") else name
        ports = project.services[owner].ports if owner in project.services else []
        target = ext.get("port") or (ports[0].target if ports else None)
        if target is None:
            continue
        # a service in another's network namespace (network_mode: service:db) is published
        # by that service
        base = url(owner, int(target))
        for label, path in urls.items():
            out.append(Link(name, str(label), base + "/" + str(path).lstrip("/")))
        if ext.get("note"):
            out.append(Link(name, "note", str(ext["note"])))
    return out
