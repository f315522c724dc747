"""pytest-django's test database on the stack's PostgreSQL (registered only when asked for).

This module is registered as a plugin only with ``dockdjango_django_db = <service>`` set
and pytest-django present (its fixtures exist only then). It overrides two of
pytest-django's fixtures:

- ``django_db_modify_db_settings``: points ``DATABASES["default"]`` at the stack
  service's PostgreSQL (user, password and database name read from the service's
  ``POSTGRES_*`` environment, host and port from where it is published), then applies
  pytest-django's own xdist/tox suffixes, so each xdist worker gets ``test_<db>_gwN`` on
  the shared server. The user's settings file is not changed.
- ``django_db_setup``: as pytest-django's (``--reuse-db``, ``--create-db``,
  ``--no-migrations`` keep their meaning), except that the default database is cloned
  from a template migrated once per schema instead of migrated by every worker
  (:mod:`dockdjango.api.testing.templatedb`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from dockdjango.errors import SpecError
from dockdjango.pytest_plugin.fixtures import _or_fail
from dockdjango.pytest_plugin.options import DISK_FULL, tmpfs_full

if TYPE_CHECKING:  # annotations only: the plugin imports this module in every run
    from dockdjango.api.testing import TestSession
    from dockdjango.pytest_plugin.session_stack import SessionStack
    from dockdjango.pytest_plugin.session_state import SessionState


def database_settings(stack: SessionStack, service: str) -> dict[str, Any]:
    """Django ``DATABASES`` entries for the PostgreSQL that ``service`` of ``stack`` runs."""
    services = stack.stack.project.services
    if service not in services:
        raise SpecError(
            f"dockdjango_django_db = {service}: the stack has no service {service!r}",
            hint=f"use one of: {', '.join(sorted(services))}",
        )
    env = {k: ("" if v is None else str(v)) for k, v in services[service].environment.items()}
    user = env.get("POSTGRES_USER") or "postgres"
    host, port = stack.address(service, 5432)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env.get("POSTGRES_DB") or user,
        "USER": user,
        "PASSWORD": env.get("POSTGRES_PASSWORD", ""),
        "HOST": host,
        "PORT": str(port),
    }


def server_settings(server: dict[str, Any]) -> dict[str, Any]:
    """Django ``DATABASES`` entries for a server the ``postgres`` fixture started (its
    :func:`~dockdjango.pytest_plugin.session_state.server_fields`)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": server["dbname"],
        "USER": server["user"],
        "PASSWORD": server["password"],
        "HOST": server["host"],
        "PORT": str(server["port"]),
    }


def moved_test_settings(test: dict[str, Any] | None) -> dict[str, Any]:
    """``DATABASES[...]["TEST"]`` for a database moved to another engine.

    The old engine's test database name (a SQLite file) and collation mean nothing to
    PostgreSQL, so they are reset -- to None, never removed: Django filled TEST's keys in
    once, when it first read ``DATABASES`` (long before any fixture), and reads
    ``TEST["NAME"]`` unguarded (None means ``test_<NAME>``). Removing the key made every
    run without xdist fail with ``KeyError: 'NAME'``.
    """
    return {**(test or {}), "NAME": None, "CHARSET": None, "COLLATION": None}


def point_default_database(values: dict[str, Any]) -> None:
    """Rewrite ``settings.DATABASES["default"]`` in place and drop a cached connection.

    In place because Django's connection handler holds the very same dict; the cached
    wrapper is dropped because its backend class was chosen from the old ENGINE.
    """
    from django.conf import settings
    from django.db import connections

    db = settings.DATABASES["default"]
    moved = not _postgres_family(db.get("ENGINE"))
    db.update({**values, **as_postgres(db)})
    if moved:
        db["OPTIONS"] = {}  # SQLite's timeout, MySQL's charset/init_command: psycopg refuses them
    # Only a wrapper Django already made is dropped: asking for one would load a backend
    for conn in connections.all(initialized_only=True):
        if conn.alias == "default":
            conn.close()
            del connections["default"]


def as_postgres(db: dict[str, Any]) -> dict[str, Any]:
    """What changes in a database's settings on PostgreSQL: PostGIS stays PostGIS (its
    ``ENGINE`` kept); another engine becomes Django's PostgreSQL, its test settings reset."""
    if _postgres_family(db.get("ENGINE")):
        return {"ENGINE": db["ENGINE"]}
    return {"ENGINE": "django.db.backends.postgresql", "TEST": moved_test_settings(db.get("TEST"))}


