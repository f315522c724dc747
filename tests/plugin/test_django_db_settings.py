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
        from dockdjango.api.testing.templatedb import schema_key
        from dockdjango.pytest_plugin.django_db import controller_schema_key
        from dockdjango.pytest_plugin.django_db import point_default_database
        handed = controller_schema_key()  # the xdist controller's, before any move
        point_default_database({STACK!r})
        db = settings.DATABASES["default"]
        seen = {{"engine": db["ENGINE"], "options": db["OPTIONS"], "test": db["TEST"],
                 "keys": [handed, schema_key()]}}
        if {ask_backend!r}:
            seen["test_name"] = connections["default"].creation._get_test_db_name()
        print(json.dumps(seen))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=inner_env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    seen = dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    handed, worker = seen.pop("keys")
    # the key the controller hands its workers is the one a run without xdist computes
    assert handed and handed == worker
    return seen


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


KEY_SCRIPT = """
import sys, django
from django.conf import settings
sys.path.insert(0, sys.argv[1])
settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}},
                   INSTALLED_APPS=["django.contrib.contenttypes", "notes"])
django.setup()
from dockdjango.pytest_plugin.django_db import controller_schema_key
print(controller_schema_key())
"""


def test_the_schema_key_follows_the_migration_files_without_importing_them(tmp_path) -> None:
    migrations = tmp_path / "notes" / "migrations"
    migrations.mkdir(parents=True)
    (tmp_path / "notes" / "__init__.py").write_text("")
    (tmp_path / "notes" / "models.py").write_text("")
    (migrations / "__init__.py").write_text("")
    # importing it would fail: the key reads the file, Django's loader would import it
    (migrations / "0001_initial.py").write_text("raise RuntimeError('imported')\n")

    def key() -> str:
        proc = subprocess.run(
            [sys.executable, "-c", KEY_SCRIPT, str(tmp_path)],
            capture_output=True, text=True, env=inner_env(), timeout=60,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    first = key()
    assert len(first) == 64 and key() == first
    (migrations / "0002_more.py").write_text("# a new migration\n")
    second = key()
    assert second != first
    (migrations / "0002_more.py").write_text("# the same migration, edited\n")
    assert key() not in (first, second)
