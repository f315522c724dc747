"""``[tool.dockdjango]`` in pyproject.toml: the project's own answers to what detection guesses.

```toml
[tool.dockdjango]
python = "3.13"                      # the image's Python (overrides every other request)
requirements = "requirements/prod.txt"
dev-requirements = "requirements/dev.txt"
groups = ["prod"]                    # extra dependency groups for the runtime image
manage = "src/manage.py"
settings = "mysite.settings.dev"
wsgi = "mysite.wsgi:application"
asgi = "mysite.asgi:application"
services = ["postgres", "redis"]     # replaces the detected backing services
environment = { DEBUG = "1" }        # extra environment for the Django services
```

The same keys exist as command-line flags (``--python``, ``--settings``...), which win.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dockdjango.errors import DockdjangoError

SERVICE_NAMES = ("postgres", "redis", "celery", "mysql")


@dataclass(frozen=True)
class Overrides:
    """Answers that replace detection; each remembers where it was given."""

    python: str | None = None
    requirements: str | None = None
    dev_requirements: str | None = None
    groups: tuple[str, ...] = ()
    manage: str | None = None
    settings: str | None = None
    wsgi: str | None = None
    asgi: str | None = None
    services: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    #: key -> where it was set (``pyproject.toml [tool.dockdjango]``, ``--python``)
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def source(self, key: str) -> str:
        """Where ``key`` was set, for messages."""
        return self.sources.get(key, "[tool.dockdjango]")

    def merged(self, other: Overrides) -> Overrides:
        """``other``'s answers on top of these (command-line flags over pyproject)."""
        changes: dict[str, Any] = {}
        sources = dict(self.sources)
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(other, f.name)
            if value not in (None, ()):
                changes[f.name] = value
                sources[f.name] = other.source(f.name)
        return replace(self, **changes, sources=sources)


_KEYS = {
    "python": str,
    "requirements": str,
    "dev-requirements": str,
    "groups": list,
    "manage": str,
    "settings": str,
    "wsgi": str,
    "asgi": str,
    "services": list,
    "environment": dict,
}


def read_overrides(pyproject: Mapping[str, Any], where: str = "pyproject.toml") -> Overrides:
    """``[tool.dockdjango]`` as :class:`Overrides`; a wrong key or type is a clear error."""
    table = (pyproject.get("tool") or {}).get("dockdjango") or {}
    if not isinstance(table, dict):
        raise DockdjangoError(f"{where}: [tool.dockdjango] must be a table")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise DockdjangoError(
                f"{where}: [tool.dockdjango] {key}: unknown key",
                hint=f"known keys: {', '.join(sorted(_KEYS))}",
            )
        kind = _KEYS[key]
        if not isinstance(value, kind) or (kind is str and not value):
            raise DockdjangoError(
                f"{where}: [tool.dockdjango] {key}: expected a {kind.__name__}, got {value!r}"
            )
        attr = key.replace("-", "_")
        if key == "services":
            unknown = [s for s in value if s not in SERVICE_NAMES]
            if unknown:
                raise DockdjangoError(
                    f"{where}: [tool.dockdjango] services: unknown {', '.join(map(str, unknown))}",
                    hint=f"known services: {', '.join(SERVICE_NAMES)}",
                )
        if kind is list:
            value = tuple(str(v) for v in value)
        if kind is dict:
            value = tuple((str(k), str(v)) for k, v in value.items())
        values[attr] = value
        sources[attr] = f"{where} [tool.dockdjango] {key}"
    return Overrides(**values, sources=sources)


def check_paths(overrides: Overrides, root: Path) -> None:
    """Files named by overrides must exist (an error names the key and the path)."""
    for attr in ("requirements", "dev_requirements", "manage"):
        value = getattr(overrides, attr)
        if value and not (root / value).is_file():
            raise DockdjangoError(
                f"{overrides.source(attr)}: {value}: no such file in {root}",
                hint="give the path relative to the project directory",
            )
