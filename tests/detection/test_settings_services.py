"""Settings read without running them, and the services and variables derived from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.detection.backing_services import plan_services
from dockdjango.detection.compose_hints import read_compose_hints
from dockdjango.detection.django_settings.settings_scan import engine_kind, scan_settings
from dockdjango.detection.django_settings.settings_sources import find_settings
from dockdjango.detection.layout import find_manage_py, settings_from_source
from dockdjango.detection.projectconfig import read_overrides
from dockdjango.detection.redis_wiring import find_celery_app
from dockdjango.errors import DockdjangoError


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


SPLIT = {
    "proj/__init__.py": "",
    "proj/settings/__init__.py": "",
    "proj/settings/base.py": (
        "import os, dj_database_url, environ\n"
        "env = environ.Env()\n"
        "DATABASES = {'default': dj_database_url.config(default='postgres://u@localhost/x')}\n"
        "SECRET_KEY = env.str('DJANGO_SECRET_KEY', default='x')\n"
        "CACHE = env.cache()\n"
        "if 'SENTRY_DSN' in os.environ:\n    pass\n"
        "REDIS = os.environ['REDIS_URL']\n"
        "WSGI_APPLICATION = 'proj.wsgi.application'\n"
    ),
    "proj/settings/dev.py": (
        "from .base import *\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db'}}\n"
    ),
    "proj/settings/prod.py": "from .base import *\n",
    "proj/wsgi.py": "application = None\n",
}


def test_scan_follows_star_imports_and_the_last_databases_wins(tmp_path: Path) -> None:
    write(tmp_path, SPLIT)
    prod = scan_settings(tmp_path, "proj.settings.prod")
    assert prod.files == ["proj/settings/prod.py", "proj/settings/base.py"]
    assert prod.database == "postgres" and prod.final_engine == "postgres"
    assert prod.env_reads == [
        "DATABASE_URL",
        "DJANGO_SECRET_KEY",
        "CACHE_URL",
        "SENTRY_DSN",
        "REDIS_URL",
    ]
    assert prod.env_defaults["DATABASE_URL"] == "postgres://u@localhost/x"
    assert prod.values["WSGI_APPLICATION"] == "proj.wsgi.application"
    dev = scan_settings(tmp_path, "proj.settings.dev")
    assert dev.final_engine == "sqlite" and dev.database == "sqlite"


def test_split_settings_follow_the_branch_the_environment_picks(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "settings/__init__.py": (
                "import os\nfrom split_settings.tools import include, optional\n"
                "files = ['core.py']\n"
                "if os.environ.get('IN_DOCKER'):\n    files.append('docker.py')\n"
                "else:\n    files.append('local.py')\n"
                "include(*files, optional('extra.py'))\n"
            ),
            "settings/core.py": "DEBUG = False\n",
            "settings/docker.py": (
                "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', "
                "'HOST': 'db'}}\nCACHES = {'default': {'LOCATION': 'redis://redis:6379/1'}}\n"
            ),
            "settings/local.py": "DATABASES = {'default': {'ENGINE': 'x.sqlite3'}}\n",
        },
    )
    docker = scan_settings(tmp_path, "settings", environ={"IN_DOCKER": "1"})
    assert docker.files == ["settings/__init__.py", "settings/core.py", "settings/docker.py"]
    assert docker.database == "postgres" and "redis://redis:6379/1" in docker.urls
    local = scan_settings(tmp_path, "settings", environ={})
    assert local.files[-1] == "settings/local.py" and local.database == "sqlite"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("django.db.backends.postgresql", "postgres"),
        ("django.contrib.gis.db.backends.postgis", "postgres"),
        ("postgis://u@db/x", "postgres"),
        ("sqlite:///db.sqlite3", "sqlite"),
        ("mysql://u@db/x", "mysql"),
        ("django.db.backends.oracle", None),
    ],
)
def test_engine_kind(text: str, kind: str | None) -> None:
    assert engine_kind(text) == kind


def test_postgres_wired_through_the_variables_the_settings_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "s.py": (
                "import os\nDATABASES = {'default': {'ENGINE': os.getenv('KIWI_DB_ENGINE', "
                "'django.db.backends.postgresql'), 'HOST': os.getenv('KIWI_DB_HOST', ''), "
                "'NAME': os.getenv('KIWI_DB_NAME'), 'USER': os.getenv('KIWI_DB_USER'), "
                "'PASSWORD': os.getenv('KIWI_DB_PASSWORD'), 'PORT': os.getenv('KIWI_DB_PORT')}}\n"
                "BROKER = os.environ.get('CELERY_BROKER_URL')\n"
            ),
            "proj/celery.py": "from celery import Celery\napp = Celery('proj')\n",
        },
    )
    scan = scan_settings(tmp_path, "s")
    plan = plan_services(
        tmp_path, {"psycopg", "celery", "redis"}, scan, read_compose_hints(tmp_path), {}
    )
    assert plan.names == ("postgres", "redis", "celery") and plan.celery_app == "proj"
    assert plan.environment == {
        "KIWI_DB_ENGINE": "django.db.backends.postgresql",
        "KIWI_DB_HOST": "db",
        "KIWI_DB_NAME": "django",
        "KIWI_DB_USER": "django",
        "KIWI_DB_PASSWORD": "django",
        "KIWI_DB_PORT": "5432",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
    }
    assert plan.database is not None and plan.database.image == "postgres:16"


def test_sqlite_goes_to_the_data_volume_when_a_variable_places_it(tmp_path: Path) -> None:
    write(tmp_path, {"s.py": "import os\nDATA = os.environ.get('APP_DATA_DIR', '.')\n"})
    plan = plan_services(
        tmp_path, {"django"}, scan_settings(tmp_path, "s"), read_compose_hints(tmp_path), {}
    )
    assert plan.database is None and plan.data_volume
    assert plan.environment == {"APP_DATA_DIR": "/data"}
    fixed = write(tmp_path / "b", {"s.py": "DATABASES = {'default': {'ENGINE': 'x.sqlite3'}}\n"})
    plan = plan_services(
        fixed, {"django"}, scan_settings(fixed, "s"), read_compose_hints(fixed), {}
    )
    assert not plan.data_volume and "not in a named volume" in plan.notes[0]


def test_compose_hints_borrow_versions_credentials_and_environment(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n  db:\n    image: postgres:17-trixie\n    environment:\n"
                "      - POSTGRES_USER=u\n      - POSTGRES_PASSWORD=${PW:-secret}\n"
                "    volumes: ['./initdb:/docker-entrypoint-initdb.d', 'pg:/var/lib/x']\n"
                "  cache:\n    image: redis:6\n"
                "  web:\n    build: .\n    command: python manage.py runserver\n"
                "    environment:\n      DJANGO_SETTINGS_MODULE: proj.settings.docker\n"
                "      SECRET_KEY: ${SECRET_KEY}\n      DEBUG: true\n      TOKEN:\n"
                "  worker:\n    build: .\n    command: celery -A proj worker\n"
            ),
            "s.py": "import os\nX = os.environ['DATABASE_URL']\nR = os.getenv('REDIS_URL')\n",
        },
    )
    hints = read_compose_hints(tmp_path)
    assert hints.django_service == "web" and hints.file == "docker-compose.yml"
    assert hints.environment == {"DJANGO_SETTINGS_MODULE": "proj.settings.docker", "DEBUG": "true"}
    db = hints.service("postgres")
    assert (
        db is not None
        and db.version == "17"
        and db.mounts == ("./initdb:/docker-entrypoint-initdb.d",)
    )
    plan = plan_services(tmp_path, {"psycopg2", "redis"}, scan_settings(tmp_path, "s"), hints, {})
    assert plan.database is not None
    assert (plan.database.image, plan.database.user, plan.database.password) == (
        "postgres:17",
        "u",
        "secret",
    )
    assert plan.environment["DATABASE_URL"] == "postgres://u:secret@db:5432/u"
    assert plan.redis == "6" and plan.environment["REDIS_URL"] == "redis://redis:6379/0"


def test_manage_py_anywhere_sensible_and_settings_sources(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/manage.py": (
                "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n"
            ),
            "node_modules/x/manage.py": "django",
            "docs/manage.py": "django",
        },
    )
    assert find_manage_py(tmp_path) == ("src/manage.py", [])
    (tmp_path / "manage.py").write_text("src/manage.py")  # a symlink checked out as a file
    assert find_manage_py(tmp_path) == ("src/manage.py", [])
    app = tmp_path / "src"
    found = find_settings(
        tmp_path, app, "src/manage.py", environ={}, dotenv={}, compose_env={}, compose_file=None
    )
    assert found is not None and (found.value, found.source) == ("app.settings", "src/manage.py")
    found = find_settings(
        tmp_path,
        app,
        "src/manage.py",
        environ={},
        dotenv={"DJANGO_SETTINGS_MODULE": "app.local"},
        compose_env={},
        compose_file=None,
    )
    assert found is not None and (found.value, found.source) == ("app.local", ".env")
    assert settings_from_source("os.environ['DJANGO_SETTINGS_MODULE'] = 'x.y'") == "x.y"


def test_celery_app_module(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/celery_app.py": "from celery import Celery\napp = Celery('p')\n"})
    assert find_celery_app(tmp_path) == "pkg.celery_app"


def test_tool_dockdjango_overrides_are_checked() -> None:
    o = read_overrides({"tool": {"dockdjango": {"python": "3.13", "services": ["postgres"]}}})
    assert o.python == "3.13" and o.services == ("postgres",)
    assert o.source("python") == "pyproject.toml [tool.dockdjango] python"
    with pytest.raises(DockdjangoError, match=r"\[tool.dockdjango\] pyhton: unknown key"):
        read_overrides({"tool": {"dockdjango": {"pyhton": "3.13"}}})
    with pytest.raises(DockdjangoError, match="services: unknown mongo"):
        read_overrides({"tool": {"dockdjango": {"services": ["mongo"]}}})
    with pytest.raises(DockdjangoError, match="python: expected a str"):
        read_overrides({"tool": {"dockdjango": {"python": 3.13}}})


CLASS_SETTINGS = """
from configurations import Configuration, values