def _postgres_family(engine: object) -> bool:
    """A backend that speaks to PostgreSQL: Django's own, PostGIS, or a wrapper of either."""
    return any(word in str(engine or "").lower() for word in ("postgres", "postgis"))


@pytest.fixture(scope="session")
def _dockdjango_django_database(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Point ``DATABASES["default"]`` at the stack's PostgreSQL; the values used.

    Without a compose file, ``dockdjango_django_db = postgres`` uses the ``postgres``
    fixture's server instead of a stack service.
    """
    state: SessionState = request.getfixturevalue("dockdjango_state")
    if not state.settings.compose_file and state.django_db_service == "postgres":
        def session() -> TestSession:
            return request.getfixturevalue("dockdjango_session")  # type: ignore[no-any-return]

        values = server_settings(_or_fail(lambda: state.django_server(session)))
    else:
        stack: SessionStack = request.getfixturevalue("dockdjango_stack")
        values = database_settings(stack, state.django_db_service)
    point_default_database(values)
    return values


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    _dockdjango_django_database: dict[str, Any],
    django_db_modify_db_settings_parallel_suffix: None,
) -> None:
    """Point the default database at the stack, then add pytest-django's suffixes."""


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's test databases, the default one cloned from a migrated template.

    As pytest-django's own fixture (same flags: ``--reuse-db``, ``--create-db``,
    ``--no-migrations``), except that the default database is not migrated per worker:
    it is a copy of a template migrated once (:mod:`dockdjango.api.testing.templatedb`),
    rebuilt once per run with ``--create-db``. Other aliases, and runs without
    migrations, take pytest-django's path.
    """
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized = _get_databases_for_setup(request.session.items)
    cloned = django_db_use_migrations and "default" in aliases
    config: list[tuple[Any, str, bool]] = []
    with django_db_blocker.unblock():
        if cloned:
            state: SessionState = request.getfixturevalue("dockdjango_state")
            config.append(_clone_default(state, django_db_createdb, keepdb, serialized))
        others = set(aliases) - {"default"} if cloned else set(aliases)
        if others:
            config += setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=others,
                serialized_aliases=serialized,
                keepdb=keepdb,
            )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(config, verbosity=verbosity)
            except Exception as exc:  # as pytest-django: a warning, not a failed run
                request.node.warn(
                    pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}")
                )


def _clone_default(
    state: SessionState, createdb: bool, keepdb: bool, serialized: set[str]
) -> tuple[Any, str, bool]:
    """The default test database, a copy of the template (built once, under a lock);
    what ``teardown_databases`` needs to drop it: (connection, old name, destroy).

    The schema key is the one the xdist controller computed for every worker, else (no
    xdist, or a controller without Django) computed here."""
    from django.db import connections

    from dockdjango.api.testing.templatedb import schema_key, test_database_from_template

    connection = connections["default"]
    marker = state.shared_dir / f"template-rebuilt-{state.session_id}"
    try:
        _template, old_name = test_database_from_template(
            connection,
            state.schema_key or schema_key(),
            keepdb=keepdb,
            rebuild_once=marker if createdb else None,
        )
    except Exception as exc:  # a full tmpfs: name the setting, not PostgreSQL's file path
        tmpfs = state.settings.postgres_tmpfs
        if tmpfs is None or DISK_FULL not in str(exc) or state.settings.compose_file:
            raise
        pytest.fail(f"dockdjango: {tmpfs_full(tmpfs)} ({_first(exc)})", pytrace=False)
    if "default" in serialized:
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    return connection, old_name, True


def controller_schema_key() -> str:
    """In the xdist controller: the schema key the workers' default database will have
    once pointed at PostgreSQL; "" when Django is not set up here (workers compute it)."""
    try:
        from django.apps import apps
        from django.conf import settings

        if not (settings.configured and apps.ready):
            return ""
        from dockdjango.api.testing.templatedb import schema_key

        db = settings.DATABASES["default"]
        return schema_key(db={**db, **as_postgres(db)})
    except Exception:  # the workers compute it, and report what is wrong, themselves
        return ""


def _first(exc: BaseException) -> str:
    """The first line of an error's message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
