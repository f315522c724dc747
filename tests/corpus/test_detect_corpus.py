"""Detection on every corpus project, read in place: pure and fast (no engine).

Each row is what a careful reader of the project finds by hand (see the corpus README and
MANIFEST.json); detection must find the same, offline (Debian's Pythons on offer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockdjango.api.stack.zeroconfig import detect_for_stack
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
        # its readme's virtualenv path and CONTRIBUTING.md name these copies
        "steps": (
            "cp bakerydemo/settings/local.py.example bakerydemo/settings/local.py",
            "cp .env.example .env",
        ),
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
        # its devel settings need factory_boy, listed only in devel.txt's -r chain
        "dev_requirements_file": "requirements/devel.txt",
        "dev_names": {"factory_boy", "sphinx", "black"},
        "says": "requirements/devel.txt installed in the dev target only",
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
    # -- the 18 projects added for issue 19 ----------------------------------------------
    "django-cms-quickstart": {
        "kind": "requirements",
        "settings_module": "backend.settings",
        "wsgi_app": "backend.wsgi:application",
        "python": "3.11",  # its Dockerfile's python:3.11
        # compose.yaml's web service reads .env-local, whose DATABASE_URL names its
        # database_default service: ours is db
        "services": ("postgres",),
        "env": {
            "DATABASE_URL": "postgres://postgres:password@db:5432/db",
            "SECURE_SSL_REDIRECT": "False",
            "DEBUG": "True",
        },
        "names": {"django-cms", "psycopg2", "uwsgi", "dj-database-url"},
        "build": {"gcc", "libpq-dev"},
    },
    "django-crm": {
        "kind": "requirements",
        "settings_module": "webcrm.settings",
        "python": "3.13",  # pandas 3 and numpy 2.5 want newer than setup.cfg's >=3.10
        "services": (),  # SQLite, written into webcrm/settings.py (MySQL commented out)
        "names": {"django", "mysqlclient", "pandas"},
        "build": {"default-libmysqlclient-dev", "pkg-config"},
        "runtime": {"libmariadb3"},
    },
    "django-oscar": {
        "kind": "pyproject",
        "manage_py": "sandbox/manage.py",
        "app_dir": "sandbox",
        "settings_module": "settings",
        "python": "3.13",
        "services": (),
        "env": {"DATABASE_NAME": "/data/db.sqlite3"},
        # the sandbox's own needs (django-environ, whitenoise, Whoosh) are the test extra
        "names": {"django", "django-environ", "whitenoise", "whoosh", "django-haystack"},
        "not_names": {"sphinx"},
        "install": ("django-oscar", ("test",)),
    },
    "django-silk": {
        "kind": "setup.py",
        "dependency_files": ("setup.py", "requirements.txt"),
        "manage_py": "project/manage.py",
        "settings_module": "project.settings",
        "python": "3.13",
        # DB_ENGINE defaults to postgresql, and no driver is a dependency: its README's
        # `export DB_ENGINE=sqlite3`, read as a suffix of django.db.backends.
        "services": (),
        "env": {"DB_ENGINE": "sqlite3", "DB_NAME": "/data/db.sqlite3"},
        # install_requires, and the README's requirements.txt (pillow for example_app)
        "names": {"django", "sqlparse", "gprof2dot", "pillow", "factory-boy"},
        "install": ("django-silk", ()),
        # tox adds psycopg2-binary; neither requirements.txt nor setup.py has a driver
        "says": "no postgres driver is among the dependencies",
    },
    "doccano": {
        "kind": "poetry",
        "dependency_dir": "backend",
        "dependency_files": ("backend/pyproject.toml", "backend/poetry.lock"),
        "manage_py": "backend/manage.py",
        "app_dir": "backend",
        "settings_module": "config.settings.development",
        "wsgi_app": "config.wsgi:application",
        "python": "3.11",  # backend/pyproject.toml: >=3.10,<4.0
        "services": ("redis", "celery"),  # SQLite by default; CELERY_BROKER_URL to Redis
        "env": {"DATABASE_URL": "sqlite:////data/db.sqlite3"},
        "names": {"django", "celery", "djangorestframework", "environs"},
        "dev_names": {"black", "flake8"},
        "steps": ("cp docker/.env.example docker/.env",),
    },
    "evap": {
        "kind": "uv",
        "manage_py": "manage.py",
        "settings_module": "evap.settings",
        "python": "3.13",
        "services": ("postgres", "redis"),
        "names": {"django", "psycopg", "redis"},
        "runtime": {"libpq5"},
        "install": ("evap", ()),  # settings.py reads importlib.metadata.version("evap")
        "steps": ("cp evap/development/localsettings.template.py evap/localsettings.py",),
        "says": "settings evap.settings (from evap/__main__.py",  # manage.py runs runpy
    },
    "grafana-oncall": {
        "kind": "requirements",
        "dependency_dir": "engine",
        "requirements_file": "engine/requirements.txt",
        "dev_requirements_file": "engine/requirements-dev.txt",
        "manage_py": "engine/manage.py",
        "app_dir": "engine",
        "settings_module": "settings.dev",
        "python": "3.13",  # 3.12 asked (engine/Dockerfile), offered nowhere here: said
        # docker-compose-developer.yml builds ./engine; base.py's DATABASE_TYPE defaults to
        # DatabaseTypes.MYSQL (PyMySQL); its compose file runs mysql:8.0.32
        "services": ("mysql", "redis", "celery"),
        "env": {"DATABASE_HOST": "db", "REDIS_URI": "redis://redis:6379/0"},
        "database": "mysql:8.0",
        "names": {"django", "celery", "pymysql", "django-redis"},
        "dev_names": {"pytest", "mypy"},
        "steps": ("cp dev/.env.dev.example dev/.env.dev",),
    },
    "kompass": {
        "kind": "uv",
        "dependency_files": ("pyproject.toml", "uv.lock"),  # at the root, site in jdav_web/
        "manage_py": "jdav_web/manage.py",
        "app_dir": "jdav_web",
        "settings_module": "jdav_web.settings",
        "python": "3.13",
        "services": ("mysql", "redis", "celery"),
        "names": {"django", "mysqlclient", "celery", "django-split-settings"},
        "build": {"default-libmysqlclient-dev", "pkg-config"},
        "steps": (
            "cp docker/development/docker.env.example docker/development/docker.env",
            "cp docker/development/config/settings.toml.example "
            "docker/development/config/settings.toml",
        ),
    },
    "linkding": {
        "kind": "uv",
        "settings_module": "bookmarks.settings",  # its __init__ takes dev.py when present
        "python": "3.13",
        "services": (),  # LD_DB_ENGINE defaults to sqlite
        "names": {"django", "uwsgi", "huey"},
        "dev_names": {"pytest", "psycopg"},
        "steps": ("cp .env.sample .env",),
    },
    "mathesar": {
        "kind": "requirements",
        "dev_requirements_file": "requirements-dev.txt",
        # manage.py and docker-compose.yml (published images) say production;
        # docker-compose.dev.yml, which builds the checkout, says development
        "settings_module": "config.settings.development",
        "python": "3.14",  # the Dockerfile's PYTHON_VERSION=3.14-bookworm
        "services": ("postgres",),
        "env": {"POSTGRES_HOST": "db", "POSTGRES_USER": "mathesar"},
        "names": {"django", "psycopg", "gunicorn"},
        "steps": ("cp .env.example .env", "cp file_storage.yml.example file_storage.yml"),
    },
    "penn-mobile": {
        "kind": "pipenv",
        "dependency_dir": "backend",  # the root Pipfile is empty
        "dependency_files": ("backend/pyproject.toml", "backend/Pipfile", "backend/Pipfile.lock"),
        "manage_py": "backend/manage.py",
        "settings_module": "pennmobile.settings.development",
        "python": "3.11",
        "services": ("redis", "celery"),  # SQLite by default; REDIS_URL is the broker
        "env": {"DATABASE_URL": "sqlite:////data/db.sqlite3", "REDIS_URL": "redis://redis:6379/0"},
        "names": {"django", "psycopg2", "celery", "uwsgi"},
        "dev_names": {"black", "pytest"},
        "build": {"libpq-dev", "gcc"},
    },
    "peering-manager": {
        # its docs install requirements.txt, but here that is an export of uv.lock without
        # markers (rpds-py pinned twice, unsatisfiable): the lock it came from wins
        "kind": "uv",
        "settings_module": "peering_manager.settings",
        "python": "3.11",
        "services": ("postgres",),
        "names": {"django", "psycopg", "napalm", "django-rq"},
        "steps": ("cp peering_manager/configuration.example.py peering_manager/configuration.py",),
    },
    "richie": {
        "kind": "pyproject",
        "manage_py": "sandbox/manage.py",
        "app_dir": "sandbox",
        "settings_module": "settings",
        "configuration": "Development",
        "python": "3.11",  # its Dockerfile's python:3.11-bookworm; requires-python >=3.8
        "services": ("postgres",),  # DB_ENGINE defaults to postgresql_psycopg2
        "env": {"DB_HOST": "db", "DJANGO_CONFIGURATION": "Development"},
        "names": {"django", "django-cms", "django-configurations", "psycopg2-binary"},
        "not_names": {"pylint", "twine"},
        "install": ("richie", ("sandbox",)),
        "steps": (
            "cp env.d/development/common.dist env.d/development/common",
            "cp env.d/development/localtunnel.dist env.d/development/localtunnel",
        ),
    },
    "taiga-back": {
        "kind": "requirements",
        "settings_module": "settings.common",
        "dev_requirements_file": "requirements-devel.txt",
        "python": "3.11",  # .python-version 3.10 is not on offer
        "services": ("postgres",),
        "names": {"django", "psycopg2", "celery"},
        "runtime": {"libcairo2", "libmagic1"},
        "steps": ("cp settings/config.py.dev.example settings/config.py",),
    },
    "tubearchivist": {
        "kind": "requirements",
        "dependency_dir": "backend",
        "requirements_file": "backend/requirements.txt",
        "dev_requirements_file": "requirements-dev.txt",  # -r backend/requirements.txt
        "manage_py": "backend/manage.py",
        "settings_module": "config.settings",
        "python": "3.13",
        "services": (),  # Django's own database is SQLite; its data is in Elasticsearch
        "names": {"django", "celery", "yt-dlp", "bgutil-ytdlp-pot-provider"},
        "dev_names": {"pytest", "pylint"},
        "build": {"git"},
    },
}

REFUSED = {
    # Django 1.11 imports collections.Iterator, gone since Python 3.10
    "django-boards": "this project is too old to run here: Django 1.11.29",
    # requires-python ==3.12.*, and no 3.12 is on offer without a registry
    "djangoproject-com": "requires-python ==3.12.*",
    # only 3.10.16 and later 3.10 releases, none on offer without a registry
    "mit-tab": "requires-python >=3.10.16,<3.11",
    # an exact patch release; Debian's 3.11 is 3.11.2
    "penn-courses": "requires-python ==3.11.4 (backend/pyproject.toml requires-python)",
    # no manage.py: console scripts of its package (src/ralph/__main__.py)
    "ralph": "no manage.py: this project runs Django through the console script dev_ralph",
}


def test_every_corpus_project_has_an_expectation(corpus: Path) -> None:
    assert not set(EXPECTED) & set(REFUSED)
    assert set(EXPECTED) | set(REFUSED) == set(corpus_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detects_the_corpus_project(corpus: Path, name: str) -> None:
    want = EXPECTED[name]
    p = detect(corpus / name, environ={})
    for key in (
        "kind",
        "requirements_file",
        "dev_requirements_file",
        "dependency_files",
        "dependency_dir",
        "manage_py",
        "app_dir",
        "settings_module",
        "configuration",
        "wsgi_app",
        "python",
    ):
        if key in want:
            assert getattr(p, key) == want[key], key
    assert p.services.names == want["services"]
    for key, value in want.get("env", {}).items():
        assert p.services.environment.get(key) == value, key
    if "database" in want:
        assert p.services.database is not None and p.services.database.image == want["database"]
    assert want["names"] <= set(p.dependency_names)
    assert not want.get("not_names", set()) & set(p.dependency_names)
    dev = {line.split("==")[0].lower() for line in p.dev_requirements}
    assert want.get("dev_names", set()) <= dev
    assert want.get("build", set()) <= set(p.build_packages)
    assert want.get("runtime", set()) <= set(p.runtime_packages)
    install = p.project_install
    assert ((install.name, install.extras) if install else None) == want.get("install")
    assert tuple(step.command for step in p.setup_steps) == want.get("steps", ())
    assert p.assumptions, "detection says what it assumed"
    if "says" in want:
        assert any(want["says"] in line for line in p.assumptions), want["says"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refuses_with_one_line_that_says_why(corpus: Path, name: str) -> None:
    """Refused where `up` detects a project (no engine asked: Debian's Pythons on offer)."""
    with pytest.raises(DockdjangoError) as info:
        detect_for_stack(corpus / name, environ={}, offline=True)
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
