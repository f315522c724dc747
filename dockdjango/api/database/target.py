"""Which service of a stack is its database, and what dockdjango may do with it.

Found without any configuration: the one service whose image is PostgreSQL (the official
``postgres``, PostGIS, TimescaleDB, pgvector, Bitnami's, dockdjango's Debian stand-in).
An image that hides what it is (one the project builds, say) is named in the compose
file, where Compose ignores it::

    x-dockdjango:
      database:
        service: db              # the PostgreSQL service (default: found by its image)
        name: library            # the database (default: POSTGRES_DB, else POSTGRES_USER)
        per_branch: true         # a database per git branch (default: false)
        fixtures: [books/fixtures/shelf.json]   # loaded by `db reset` after migrating
        django: web              # the service that runs manage.py (default: found)

Only PostgreSQL: MariaDB and MySQL have no template databases, so a snapshot there means
stopping the server and copying its files (see docs/database.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockdjango.compose import Project
from dockdjango.compose.models import Service
from dockdjango.errors import SpecError

#: Image repositories that run PostgreSQL (the last path part, before the tag)
POSTGRES_IMAGES = re.compile(
    r"^(postgres(ql)?|postgis|timescaledb(-ha|-postgis)?|pgvector|postgresql-repmgr)$"
)
KEY = "x-dockdjango"


@dataclass(frozen=True)
class DatabaseService:
    """The stack's PostgreSQL service, the database in it, and the options that apply."""

    service: str
    database: str
    user: str
    password: str
    per_branch: bool = False
    fixtures: tuple[str, ...] = ()
    #: the service that runs ``manage.py`` (migrate, loaddata), "" when there is none
    django: str = ""
    #: True when the Django service's own command runs ``migrate`` as it starts
    migrates_on_start: bool = False
    #: the named volume holding the data ("" when none: snapshots go with the container)
    volume: str = ""
    #: where the service mounts it
    mount: str = ""
    #: the server's data directory (``PGDATA``)
    data_dir: str = "/var/lib/postgresql/data"


def is_postgres_image(image: str | None) -> bool:
    """``postgres:16``, ``postgis/postgis:16-3.4``, ``dockdjango/postgres:15-bookworm``..."""
    if not image:
        return False
    repo = image.split("@", 1)[0]
    if ":" in repo.rsplit("/", 1)[-1]:
        repo = repo.rsplit(":", 1)[0]
    return bool(POSTGRES_IMAGES.match(repo.rsplit("/", 1)[-1]))


def options(project: Project) -> dict[str, Any]:
    """The project's ``x-dockdjango.database`` mapping ({} when it has none)."""
    ext = project.extensions.get(KEY) or {}
    found = ext.get("database") if isinstance(ext, Mapping) else None
    if found is None:
        return {}
    if not isinstance(found, Mapping):
        raise SpecError("must be a mapping (service, name, per_branch ...)", path=f"{KEY}.database")
    return dict(found)


def find_database(project: Project) -> DatabaseService | None:
    """The stack's PostgreSQL service, or None when it has none (or several, unnamed)."""
    opts = options(project)
    named = opts.get("service")
    if named:
        if named not in project.services:
            raise SpecError(
                f"no service {named!r} in this project",
                path=f"{KEY}.database.service",
                hint=f"name one of: {', '.join(sorted(project.services))}",
            )
        chosen = str(named)
    else:
        found = [n for n, s in project.services.items() if is_postgres_image(s.image)]
        if len(found) != 1:
            return None
        chosen = found[0]
    return describe(project, chosen, opts)


def describe(project: Project, name: str, opts: Mapping[str, Any]) -> DatabaseService:
    """:class:`DatabaseService` for service ``name``, read from its environment and ``opts``."""
    service = project.services[name]
    env = {k: "" if v is None else str(v) for k, v in service.environment.items()}
    user = env.get("POSTGRES_USER") or "postgres"
    fixtures = opts.get("fixtures") or ()
    if isinstance(fixtures, str):
        fixtures = [fixtures]
    django = str(opts.get("django") or django_service(project, name) or "")
    volume, mount = data_volume(project, service)
    return DatabaseService(
        service=name,
        database=str(opts.get("name") or env.get("POSTGRES_DB") or user),
        user=user,
        password=env.get("POSTGRES_PASSWORD", ""),
        per_branch=bool(opts.get("per_branch", False)),
        fixtures=tuple(str(f) for f in fixtures),
        django=django,
        migrates_on_start=bool(django) and runs_migrate(project.services[django], project),
        volume=volume,
        mount=mount,
        data_dir=env.get("PGDATA") or "/var/lib/postgresql/data",
    )


def django_service(project: Project, database: str) -> str:
    """The service that runs the Django project against ``database``: one that depends on
    it and is built from source or runs ``manage.py`` (the first, by name)."""
    for name in sorted(project.services):
        service = project.services[name]
        if database not in service.depends_on or name == database:
            continue
        if service.build is not None or "manage.py" in " ".join(service.command or []):
            return name
    return ""


def runs_migrate(service: Service, project: Project | None = None) -> bool:
    """Whether the service's command applies migrations as it starts: ``migrate`` in it or
    in a script of the project it names (``./bin/start.sh`` that runs ``manage.py
    migrate``), or ``x-dockdjango: {migrates: true}`` for a command that does so elsewhere."""
    ext = service.extensions.get(KEY) or {}
    if isinstance(ext, Mapping) and "migrates" in ext:
        return bool(ext["migrates"])
    command = " ".join(service.command or [])
    if re.search(r"\bmigrate\b", command):
        return True
    return project is not None and any(
        re.search(r"\bmigrate\b", text) for text in _scripts(service, project, command)
    )


def _scripts(service: Service, project: Project, command: str) -> list[str]:
    """The text of the project's files the command names (relative paths, read from the
    build context or the project directory; small text files only)."""
    from pathlib import Path

    roots = [service.build.context] if service.build is not None else []
    roots += [project.working_dir] if project.working_dir else []
    texts = []
    for word in re.findall(r"[\w./-]+\.(?:sh|bash|py)\b|\./[\w./-]+", command):
        if word.endswith("manage.py"):
            continue  # Django's own: it runs what it is told
        for root in roots:
            path = Path(root, word.removeprefix("./"))
            if "://" not in root and path.is_file() and path.stat().st_size < 200_000:
                texts.append(path.read_text(errors="replace"))
                break
    return texts


def data_volume(project: Project, service: Service) -> tuple[str, str]:
    """The named volume the service keeps its data in, and where it mounts it
    (``("", "")`` when none)."""
    for mount in service.volumes:
        if mount.type == "volume" and mount.source and mount.source in project.volumes:
            return project.volumes[mount.source].name or mount.source, mount.target
    return "", ""


def names_manage_py(service: Service) -> bool:
    """Whether the service's command says where its ``manage.py`` is."""
    return any(w.endswith("manage.py") for w in " ".join(service.command or []).split())


def manage_py(service: Service) -> list[str]:
    """How the service runs ``manage.py``, read from its command (``python3
    src/manage.py runserver`` gives ``["python3", "src/manage.py"]``); ``python manage.py``
    when its command does not say."""
    words = list(service.command or [])
    if len(words) >= 3 and words[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and words[1] == "-c":
        words = words[2].split()
    for i, word in enumerate(words):
        if word.endswith("manage.py"):
            before = words[i - 1] if i else ""
            python = before if re.search(r"(^|/)python[0-9.]*$", before) else "python"
            return [python, word]
    return ["python", "manage.py"]