class Base(Configuration):
    SECRET_KEY = values.SecretValue()
    DATABASES = {
        "default": {
            "ENGINE": values.Value(
                "django.db.backends.postgresql", environ_name="DB_ENGINE", environ_prefix=None
            ),
            "HOST": values.Value("localhost", environ_name="DB_HOST", environ_prefix=None),
            "NAME": values.Value("shop", environ_name="DB_NAME", environ_prefix=None),
        }
    }

class Development(Base):
    DEBUG = True

class Test(Base):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
"""


def test_django_configurations_settings_classes(tmp_path: Path) -> None:
    manage = (
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"
        "os.environ.setdefault('DJANGO_CONFIGURATION', 'Development')\n"
        "from configurations.management import execute_from_command_line\n"
    )
    write(
        tmp_path,
        {
            "manage.py": manage,
            "settings.py": CLASS_SETTINGS,
            "requirements.txt": "django\ndjango-configurations\npsycopg2-binary\n",
        },
    )
    from dockdjango.detection.detect import detect

    p = detect(tmp_path, environ={})
    assert p.configuration == "Development"
    scan = p.settings_scan
    assert {"DJANGO_SECRET_KEY", "DB_ENGINE", "DB_HOST", "DB_NAME"} <= set(scan.env_reads)
    assert scan.final_engine == "postgres"  # Development's base, not Test's SQLite
    env = p.services.environment
    assert p.services.names == ("postgres",) and env["DB_HOST"] == "db"
    assert env["DJANGO_CONFIGURATION"] == "Development"
    assert env["DB_NAME"] == "shop"  # the name the settings default to
    test = scan_settings(tmp_path, "settings", configuration="Test")
    assert test.final_engine == "sqlite"


def test_compose_env_file_and_the_services_under_our_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    build: .\n    env_file: .env-local\n"
            "    command: python manage.py runserver\n"
            "  database_default:\n    image: postgres:15-alpine\n",
            ".env-local": "DATABASE_URL=postgres://postgres:pw@database_default:5432/db\n"
            "DEBUG=True\nMISSING=${NOPE}\n",
            "proj/settings.py": "import dj_database_url\n"
            "DATABASES = {'default': dj_database_url.config(default='sqlite://:memory:')}\n",
        },
    )
    hints = read_compose_hints(tmp_path)
    assert hints.environment["DEBUG"] == "True" and "MISSING" not in hints.environment
    scan = scan_settings(tmp_path, "proj.settings")
    plan = plan_services(tmp_path, {"django", "psycopg2"}, scan, hints, {})
    assert plan.names == ("postgres",)  # the env file's URL wins over the SQLite default
    assert plan.environment["DATABASE_URL"] == "postgres://postgres:pw@db:5432/db"


def test_a_variable_that_picks_the_engine(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/settings.py": "import os\nDB_ENGINE = os.environ.get('DB_ENGINE', "
            "'postgresql')\nDATABASES = {'default': {'ENGINE': 'django.db.backends.' + "
            "DB_ENGINE, 'HOST': os.environ.get('DB_HOST')}}\n",
        },
    )
    scan = scan_settings(tmp_path, "proj.settings")
    hints = read_compose_hints(tmp_path)
    deps = {"django", "psycopg2", "mysqlclient"}
    plan = plan_services(tmp_path, deps, scan, hints, {"DB_ENGINE": "sqlite3"})
    assert plan.database is None
    plan = plan_services(tmp_path, deps, scan, hints, {"DB_ENGINE": "mysql"})
    assert plan.names == ("mysql",)
    plan = plan_services(tmp_path, deps, scan, hints, {})
    assert plan.names == ("postgres",) and plan.environment["DB_HOST"] == "db"


def test_the_compose_file_that_builds_the_checkout_and_its_database_host(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            # the published stack: a prebuilt image, production settings
            "docker-compose.yml": "services:\n  app:\n    image: shop/shop:latest\n"
            "    environment:\n      DJANGO_SETTINGS_MODULE: proj.settings.production\n",
            # the developers' stack: builds the checkout, its own database image
            "docker-compose.dev.yml": "services:\n  dev-db:\n    build: ./db\n"
            "    container_name: shop_dev_db\n  dev:\n    build: .\n"
            "    command: python manage.py runserver\n    environment:\n"
            "      - DJANGO_SETTINGS_MODULE=proj.settings.development\n"
            "      - POSTGRES_HOST=${POSTGRES_HOST-shop_dev_db}\n"
            "      - POSTGRES_USER=shop\n      - POSTGRES_PASSWORD=secret\n",
            "proj/settings/development.py": "import os\nDATABASES = {'default': {"
            "'ENGINE': 'django.db.backends.postgresql', 'HOST': os.environ['POSTGRES_HOST'], "
            "'USER': os.environ['POSTGRES_USER'], "
            "'PASSWORD': os.environ['POSTGRES_PASSWORD']}}\n",
        },
    )
    hints = read_compose_hints(tmp_path)
    assert hints.file == "docker-compose.dev.yml" and hints.django_service == "dev"
    assert hints.environment["DJANGO_SETTINGS_MODULE"] == "proj.settings.development"
    scan = scan_settings(tmp_path, "proj.settings.development")
    plan = plan_services(tmp_path, {"django", "psycopg"}, scan, hints, {})
    assert plan.environment["POSTGRES_HOST"] == "db"  # their database's host is ours
    assert plan.database is not None
    assert (plan.database.user, plan.database.password) == ("shop", "secret")


def test_a_database_without_its_driver_is_said(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/settings.py": "import os\nDATABASES = {'default': {'ENGINE': "
            "'django.db.backends.postgresql', 'HOST': os.environ.get('DB_HOST')}}\n",
        },
    )
    scan = scan_settings(tmp_path, "proj.settings")
    hints = read_compose_hints(tmp_path)
    plan = plan_services(tmp_path, {"django"}, scan, hints, {})
    assert plan.names == ("postgres",)
    assert any("no postgres driver is among the dependencies" in n for n in plan.notes)
    plan = plan_services(tmp_path, {"django", "psycopg"}, scan, hints, {})
    assert not any("driver" in n for n in plan.notes)


def test_a_database_at_our_host_is_made_with_the_credentials_the_settings_give(
    tmp_path: Path,
) -> None:
    """Settings that read a config file (not the environment) and fall back to defaults
    naming host `db`: the database dockdjango adds is made with those defaults."""
    write(
        tmp_path,
        {
            "s.py": "def get_var(*keys, default=''):\n    return default\n"
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', "
            "'NAME': get_var('database', 'database', default='club'), "
            "'USER': get_var('database', 'user', default='clubber'), "
            "'PASSWORD': get_var('database', 'password', default='secret'), "
            "'HOST': get_var('database', 'host', default='db'), "
            "'PORT': get_var('database', 'port', default=3306)}}\n",
        },
    )
    scan = scan_settings(tmp_path, "s")
    assert scan.database_literals == {
        "NAME": "club",
        "USER": "clubber",
        "PASSWORD": "secret",
        "HOST": "db",
        "PORT": "3306",
    }
    plan = plan_services(tmp_path, {"mysqlclient"}, scan, read_compose_hints(tmp_path), {})
    assert plan.database is not None and plan.on_localhost == []
    assert (plan.database.user, plan.database.password, plan.database.name) == (
        "clubber",
        "secret",
        "club",
    )


def test_an_engine_variable_read_as_a_suffix_is_set_as_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "s.py": "import os\nDB_ENGINE = os.environ.get('DB_ENGINE', 'postgresql')\n"
            "DATABASES = {'default': {'ENGINE': f'django.db.backends.{DB_ENGINE}', "
            "'HOST': os.environ.get('DB_HOST', '127.0.0.1')}}\n",
        },
    )
    scan = scan_settings(tmp_path, "s")
    plan = plan_services(tmp_path, {"psycopg2"}, scan, read_compose_hints(tmp_path), {})
    assert plan.environment["DB_ENGINE"] == "postgresql"
    assert plan.environment["DB_HOST"] == "db" and plan.on_localhost == []


def test_an_engine_variable_picks_sqlite_when_no_driver_of_its_default_is_a_dependency(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "s.py": "import os\nDB_ENGINE = os.environ.get('DB_ENGINE', 'postgresql')\n"
            "DATABASES = {'default': {'ENGINE': f'django.db.backends.{DB_ENGINE}', "
            "'NAME': os.environ.get('DB_NAME', 'postgres'), "
            "'HOST': os.environ.get('DB_HOST', '127.0.0.1')}}\n",
        },
    )
    scan = scan_settings(tmp_path, "s")
    plan = plan_services(tmp_path, {"django"}, scan, read_compose_hints(tmp_path), {})
    assert plan.database is None and plan.data_volume
    assert plan.environment == {"DB_ENGINE": "sqlite3", "DB_NAME": "/data/db.sqlite3"}
    assert any("no postgres driver" in n and "DB_ENGINE=sqlite3" in n for n in plan.notes)


def test_a_database_entry_from_the_configuration_module_the_settings_import(
    tmp_path: Path,
) -> None:
    """NetBox-style settings: a configuration module named by a variable's default, whose
    DATABASE dict becomes the default entry; its literal localhost is met as written."""
    write(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/configuration.py": "DATABASE = {'NAME': 'peers', 'USER': 'devbox', "
            "'PASSWORD': 'devbox', 'HOST': 'localhost', 'PORT': ''}\n",
            "proj/settings.py": "import importlib, os\n"
            "config_path = os.getenv('PROJ_CONFIGURATION', 'proj.configuration')\n"
            "try:\n    configuration = importlib.import_module(config_path)\n"
            "except ModuleNotFoundError:\n    raise\n"
            "DATABASE = configuration.DATABASE\n"
            "configuration.DATABASE.update({'ENGINE': 'django.db.backends.postgresql'})\n"
            "DATABASES = {'default': configuration.DATABASE}\n",
        },
    )
    scan = scan_settings(tmp_path, "proj.settings")
    assert scan.database_literals == {
        "NAME": "peers",
        "USER": "devbox",
        "PASSWORD": "devbox",
        "HOST": "localhost",
        "PORT": "",
    }
    plan = plan_services(tmp_path, {"psycopg"}, scan, read_compose_hints(tmp_path), {})
    assert plan.on_localhost == ["db"] and plan.database is not None
    assert (plan.database.user, plan.database.name) == ("devbox", "peers")
