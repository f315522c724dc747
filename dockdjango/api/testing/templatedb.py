"""Test databases cloned from a migrated template: migrate once per schema, not per worker.

Django's test runner (and pytest-django) create each test database and run every
migration into it -- once per xdist worker, and again next run. Here the schema is
migrated **once** into a template database on the test server, named after a hash of
what decides the schema (the migration files, the apps, Django's version, the
engine): ``dockdjango_tpl_<12 hex>``. Each worker's test database is then a
``CREATE DATABASE test_x_gw0 TEMPLATE dockdjango_tpl_...`` -- a file copy in the server,
tens of milliseconds for a migrated schema (Oscar's 161 migrations: 47-180 ms measured).
While nothing that decides the schema changes, a server kept between runs keeps the
template and no run migrates at all.

The template is built under a file lock (xdist workers wait for the first), under a
``__building`` name renamed when complete: a failed or killed migration never leaves a
template that looks whole -- which is why a worker that finds the template copies it
without taking the lock. A data migration that imports code outside the migration
files is not part of the hash: ``--create-db`` rebuilds the template.

Needs Django set up (the caller is a test process) and a PostgreSQL default database.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dockdjango.api.locks import file_lock

PREFIX = "dockdjango_tpl_"
#: Templates of other schemas kept on a server (the newest): switching branches back and
#: forth finds its template still there
KEEP = 3


def schema_key(alias: str = "default", db: dict[str, Any] | None = None) -> str:
    """A hash of what decides the schema ``migrate`` makes for database ``alias`` (its
    settings, or ``db``: the settings it will have once pointed at the test server).

    Migration files are hashed as files, never imported: importing Oscar's 161 took a
    worker 1.3 s, and the xdist controller computes the key once for every worker.
    """
    import django
    from django.conf import settings

    db = settings.DATABASES[alias] if db is None else db
    test = db.get("TEST") or {}
    digest = hashlib.sha256()
    for part in (
        django.get_version(),
        str(db.get("ENGINE")),
        str(test.get("CHARSET")),
        str(test.get("TEMPLATE")),
        ",".join(settings.INSTALLED_APPS),
    ):
        digest.update(part.encode() + b"\0")
    for name, source in _schema_sources():
        digest.update(name.encode() + b"\0" + source)
    return digest.hexdigest()


def _schema_sources() -> Iterator[tuple[str, bytes]]:
    """Each app's migration files (name, bytes); for an app without migrations, which
    ``migrate`` makes from its models, its models module."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        module, _explicit = MigrationLoader.migrations_module(config.label)
        directory = _package_dir(module) if module else None
        if directory is None:
            models = getattr(config, "models_module", None)
            yield config.label, _source(getattr(models, "__name__", ""))
            continue
        for path in sorted(directory.glob("*.py")):
            yield f"{config.label}.{path.stem}", path.read_bytes()


def _package_dir(module: str) -> Path | None:
    """The directory of package ``module``, found without running it; None if there is none."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # its parent package is missing
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def _source(module: str) -> bytes:
    """The bytes of a module's source file (b"" when there is none)."""
    path = getattr(sys.modules.get(module), "__file__", None)
    try:
        return Path(path).read_bytes() if path else b""
    except OSError:
        return b""


def template_name(key: str) -> str:
    """The template database for schema ``key``."""
    return PREFIX + key[:12]


def lock_path(settings_dict: dict[str, Any]) -> Path:
    """One lock per test server on this machine (runs and workers sharing it wait there)."""
    where = f"{settings_dict.get('HOST')}-{settings_dict.get('PORT')}".replace("/", "_")
    return Path(tempfile.gettempdir()) / f"dockdjango-template-{where}.lock"


