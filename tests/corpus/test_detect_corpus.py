"""Detection on every corpus project, read in place: pure and fast (no engine).

Each row is what a careful reader of the project finds by hand (see the corpus README and
MANIFEST.json); detection must find the same, offline (Debian's Pythons on offer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockdjango.detection.detect import detect
from dockdjango.errors import DockdjangoError

from .conftest import corpus_names

EXPECTED: dict[str, dict[str, Any]] = {
    "bakerydemo": {
        "kind": "requirements",
        "requirements_file": "requirements.txt",
        "dev_requirements_file": "requirements/development.txt",
        "manage_py": "manage.py",
        "settings_module": "bakerydemo.settings.dev",
        "wsgi_app": "bakerydemo.wsgi:application",
        "python": "3.13",  # .python-version asks 3.12, offered nowhere here: said
        "services": ("postgres",),
        "env": {"DATABASE_URL": "postgres://app_user:changeme@db/app_db"},
        "names": {"wagtail", "psycopg", "uwsgi"},
        "build": {"gcc", "python3.13-dev"},  # uWSGI only ships an sdist
    },
    "dfp-ch18-deployment": {
        "kind": "requirements",
        "settings_module": "django_project.settings",
        "python": "3.11",  # asks 3.10 (its Dockerfile); Django 4.0 outside its range: said
        "services": ("postgres",),
        "env": {"DATABASE_URL": "postgres://postgres:django@db:5432/postgres"},
        "names": {"django", "psycopg2-binary", "gunicorn", "environs"},
    },
    "djangogirls": {
        "kind": "requirements",
        "settings_module": "djangogirls.settings",
        "python": "3.11",
        "services": ("postgres",),
        "env": {"POSTGRES_HOST": "db", "POSTGRES_USER": "djangogirls"},
        "names": {"django", "psycopg2-binary", "dj-database-url"},
    },
    "kiwitcms": {
        "kind": "setup.py",
        "dependency_files": ("setup.py", "requirements/tarballs.txt", "requirements/base.txt"),
        "settings_module": "tcms.settings.devel",
        "python": "3.13",  # Django 6.0 needs >= 3.12
        "services": (),  # the devel settings switch to SQLite
        "names": {"django", "uwsgi", "django-simple-captcha"},
        "build": {"gcc", "python3.13-dev"},
    },
    "openstates-org": {
        "kind": "poetry",
        "settings_module": "web.settings",
        "python": "3.11",  # .python-version 3.9 is not on offer; ^3.9 allows 3.11
        "services": ("postgres",),
        "env": {"DATABASE_URL": "postgis://openstates:openstates@db:5432/openstatesorg"},
        "names": {"django", "openstates", "psycopg2-binary"},
        "not_names": {"pytest", "black"},  # poetry's dev-dependencies: dev target only
        "dev_names": {"pytest", "black"},
        "runtime": {"gdal-bin"},  # GeoDjango (a postgis:// URL) loads GDAL and GEOS
    },
    "pretalx": {
        "kind": "uv",
        "manage_py": "src/manage.py",
        "app_dir": "src",
        "settings_module": "pretalx.settings",
        "wsgi_app": "pretalx.wsgi:application",
        "python": "3.13",
        "services": (),
        "env": {"PRETALX_DATA_DIR": "/data"},
        "names": {"django", "celery", "redis", "argon2-cffi"},
        "not_names": {"pytest", "pretalx"},  # extras and the project itself
    },
    "tabbycat": {
        "kind": "pipenv",
        "manage_py": "tabbycat/manage.py",  # the root manage.py points there
        "app_dir": "tabbycat",
        "settings_module": "settings",
        "python": "3.11",
        "services": ("postgres", "redis"),
        "env": {"IN_DOCKER": "1", "DOCKER_REDIS": "1"},  # from its compose file
        "names": {"django", "channels", "psycopg2-binary", "django-split-settings"},
        "not_names": {"selenium", "sphinx"},
        "dev_names": {"selenium", "sphinx"},
    },
}

REFUSED = {
    # Django 1.11 imports collections.Iterator, gone since Python 3.10
    "django-boards": "this project is too old to run here: Django 1.11.29",
    # requires-python ==3.12.*, and no 3.12 is on offer without a registry
    "djangoproject-com": "requires-python ==3.12.*",
}


#: projects whose expectation is not written yet, and why (issue 19: the classes they show
#: are being fixed); detection must still answer them without a traceback
NOT_YET: dict[str, str] = {
    "django-cms-quickstart": "psycopg2 via dj-database-url default sqlite://:memory:",
    "django-crm": "settings edited in place; mysqlclient needs MariaDB headers",
    "django-oscar": "a sandbox site of a package that must be installed (pip install -e .)",
    "django-silk": "a sandbox site of a package that must be installed (pip install -e .)",
    "doccano": "a poetry project in backend/ that packages its own folder",
    "evap": "manage.py runs the package with runpy; settings need localsettings.py",
    "grafana-oncall": "engine/ requirements beside manage.py, settings.dev by default",
    "kompass": "uv project at the root, Django project in jdav_web/, MariaDB",
    "linkding": "settings package whose __init__ picks dev; env file from .env.sample",
    "mathesar": "manage.py defaults to production settings; compose picks development",
    "mit-tab": "requires Python >=3.10.16,<3.11, which nothing here provides",
    "penn-courses": "uv project in backend/ with its own index",
    "penn-mobile": "Pipfile in backend/, an empty one at the root",
    "peering-manager": "configuration.py copied from an example and edited",
    "ralph": "no manage.py: console scripts in setup.py",
    "richie": "django-configurations settings classes, a sandbox of a package",
    "taiga-back": "settings.config copied from an example; RabbitMQ",
    "tubearchivist": "Elasticsearch; git URL requirement",
}


def test_every_corpus_project_has_an_expectation(corpus: Path) -> None:
    assert not set(EXPECTED) & set(REFUSED) and not (set(EXPECTED) | set(REFUSED)) & set(NOT_YET)
    assert set(EXPECTED) | set(REFUSED) | set(NOT_YET) == set(corpus_names())


@pytest.mark.parametrize("name", sorted(NOT_YET))
def test_detection_answers_without_a_traceback(corpus: Path, name: str) -> None:
    """Until its expectation is written: a detection, or a one-line refusal with a hint."""
    try:
        p = detect(corpus / name, environ={})
    except DockdjangoError as exc:
        assert "\n" not in str(exc) and exc.hint, str(exc)
    else:
        assert p.assumptions, "detection says what it assumed"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detects_the_corpus_project(corpus: Path, name: str) -> None:
    want = EXPECTED[name]
    p = detect(corpus / name, environ={})
    for key in (
        "kind",
        "requirements_file",
        "dev_requirements_file",
        "dependency_files",
        "manage_py",
        "app_dir",
        "settings_module",
        "wsgi_app",
        "python",
    ):
        if key in want:
            assert getattr(p, key) == want[key], key
    assert p.services.names == want["services"]
    for key, value in want.get("env", {}).items():
        assert p.services.environment.get(key) == value, key
    assert want["names"] <= set(p.dependency_names)
    assert not want.get("not_names", set()) & set(p.dependency_names)
    dev = {line.split("==")[0].lower() for line in p.dev_requirements}
    assert want.get("dev_names", set()) <= dev
    assert want.get("build", set()) <= set(p.build_packages)
    assert want.get("runtime", set()) <= set(p.runtime_packages)
    assert p.assumptions, "detection says what it assumed"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refuses_with_one_line_that_says_why(corpus: Path, name: str) -> None:
    with pytest.raises(DockdjangoError) as info:
        detect(corpus / name, environ={})
    assert REFUSED[name] in str(info.value) and "\n" not in str(info.value)
    assert info.value.hint


def test_djangoproject_runs_on_the_python_it_is_told(corpus: Path) -> None:
    p = detect(corpus / "djangoproject-com", environ={}, python="3.13")
    assert p.python == "3.13" and p.kind == "uv"
    assert any("overrides requires-python ==3.12.*" in a for a in p.assumptions)
    names = set(p.dependency_names)
    # the prod group is runtime; the dev group (debug toolbar, psycopg[binary]) dev only
    assert {"gunicorn", "psycopg", "psycopg-c", "django-push"} <= names
    assert "django-debug-toolbar" not in names
    assert any(line.startswith("django-debug-toolbar==") for line in p.dev_requirements)
    assert {"libpq-dev", "gcc"} <= set(p.build_packages)  # psycopg[c] compiles
    # its compose file's web service sets the docker settings and their SQL_* variables
    assert p.settings_module == "djangoproject.settings.docker"
    assert p.services.environment["SQL_HOST"] == "db"
    assert p.services.names == ("postgres",) and p.services.database is not None
    assert p.services.database.image == "postgres:17"
    # the second (trac) database's variables are not rewired to the first one
    assert p.services.environment["TRAC_DATABASE"] == "code.djangoproject"
    assert "TRAC_DB_NAME" not in p.services.environment
