"""A database per git branch, and migration warnings, on a real git repository: ``up`` on
another branch switches databases; without per-branch databases, ``up`` names the
migrations applied on another branch. Migrations are applied by real Django (from this
test's virtualenv, over the published port), as a developer's ``manage.py migrate`` would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.database.conftest import DbStack, make_stack, remove_project

pytestmark = pytest.mark.engine

SETTINGS = """\
import os
SECRET_KEY = "test"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "shop"]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": "shop", "USER": "shop",
    "PASSWORD": "shop", "HOST": "127.0.0.1", "PORT": os.environ["DB_PORT"],
}}
"""
MODELS = """\
from django.db import models
class Item(models.Model):
    name = models.CharField(max_length=20)
"""
INITIAL = """\
from django.db import migrations, models
class Migration(migrations.Migration):
    initial = True
    operations = [migrations.CreateModel("Item", [
        ("id", models.AutoField(primary_key=True)), ("name", models.CharField(max_length=20))])]
"""
PRICE = """\
from django.db import migrations, models
class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.AddField("Item", "price", models.IntegerField(default=0))]
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def django_project(stack: DbStack) -> None:
    """A Django app with one migration, committed on ``main``."""
    root = stack.root
    (root / "settings.py").write_text(SETTINGS)
    (root / "shop" / "migrations").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS)
    (root / "shop" / "migrations" / "__init__.py").write_text("")
    (root / "shop" / "migrations" / "0001_initial.py").write_text(INITIAL)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")


def add_price_on_branch(stack: DbStack, branch: str) -> None:
    git(stack.root, "switch", "-qc", branch)
    (stack.root / "shop" / "migrations" / "0002_item_price.py").write_text(PRICE)
    git(stack.root, "add", "-A")
    git(stack.root, "commit", "-qm", "price")


def migrate(stack: DbStack) -> None:
    """``manage.py migrate`` against the stack's database."""
    port = stack.cli("port", "db", "5432").stdout.strip().rpartition(":")[2]
    env = {**os.environ, "DB_PORT": port, "DJANGO_SETTINGS_MODULE": "settings"}
    env["PYTHONPATH"] = str(stack.root)
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"],
        cwd=stack.root, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def applied(stack: DbStack) -> list[str]:
    return [
        f"{a}.{n}" for a, n in stack.sql("SELECT app, name FROM django_migrations") if a == "shop"
    ]


def notes(up: str) -> list[str]:
    """What ``up`` said about the database (lines starting with a mark)."""
    return [line for line in up.splitlines() if line.startswith(("✓ database", "! "))]


@pytest.fixture
def repo_stack(tmp_path: Path, engine, pg_image, request):  # noqa: ANN001, ANN201
    extra = getattr(request, "param", "")
    stack = make_stack(tmp_path / "shop", engine, pg_image, extra)
    django_project(stack)
    try:
        yield stack
    finally:
        remove_project(engine, stack.name)


PER_BRANCH = "x-dockdjango:\n  database:\n    per_branch: true\n"


@pytest.mark.parametrize("repo_stack", [PER_BRANCH], indirect=True, ids=["per-branch"])
def test_each_branch_gets_its_own_database_made_from_the_current_one(repo_stack: DbStack) -> None:
    stack = repo_stack
    first = notes(stack.cli("up", "-d").stderr)
    assert first[0] == "✓ database: shop is now main's (a database per branch from here on)"
    assert first[1] == "! database shop is not migrated yet -- run: manage.py migrate"
    migrate(stack)
    stack.sql("INSERT INTO shop_item (name) VALUES ('made on main')")
    assert notes(stack.cli("up", "-d").stderr) == ["✓ database: shop is main's"]

    add_price_on_branch(stack, "feature/price")
    up = notes(stack.cli("up", "-d").stderr)
    assert up[0] == (
        "✓ database: feature/price's own copy of shop (made from main's); main's is kept"
    )
    assert up[1].startswith("! 1 migration(s) of the code are not applied to shop: shop.0002")
    assert stack.sql("SELECT name FROM shop_item") == [("made on main",)]  # a copy of main's
    migrate(stack)
    stack.sql("INSERT INTO shop_item (name, price) VALUES ('made on feature', 3)")

    git(stack.root, "switch", "-q", "main")
    up = notes(stack.cli("up", "-d").stderr)
    assert up == ["✓ database: main's own copy of shop; feature/price's is kept"]  # no drift
    assert applied(stack) == ["shop.0001_initial"]
    assert stack.sql("SELECT name FROM shop_item") == [("made on main",)]

    git(stack.root, "switch", "-q", "feature/price")
    assert notes(stack.cli("up", "-d").stderr) == [
        "✓ database: feature/price's own copy of shop; main's is kept"
    ]
    assert applied(stack) == ["shop.0001_initial", "shop.0002_item_price"]
    assert sorted(stack.sql("SELECT name FROM shop_item")) == [
        ("made on feature",),
        ("made on main",),
    ]