def ensure_template(
    connection: Any,
    key: str,
    *,
    rebuild_once: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[str, bool]:
    """The template for schema ``key`` on ``connection``'s server, built if missing; its
    name and whether it was built now. ``rebuild_once``: rebuild it anyway, unless this
    marker file exists (it is made then: xdist workers of one run rebuild it once)."""
    name = template_name(key)
    with file_lock(lock_path(connection.settings_dict)):
        rebuild = rebuild_once is not None and not rebuild_once.exists()
        if rebuild_once is not None:
            rebuild_once.parent.mkdir(parents=True, exist_ok=True)
            rebuild_once.touch()
        with connection._nodb_cursor() as cursor:
            exists = _exists(cursor, name)
            if exists and not rebuild:
                return name, False
            _quick_server(cursor)
            for stale in (name, name + "__building") if exists else (name + "__building",):
                _drop(cursor, stale)
        (say or (lambda _line: None))(f"migrating the test schema once, into template {name}")
        _build(connection, name, key)
        with connection._nodb_cursor() as cursor:
            _prune(cursor, keep=name)
    return name, True


def _build(connection: Any, name: str, key: str) -> None:
    """Migrate into ``<name>__building`` with Django's own test database creation, then
    rename it ``name`` and mark it a template (one transaction: it is whole or absent)."""
    from django.conf import settings

    building = name + "__building"
    test = connection.settings_dict["TEST"]  # the very dict settings.DATABASES holds
    saved_test, saved_name = dict(test), connection.settings_dict["NAME"]
    test["NAME"] = building
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        test.clear()
        test.update(saved_test)
        connection.settings_dict["NAME"] = saved_name
        settings.DATABASES[connection.alias]["NAME"] = saved_name
    with connection._nodb_cursor() as cursor:
        note = f'{{"dockdjango": "template", "key": "{key}"}}'
        cursor.execute(
            f'ALTER DATABASE "{building}" RENAME TO "{name}";'
            f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false;'
            f"COMMENT ON DATABASE \"{name}\" IS '{note}'"
        )


def test_database_from_template(
    connection: Any,
    key: str,
    *,
    keepdb: bool = False,
    rebuild_once: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[str, str]:
    """``connection``'s test database made a copy of the template for schema ``key``
    (built first if missing, see :func:`ensure_template`); the template's name and the
    name the connection had before (for ``destroy_test_db``).

    One connection to the server does the look-up and the copy: a template that exists is
    copied without waiting for the lock, which only guards building one.
    """
    name = template_name(key)
    with connection._nodb_cursor() as cursor:
        if rebuild_once is not None or not _exists(cursor, name):
            ensure_template(connection, key, rebuild_once=rebuild_once, say=say)
        _copy_template(cursor, name, connection.creation._get_test_db_name(), keepdb)
    return name, _point_at(connection, connection.creation._get_test_db_name())


def _copy_template(cursor: Any, template: str, test_name: str, keepdb: bool) -> None:
    """``CREATE DATABASE test_name TEMPLATE template``, unless ``keepdb`` and it is one."""
    note = f"made from {template}"
    cursor.execute(
        "SELECT current_setting('server_version_num')::int, (SELECT "
        "shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s), "
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)",
        [test_name, test_name],
    )
    version, made_from, found = cursor.fetchone()
    if keepdb and made_from == note:
        return
    if found:
        _drop(cursor, test_name)
    # FILE_COPY, not PostgreSQL 15's default WAL_LOG (which also writes every page it
    # copies to the WAL): a test server has fsync off, so the checkpoint FILE_COPY asks for
    # is cheap; a schema of 2,200 relation files on tmpfs copied in 0.07-0.12 s with it,
    # 0.16-0.25 s with WAL_LOG (four at once: 0.25-0.44 s against 0.41-0.80 s).
    strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
    cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"{strategy}')
    cursor.execute(f"COMMENT ON DATABASE \"{test_name}\" IS '{note}'")


def _point_at(connection: Any, test_name: str) -> str:
    """Point ``connection`` (and the settings) at ``test_name`` and connect; the old name."""
    from django.conf import settings

    old_name = connection.settings_dict["NAME"]
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()
    return str(old_name)


def _exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _drop(cursor: Any, name: str) -> None:
    if _exists(cursor, name):
        cursor.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false')
        cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _prune(cursor: Any, *, keep: str) -> None:
    """Drop templates of other schemas beyond the newest :data:`KEEP` (by oid: newer
    databases get higher ones)."""
    cursor.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s "
        "AND datname NOT LIKE %s ORDER BY oid DESC",
        [PREFIX + "%", keep, "%\\_\\_building"],
    )
    for (stale,) in cursor.fetchall()[KEEP - 1 :]:
        _drop(cursor, stale)


def _quick_server(cursor: Any) -> None:
    """A test server need not survive a power cut: without fsync, creating and copying
    databases costs milliseconds instead of disk flushes (a 14 MB copy took 0.5-8.7 s
    with fsync on a busy disk, 0.05-0.2 s without). Only a superuser may; others keep
    what they have."""
    cursor.execute(
        "SELECT rolsuper, current_setting('fsync') FROM pg_roles WHERE rolname = current_user"
    )
    row = cursor.fetchone()
    if row and row[0] and row[1] == "on":
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            cursor.execute(f"ALTER SYSTEM SET {setting} = off")
        cursor.execute("SELECT pg_reload_conf()")
