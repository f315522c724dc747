"""What a project's own compose file says about running it, read as hints.

Many projects ship a ``docker-compose.yml`` written for their own images, registry and
ports. dockdjango does not run it in place of the one it generates, but reads what it
knows: the environment of the Django service (the settings module, the variables its
settings expect), and the images, versions and environment of its PostgreSQL, Redis
and MySQL/MariaDB services (``postgres:17`` -> a PostgreSQL 17 named ``db`` with the same
user and password), plus files it mounts into them (``docker-entrypoint-initdb.d``).

Only plain values are taken: ``${VAR:-default}`` becomes its default, a bare ``${VAR}``
or a pass-through entry (``- SECRET_KEY``) is left out. The Django service's ``env_file``
entries that exist (``.env-local``) count too, under its ``environment``, as in Compose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_DJANGO_COMMAND = re.compile(r"manage\.py|runserver|gunicorn|uwsgi|uvicorn|daphne|django")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+]([^}]*))?\}|\$([A-Za-z_]\w*)")


@dataclass(frozen=True)
class BackingService:
    """A database or broker service of the project's compose file."""

    name: str
    kind: str  # postgres, redis, mysql
    image: str
    environment: dict[str, str] = field(default_factory=dict)
    #: bind mounts of project files, ``./initdb:/docker-entrypoint-initdb.d``
    mounts: tuple[str, ...] = ()
    #: other names the stack reaches it by (``container_name``, ``hostname``)
    aliases: tuple[str, ...] = ()

    @property
    def version(self) -> str | None:
        """The image tag's leading version (``17`` of ``postgres:17-trixie``), if any."""
        tag = self.image.rpartition(":")[2] if ":" in self.image else ""
        m = re.match(r"(\d+(?:\.\d+)?)", tag)
        return m.group(1) if m else None


@dataclass(frozen=True)
class ComposeHints:
    """What the project's compose file tells about its Django service and backing services."""

    file: str | None = None
    django_service: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    services: tuple[BackingService, ...] = ()
    #: the Django service's ``env_file`` entries as written (they may not exist yet)
    env_files: tuple[str, ...] = ()
    #: every host name the file's stack has (service names, container names, hostnames)
    hosts: frozenset[str] = frozenset()

    def service(self, kind: str) -> BackingService | None:
        """The first backing service of ``kind`` (``postgres``...), if any."""
        return next((s for s in self.services if s.kind == kind), None)


def read_compose_hints(root: Path) -> ComposeHints:
    """Hints from the compose file at ``root`` that describes developing this checkout: the
    first whose Django service builds it (Compose's own names first, then
    ``docker-compose.dev.yml`` and the like), else the one Compose would read. A project's
    ``docker-compose.yml`` that runs its published image (a production or "hobby" stack)
    gives way to its ``docker-compose.dev.yml`` that builds the source. Empty hints when
    there is none or it cannot be read (a broken compose file is not ours to report here)."""
    candidates = [root / n for n in COMPOSE_NAMES if (root / n).is_file()]
    candidates += sorted(
        p
        for p in root.glob("*compose*.y*ml")
        if p not in candidates and re.match(r"^(docker-)?compose[.-]", p.name)
    )
    read = [(path, _services(path)) for path in candidates]
    builds = [
        (path, services)
        for path, services in read
        if services and (name := _django_service(services)) and services[name].get("build")
    ]
    default = [(path, services) for path, services in read if path.name in COMPOSE_NAMES]
    if not (builds or default):
        return ComposeHints()
    path, services = (builds or default)[0]
    if not services:
        return ComposeHints(file=path.name)
    django = _django_service(services)
    backing = tuple(
        b for b in (_backing(name, svc) for name, svc in services.items()) if b is not None
    )
    env: dict[str, str] = {}
    files: tuple[str, ...] = ()
    if django:
        files = _env_file_names(services[django].get("env_file"))
        env = {
            **_env_files(root, files),
            **_environment(services[django].get("environment")),
        }
    hosts = {str(n) for n in services} | {
        str(svc[k])
        for svc in services.values()
        if isinstance(svc, dict)
        for k in ("container_name", "hostname")
        if svc.get(k)
    }
    return ComposeHints(path.name, django, env, backing, files, frozenset(hosts))