def test_without_per_branch_databases_up_names_another_branchs_migrations(
    repo_stack: DbStack,
) -> None:
    stack = repo_stack
    stack.cli("up", "-d")
    add_price_on_branch(stack, "feature")
    migrate(stack)  # 0002 applied on the feature branch
    assert notes(stack.cli("up", "-d").stderr) == []  # in step: nothing to say

    git(stack.root, "switch", "-q", "main")
    (warning,) = notes(stack.cli("up", "-d").stderr)
    assert warning.startswith(
        "! 1 migration(s) applied to shop are not in this branch's code: shop.0002_item_price -- "
    )
    assert "dockdjango db restore NAME" in warning and "per_branch: true" in warning


ON_HOST = '"HOST": "127.0.0.1", "PORT": os.environ["DB_PORT"]'
IN_CONTAINER = SETTINGS.replace(ON_HOST, '"HOST": "db"')
MANAGE = """\
import sys
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""


def django_service(stack: DbStack) -> None:
    """A ``web`` service running the project's ``manage.py`` with this test's own Django
    (its site-packages mounted: the same Python 3.11 as the base image), no ``migrate`` in
    its command, as many projects' compose files have it."""
    import django

    (stack.root / "settings.py").write_text(IN_CONTAINER)
    (stack.root / "manage.py").write_text(MANAGE)
    packages = Path(django.__file__).parents[1]
    compose = stack.root / "compose.yaml"
    head, sep, tail = compose.read_text().rpartition("volumes:\n  pgdata:")
    compose.write_text(
        head
        + (
            "  web:\n"
            "    image: dockdjango/python:3.11-bookworm\n"
            "    depends_on: [db]\n"
            "    working_dir: /src\n"
            f"    volumes: ['.:/src', '{packages}:/deps:ro']\n"
            "    environment: {PYTHONPATH: /deps, DJANGO_SETTINGS_MODULE: settings}\n"
            "    command: [python3, manage.py, shell, -c, 'import time; time.sleep(600)']\n"
        )
        + sep
        + tail
    )


def test_a_database_never_migrated_is_migrated_before_the_app_starts(repo_stack: DbStack) -> None:
    stack = repo_stack
    django_service(stack)
    up = stack.cli("up", "-d")
    assert notes(up.stderr)[-1] == (
        "✓ database shop was never migrated: web migrates it first "
        "(python manage.py migrate, in a one-off container)"
    ), up.stderr
    assert "Applying shop.0001_initial... OK" in up.stdout
    assert applied(stack) == ["shop.0001_initial"]
    assert notes(stack.cli("up", "-d").stderr) == []  # migrated: nothing to say, nothing run

    # a migration that fails is an error naming the command, the database as it was
    (stack.root / "shop" / "migrations" / "0002_item_price.py").write_text("raise ValueError\n")
    stack.sql("DROP TABLE django_migrations; DROP TABLE shop_item")
    failed = stack.cli("up", "-d", check=False)
    assert failed.returncode == 1
    assert "error: python3 manage.py migrate --noinput in web exited with code 1" in failed.stderr
    assert "`up` migrates it first again" in failed.stderr


NAMED_DJANGO = "x-dockdjango:\n  database:\n    django: web\n"


@pytest.mark.parametrize("repo_stack", [NAMED_DJANGO], indirect=True, ids=["named"])
def test_an_image_whose_command_hides_manage_py_is_looked_at_first(repo_stack: DbStack) -> None:
    """The command names no manage.py: migrate runs where the image starts when
    manage.py is there; where it is not, nothing runs, ``up`` warns and goes on."""
    stack = repo_stack
    django_service(stack)
    compose = stack.root / "compose.yaml"
    sleeper = "command: [python3, -c, 'import time; time.sleep(600)']"
    compose.write_text(
        compose.read_text().replace(
            "command: [python3, manage.py, shell, -c, 'import time; time.sleep(600)']", sleeper
        )
    )
    up = stack.cli("up", "-d")
    assert "Applying shop.0001_initial... OK" in up.stdout, up.stderr
    assert applied(stack) == ["shop.0001_initial"]

    stack.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    stack.cli("stop", "web")  # a running container would be asked instead (exec)
    compose.write_text(compose.read_text().replace("working_dir: /src", "working_dir: /"))
    up = stack.cli("up", "-d")
    assert notes(up.stderr)[-1] == (
        "! database shop is not migrated yet, and web's command does not say where manage.py "
        "is -- run: dockdjango exec web python manage.py migrate"
    ), up.stderr
    rows = json.loads(stack.cli("ps", "--json").stdout)
    assert {r["service"] for r in rows if r["state"] == "running"} == {"db", "web"}
