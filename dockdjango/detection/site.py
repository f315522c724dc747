"""The Django side of a project: where Django runs from, its settings, its entry points.

Read before the dependencies, because where the site is decides where they are read
(beside ``manage.py`` in a monorepo, or the manifest of the package a sandbox site
imports). Services are planned later, from the dependencies and :attr:`DjangoSite.scan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dockdjango.detection.compose_hints import ComposeHints, read_compose_hints
from dockdjango.detection.django_settings.dev_hosts import host_variables
from dockdjango.detection.django_settings.settings_scan import SettingsScan, scan_settings
from dockdjango.detection.django_settings.settings_sources import find_settings
from dockdjango.detection.layout import find_app, manage_source, module_file, settings_from_source
from dockdjango.detection.projectconfig import Overrides
from dockdjango.errors import DockdjangoError


@dataclass(frozen=True)
class DjangoSite:
    """Where Django runs from and with which settings, each guess said in ``notes``."""

    manage_py: str
    #: the directory Django runs from, relative to the root (``.``, ``backend``)
    app_dir: str = "."
    settings: str | None = None
    #: django-configurations' settings class (``DJANGO_CONFIGURATION``), if it is used
    configuration: str | None = None
    wsgi: str | None = None
    asgi: str | None = None
    scan: SettingsScan = field(default_factory=SettingsScan)
    hints: ComposeHints = field(default_factory=ComposeHints)
    dotenv: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def files(self, root: Path) -> list[Path]:
        """The settings files read and the code manage.py runs, as paths."""
        app = root / self.app_dir
        out = [p if p.is_absolute() else app / p for p in map(Path, self.scan.files)]
        return [*out, root / manage_source(root, self.manage_py)[1]]


def find_site(
    root: Path,
    manage_py: str,
    others: list[str],
    given: Overrides,
    environ: Mapping[str, str],
) -> DjangoSite:
    """Read the site ``manage_py`` runs (``others``: the other manage.py files found)."""
    app = (root / manage_py).parent
    app_dir = app.relative_to(root).as_posix() if app != root else "."
    notes = []
    if app_dir != ".":
        notes.append(f"Django runs from {app_dir}/ (where {manage_py} is; override: --manage)")
    if others:
        notes.append(f"also found {', '.join(others)}; using {manage_py} (override: --manage)")
    hints = read_compose_hints(root)
    dotenv = read_dotenv(root)
    settings, said = _settings(root, app, manage_py, given, environ, dotenv, hints)
    notes.append(said)
    known_env = {**dotenv, **hints.environment, **dict(given.environment), **dict(environ)}
    configuration = _configuration(root, manage_py, known_env)
    if configuration:
        known_env.setdefault("DJANGO_CONFIGURATION", configuration)
        notes.append(
            f"settings class {configuration} (django-configurations' DJANGO_CONFIGURATION, "
            f"set for every Django service)"
        )
    scan = (
        scan_settings(app, settings, environ=known_env, configuration=configuration)
        if settings
        else SettingsScan()
    )
    if settings and module_file(app, settings) is None:
        notes.append(f"settings {settings} do not exist in {app_dir}/ (yet)")
    wsgi = given.wsgi or find_app(app, settings, "wsgi", scan.values.get("WSGI_APPLICATION"))
    asgi = given.asgi or find_app(app, settings, "asgi", scan.values.get("ASGI_APPLICATION"))
    if wsgi is None and asgi is None:
        notes.append("no WSGI/ASGI application found: the dev server is runserver only")
    notes += [host.note() for host in host_variables(app, scan.files)]  # the dev server's
    return DjangoSite(
        manage_py,
        app_dir,
        settings,
        configuration,
        wsgi,
        asgi,
        scan,
        hints,
        dotenv,
        tuple(notes),
    )


def _settings(
    root: Path,
    app: Path,
    manage_py: str,
    given: Overrides,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    hints: ComposeHints,
) -> tuple[str | None, str]:
    """(the settings module, the line that says where it came from)."""
    if given.settings:
        return given.settings, f"settings {given.settings} ({given.source('settings')})"
    found = find_settings(
        root,
        app,
        manage_py,
        environ=environ,
        dotenv=dotenv,
        compose_env=hints.environment,
        compose_file=hints.file,
    )
    if found is None:
        return (
            None,
            "no settings module found (set one with --settings or [tool.dockdjango] settings)",
        )
    return found.value, f"settings {found.value} (from {found.source}; override: --settings)"


def _configuration(root: Path, manage_py: str, env: Mapping[str, str]) -> str | None:
    """django-configurations' class: the environment's, else what manage.py sets."""
    if env.get("DJANGO_CONFIGURATION"):
        return env["DJANGO_CONFIGURATION"]
    text, _ = manage_source(root, manage_py)
    return settings_from_source(text, "DJANGO_CONFIGURATION")


def read_dotenv(root: Path) -> dict[str, str]:
    """The variables of the project's ``.env`` (empty when it is missing or unreadable)."""
    from dockdjango.compose.loader.dotenv import parse_dotenv

    path = root / ".env"
    if not path.is_file():
        return {}
    try:
        values = parse_dotenv(str(path), {})
    except DockdjangoError:
        return {}
    return {k: v for k, v in values.items() if v is not None}