#: libyaml's loader where PyYAML has it (several compose files may be read)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _services(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    services = data.get("services") if isinstance(data, dict) else None
    return services if isinstance(services, dict) else None


def _env_file_names(value: Any) -> tuple[str, ...]:
    entries = value if isinstance(value, list) else [value] if value else []
    names = [e.get("path") if isinstance(e, dict) else e for e in entries]
    return tuple(str(n) for n in names if isinstance(n, str) and "$" not in n)


def _env_files(root: Path, names: tuple[str, ...]) -> dict[str, str]:
    """The variables of a service's ``env_file`` entries that exist (missing ones are
    skipped, as ``required: false`` would; a broken one is not ours to report here)."""
    from dockdjango.compose.loader.dotenv import parse_dotenv
    from dockdjango.errors import DockdjangoError

    out: dict[str, str] = {}
    for name in names:
        path = root / name
        if not path.is_file():
            continue
        try:
            values = parse_dotenv(str(path), {}, expand=False)
        except DockdjangoError:
            continue
        # a value that interpolates a variable depends on the user's environment: left out
        out.update({k: v for k, v in values.items() if v is not None and "$" not in v})
    return out


def _django_service(services: Mapping[str, Any]) -> str | None:
    scored = []
    for index, (name, svc) in enumerate(services.items()):
        if not isinstance(svc, dict):
            continue
        score = 0
        build = svc.get("build")
        context = build if isinstance(build, str) else (build or {}).get("context")
        if context in (".", "./", ""):
            score += 2
        elif build:
            score += 1
        command = svc.get("command") or ""
        if _DJANGO_COMMAND.search(str(command)) or "DJANGO_SETTINGS_MODULE" in str(
            svc.get("environment")
        ):
            score += 2
        if name in ("web", "app", "django", "backend", "server"):
            score += 1
        if svc.get("ports"):
            score += 1  # the one a browser reaches
        if "worker" in name or "celery" in str(command):
            score -= 3
        if score > 0:
            scored.append((score, -index, name))  # ties: the first in the file
    return max(scored)[2] if scored else None


def _backing(name: str, svc: Any) -> BackingService | None:
    if not isinstance(svc, dict) or not isinstance(svc.get("image"), str):
        return None
    image = _plain(str(svc["image"])) or ""
    repo = image.split(":", 1)[0].rsplit("/", 1)[-1]
    kind = {
        "postgres": "postgres",
        "postgresql": "postgres",  # bitnami/postgresql
        "postgis": "postgres",
        "pgautoupgrade": "postgres",  # the official image plus an upgrade on start
        "redis": "redis",
        "valkey": "redis",
        "mariadb": "mysql",
        "mysql": "mysql",
    }.get(repo)
    if kind is None:
        return None
    mounts = []
    for volume in svc.get("volumes") or []:
        text = volume if isinstance(volume, str) else ""
        if text.startswith(("./", "../")):
            mounts.append(text)
    aliases = tuple(str(svc[k]) for k in ("container_name", "hostname") if svc.get(k))
    env = _environment(svc.get("environment"))
    return BackingService(name, kind, image, env, tuple(mounts), aliases)


def _environment(value: Any) -> dict[str, str]:
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, str) and "=" in entry:
                key, _, raw = entry.partition("=")
                items.append((key, raw))
    out = {}
    for key, raw in items:
        if raw is None:
            continue  # passed through from the host: nothing to take
        text = _plain(str(raw).lower() if isinstance(raw, bool) else str(raw))
        if text is not None:
            out[str(key).strip()] = text
    return out


def _plain(text: str) -> str | None:
    """``text`` with ``${X:-d}`` as ``d``; None when a variable has no default."""
    missing = False

    def repl(m: re.Match[str]) -> str:
        nonlocal missing
        if m.group(2) is not None:
            return m.group(2)
        missing = True
        return ""

    out = _INTERPOLATION.sub(repl, text.replace("$$", "\0"))
    return None if missing else out.replace("\0", "$")
