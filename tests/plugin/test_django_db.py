"""pytest-django's test database moved to PostgreSQL by one ini key, settings untouched."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.engine

SETTINGS = """
SECRET_KEY = "test"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
"""

TESTS = """
import json, os
import pytest
from django.contrib.auth.models import User
from django.db import connection

@pytest.mark.django_db
@pytest.mark.parametrize("n", range(4))
def test_on_postgres(n):
    User.objects.create(username=f"u{n}")
    assert User.objects.count() == 1  # each test in its own transaction
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"seen-{worker}-{n}.json", "w") as f:
        json.dump([connection.vendor, connection.settings_dict["NAME"]], f)
"""


def test_dockdjango_django_db_postgres_with_xdist(
    pytester: pytest.Pytester, engine, pg_image
) -> None:
    pytester.makepyfile(settings=SETTINGS, test_users=TESTS)
    pytester.makeini(
        "[pytest]\nDJANGO_SETTINGS_MODULE = settings\n"
        f"dockdjango_django_db = postgres\ndockdjango_postgres_image = {pg_image}\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
    seen = {
        p.name.split("-")[1]: json.loads(p.read_text()) for p in pytester.path.glob("seen-*.json")
    }
    assert seen == {
        "gw0": ["postgresql", "test_test_gw0"],
        "gw1": ["postgresql", "test_test_gw1"],
    }, seen
    assert "sqlite3" in (pytester.path / "settings.py").read_text()  # the file is untouched
    assert not (pytester.path / "db.sqlite3").exists()


def test_without_pytest_django_the_key_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ndockdjango_django_db = db\n")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*dockdjango_django_db = db needs pytest-django*"])
