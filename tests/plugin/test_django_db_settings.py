"""Moving ``DATABASES["default"]`` to the stack's PostgreSQL, as Django itself then reads it.

No daemon: each case runs Django in a subprocess (settings are process-wide), configures
the project's own settings, lets ``django.setup()`` read them (which fills ``TEST``'s
keys in once), moves the default database the way the plugin does, and asks Django's
PostgreSQL creation code for the test database name -- the call that raised
``KeyError: 'NAME'`` for every project whose settings default to SQLite, without xdist.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.plugin.conftest import inner_env

pytest.importorskip("django")
pytest.importorskip("psycopg")

STACK = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "library",
    "USER": "library",
    "PASSWORD": "library",
    "HOST": "127.0.0.1",
    "PORT": "5432",
}


def moved(default: dict[str, object], *, ask_backend: bool = True) -> dict[str, object]:
    """What Django sees after the plugin moved ``default`` (and, from the backend it then
    loads, the test database name it picks; MySQL's driver and PostGIS's GDAL need not be
    installed for the settings part)."""
    # models make django.setup() load the backend, as in a real project; without its
    # driver, only the settings are looked at
    apps = ["django.contrib.contenttypes", "django.contrib.auth"] if ask_backend else []
    script = textwrap.dedent(
        f"""
        import json, django
        from django.conf import settings
        settings.configure(
            DATABASES={{"default": {default!r}}},
            INSTALLED_APPS={apps!r},
        )
        django.setup()
        from django.db import connections
        connections.settings  # Django fills TEST's keys in here, before any fixture
        from dockdjango.pytest_plugin.django_db import point_default_database
        point_default_database({STACK!r})
        db = settings.DATABASES["default"]
        seen = {{"engine": db["ENGINE"], "options": db["OPTIONS"], "test": db["TEST"]}}
        if {ask_backend!r}:
            seen["test_name"] = connections["default"].creation._get_test_db_name()
        print(json.dumps(seen))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=inner_env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_a_sqlite_default_gets_postgresqls_test_database_name() -> None:
    seen = moved({"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"})
    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["test_name"] == "test_library"


def test_a_sqlite_test_file_name_and_options_are_dropped() -> None:
    seen = moved(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": "db.sqlite3",
            "OPTIONS": {"timeout": 20},
            "TEST": {"NAME": "test.sqlite3"},
        }
    )
    assert seen["test_name"] == "test_library"
    assert seen["options"] == {}


def test_a_mysql_default_loses_what_postgresql_refuses() -> None:
    seen = moved(
        {
            "ENGINE": "django.db.backends.mysql",
            "NAME": "shop",
            "OPTIONS": {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_ALL_TABLES'"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        },
        ask_backend=False,
    )
    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["options"] == {}
    test = seen["test"]
    assert isinstance(test, dict)
    assert (test["NAME"], test["CHARSET"], test["COLLATION"]) == (None, None, None)


def test_postgis_stays_postgis_and_keeps_its_test_settings() -> None:
    seen = moved(
        {
            "ENGINE": "django.contrib.gis.db.backends.postgis",
            "NAME": "maps",
            "TEST": {"NAME": "maps_test"},
        },
        ask_backend=False,
    )
    assert seen["engine"] == "django.contrib.gis.db.backends.postgis"
    test = seen["test"]
    assert isinstance(test, dict) and test["NAME"] == "maps_test"
