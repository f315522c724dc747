"""The compose file init writes: services, wiring, volumes and URLs from what was detected."""

from __future__ import annotations

from pathlib import Path

import yaml

from dockdjango.detection.detect import detect
from dockdjango.images.stackfile import admin_path, compose_file


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


PROJECT = {
    "requirements.txt": "Django>=5.2,<5.3\npsycopg[binary]>=3.1\nredis>=5\ncelery>=5\n",
    "src/manage.py": "import os\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
    "src/proj/__init__.py": "",
    "src/proj/celery.py": "from celery import Celery\napp = Celery('proj')\n",
    "src/proj/wsgi.py": "application = None\n",
    "src/proj/urls.py": "from django.contrib import admin\nfrom django.urls import path\n"
    "urlpatterns = [path('backoffice/', admin.site.urls)]\n",
    "src/proj/settings.py": "import os, dj_database_url\nROOT_URLCONF = 'proj.urls'\n"
    "DATABASES = {'default': dj_database_url.config(default='sqlite:///x')}\n"
    "DATABASES = {'default': dj_database_url.config(default='postgres://localhost/x')}\n"
    "CELERY_BROKER_URL = os.environ.get('CELERY_BROKER_URL', 'redis://localhost')\n",
}


def test_a_postgres_redis_celery_project(tmp_path: Path) -> None:
    root = write(tmp_path / "shop", PROJECT)
    project = detect(root)
    data = yaml.safe_load(compose_file(project).text)
    web, db = data["services"]["web"], data["services"]["db"]
    assert web["working_dir"] == "/app/src" and web["build"]["target"] == "dev"
    assert web["environment"]["DATABASE_URL"] == "postgres://django:django@db:5432/django"
    assert web["environment"]["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert web["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]
    assert web["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    # the URLconf routes no "/": the admin is announced, and its login page is what the
    # health check asks
    assert web["x-dockdjango"] == {"urls": {"admin": "/backoffice/"}}
    assert "GET /backoffice/login/ answered" in web["healthcheck"]["test"][3]
    assert db["image"] == "postgres:16" and db["environment"]["POSTGRES_DB"] == "django"
    worker = data["services"]["worker"]
    assert worker["command"] == ["celery", "-A", "proj", "worker", "--loglevel=info"]
    assert set(data["volumes"]) == {"pgdata"}
    assert admin_path(project) == "/backoffice/"


def test_a_project_with_its_own_dockerfile(tmp_path: Path) -> None:
    root = write(tmp_path / "own", {**PROJECT, "Dockerfile": "FROM python:3.9\n"})
    project = detect(root)
    in_memory = yaml.safe_load(compose_file(project, generate_in_memory=True).text)
    assert in_memory["services"]["web"]["build"]["x-dockdjango"] == {"dockerfile": "generated"}
    written = yaml.safe_load(compose_file(project, dockerfile="dockdjango.Dockerfile").text)
    assert written["services"]["web"]["build"]["dockerfile"] == "dockdjango.Dockerfile"
    # init's files: `up` rebuilds the image when its inputs change (Compose ignores x-)
    assert written["services"]["web"]["build"]["x-dockdjango"] == {"rebuild": "auto"}


def test_an_explicit_python_travels_with_the_generated_build(tmp_path: Path) -> None:
    """`up --python 3.13` on a project asking for a Python nothing here offers: the build
    (which detects again) is told the same Python through the compose file's marker."""
    from dockdjango.api.images.basecheck import generated_python

    root = write(tmp_path / "own", {**PROJECT, "Dockerfile": "FROM python:3.12\n"})
    project = detect(root, python="3.13")
    build = yaml.safe_load(compose_file(project, generate_in_memory=True).text)["services"]["web"][
        "build"
    ]
    assert build["x-dockdjango"] == {"dockerfile": "generated", "python": "3.13"}
    assert generated_python(build) == "3.13"
    assert generated_python({"x-dockdjango": {"dockerfile": "generated"}}) is None


SQLITE_IN_A_DIRECTORY = {
    "requirements.txt": "Django>=5.2,<5.3\n",
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n",
    "site_/__init__.py": "",
    "site_/settings/__init__.py": "from .base import *\n",
    "site_/settings/base.py": "import os\nfrom pathlib import Path\n"
    "BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n"
    "ROOT = Path(__file__).resolve().parents[2]\n"
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',\n"
    "    'NAME': os.path.join(BASE_DIR, 'data', 'db.sqlite3')}}\n"
    "TASKS = {'filename': str(ROOT / 'var' / 'queue' / 'tasks.sqlite3')}\n"
    "ELSEWHERE = Path('/srv/outside.sqlite3')\n",
}


def test_sqlite_files_in_directories_the_checkout_lacks_are_made_before_migrate(
    tmp_path: Path,
) -> None:
    """The class of projects whose own init makes ``data/`` (a Makefile, an entrypoint):
    Git keeps no empty directory, so migrate would fail "unable to open database file"."""
    root = write(tmp_path / "bookmarks", SQLITE_IN_A_DIRECTORY)
    project = detect(root)
    assert project.services.make_dirs == ("data", "var/queue")
    assert any("mkdir -p data var/queue`" in note for note in project.assumptions)
    command = yaml.safe_load(compose_file(project).text)["services"]["web"]["command"]
    assert command[2].startswith("mkdir -p data var/queue && python manage.py migrate")
    (root / "data").mkdir()
    (root / "var" / "queue").mkdir(parents=True)
    made = detect(root)
    assert made.services.make_dirs == ()
    command = yaml.safe_load(compose_file(made).text)["services"]["web"]["command"]
    assert command[2].startswith("python manage.py migrate")


LOCALHOST_SETTINGS = {
    "requirements.txt": "Django>=5.2,<5.3\npsycopg[binary]>=3.1\nredis>=5\n",
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
    "proj/__init__.py": "",
    "proj/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', "
    "'NAME': 'shop', 'USER': 'shopper', 'PASSWORD': 'secret', 'HOST': '127.0.0.1'}}\n"
    "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.redis.RedisCache', "
    "'LOCATION': 'redis://localhost:6379/0'}}\n",
}


def test_settings_that_fix_localhost_share_the_database_network(tmp_path: Path) -> None:
    """Settings written for a developer's machine (a literal localhost database and Redis,
    no variable) are met as written: web and redis live in db's network namespace, db is
    made with the settings' credentials, and db publishes web's port, which the printed
    URL follows."""
    from dockdjango.api.stack.links import announced
    from dockdjango.compose import load_dict

    project = detect(write(tmp_path / "shop", LOCALHOST_SETTINGS))
    assert project.services.on_localhost == ["db", "redis"]
    assert any("shopper@shop" in n for n in project.services.notes)
    data = yaml.safe_load(compose_file(project).text)
    web, db, redis = (data["services"][k] for k in ("web", "db", "redis"))
    assert web["network_mode"] == redis["network_mode"] == "service:db"
    assert "ports" not in web and "ports" not in redis
    assert db["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]
    assert db["environment"] == {
        "POSTGRES_DB": "shop",
        "POSTGRES_USER": "shopper",
        "POSTGRES_PASSWORD": "secret",
    }
    stack = load_dict(data, project_name="shop", environ={"WEB_PORT": "8123"})
    links = announced(stack, lambda service, port: f"{service}:{port}")
    assert [link.url for link in links] == ["db:8000/"]


def test_settings_that_read_the_database_host_are_not_shared(tmp_path: Path) -> None:
    files = dict(LOCALHOST_SETTINGS)
    files["proj/settings.py"] = (
        "import os\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', "
        "'NAME': 'shop', 'HOST': os.environ.get('DB_HOST', 'localhost')}}\n"
    )
    project = detect(write(tmp_path / "shop", files))
    assert project.services.on_localhost == []
    web = yaml.safe_load(compose_file(project).text)["services"]["web"]
    assert "network_mode" not in web and web["ports"]


def test_an_admin_under_a_settings_prefix_and_i18n_patterns(tmp_path: Path) -> None:
    """``path(settings.SECRET_ADMIN_PREFIX, admin.site.urls)`` inside ``i18n_patterns``:
    the admin announced is where it answers, the default language first."""
    files = {
        "requirements.txt": "Django>=5.2,<5.3\n",
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'crm.settings')\n",
        "crm/__init__.py": "",
        "crm/settings.py": "ROOT_URLCONF = 'crm.urls'\nLANGUAGE_CODE = 'en'\n"
        "SECRET_ADMIN_PREFIX = '456-admin/'\nif False:\n    LANGUAGE_CODE = 'de'\n",
        "crm/urls.py": "from django.conf import settings\nfrom django.contrib import admin\n"
        "from django.conf.urls.i18n import i18n_patterns\nfrom django.urls import path\n"
        "urlpatterns = [path('favicon.ico', None)]\n"
        "urlpatterns += i18n_patterns(path(settings.SECRET_ADMIN_PREFIX, admin.site.urls))\n",
    }
    root = write(tmp_path / "crm", files)
    assert admin_path(detect(root)) == "/en/456-admin/"
    unprefixed = files["crm/urls.py"].replace(
        "admin.site.urls))", "admin.site.urls), prefix_default_language=False)"
    )
    (root / "crm/urls.py").write_text(unprefixed)
    assert admin_path(detect(root)) == "/456-admin/"
    (root / "crm/urls.py").write_text(unprefixed.replace("settings.SECRET_ADMIN_PREFIX", "x()"))
    assert admin_path(detect(root)) is None  # unreadable: nothing announced, not a guess
    # re_path's optional slash is a path; the link stays a string in the compose file
    (root / "crm/urls.py").write_text(
        files["crm/urls.py"]
        .replace("path(settings.SECRET_ADMIN_PREFIX", "re_path(r'^kompass/?'")
        .replace("import path", "import path, re_path")
    )
    project = detect(root)
    assert admin_path(project) == "/en/kompass/"
    web = yaml.safe_load(compose_file(project).text)["services"]["web"]
    assert web["x-dockdjango"]["urls"] == {"admin": "/en/kompass/"}  # / is not routed
    (root / "crm/urls.py").write_text(
        files["crm/urls.py"]
        .replace("path(settings.SECRET_ADMIN_PREFIX", "re_path(r'^(?P<site>[a-z]+)/admin/'")
        .replace("import path", "import path, re_path")
    )
    assert admin_path(detect(root)) is None
