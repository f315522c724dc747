"""xdist workers' test databases on one server, cloned from a template migrated once.

A data migration writes one line to a log each time it runs, so the log counts how many
times the schema was migrated: once for two workers (which share one server), not at
all for a run that finds the template on a kept server, once more when a migration file
changes. Each worker's database is its own (named after it, made from the template)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockdjango.api.testing.testpostgres import PREPARED_PGDATA, TMPFS_PGDATA

pytestmark = pytest.mark.engine

SETTINGS = """
SECRET_KEY = "test"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "notes"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
"""
MODELS = """
from django.db import models
class Note(models.Model):
    worker = models.CharField(max_length=10)
"""
INITIAL = """
import os
from django.db import migrations, models

def log(apps, schema_editor):
    with open(os.environ["MIGRATE_LOG"], "a") as f:
        f.write(schema_editor.connection.settings_dict["NAME"] + "\\n")

class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel("Note", [
            ("id", models.AutoField(primary_key=True)),
            ("worker", models.CharField(max_length=10)),
        ]),
        migrations.RunPython(log),
    ]
"""
LATER = """
from django.db import migrations, models
class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.AddField("Note", "body", models.TextField(default=""))]
"""
TESTS = """
import json, os
import pytest
from django.db import connection
from notes.models import Note

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", range(4))
def test_a_database_of_its_own(n):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Note.objects.create(worker=worker)
    assert set(Note.objects.values_list("worker", flat=True)) == {worker}
    with connection.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = current_database()")
        made_from = cur.fetchone()[0]
        cur.execute("SELECT pg_read_file('/etc/hostname')")  # the server's container id
        server = cur.fetchone()[0].strip()
    with open(f"seen-{worker}-{n}.json", "w") as f:
        json.dump({"worker": worker, "db": connection.settings_dict["NAME"],
                   "made_from": made_from, "server": server}, f)
"""


def seen(root: Path) -> list[dict[str, str]]:
    found = [json.loads(p.read_text()) for p in sorted(root.glob("seen-*.json"))]
    for p in root.glob("seen-*.json"):
        p.unlink()
    return found


def notes_project(
    pytester: pytest.Pytester, engine, pg_image, unique_name, cleanup_images, monkeypatch
) -> Path:
    """The notes project, its test server on a tag of its own; the migration log's path."""
    # a tag of our own: the kept server's reuse key holds the image, so no other run's is used
    engine.api.tag(pg_image, unique_name, "pg")
    cleanup_images.append(f"{unique_name}:pg")
    log = pytester.path / "migrate.log"
    monkeypatch.setenv("MIGRATE_LOG", str(log))
    pytester.makepyfile(settings=SETTINGS, test_notes=TESTS)
    for name, text in {
        "notes/__init__.py": "",
        "notes/models.py": MODELS,
        "notes/migrations/__init__.py": "",
        "notes/migrations/0001_initial.py": INITIAL,
    }.items():
        (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / name).write_text(text)
    pytester.makeini(
        "[pytest]\nDJANGO_SETTINGS_MODULE = settings\n"
        f"dockdjango_django_db = postgres\ndockdjango_postgres_image = {unique_name}:pg\n"
    )
    return log


def test_workers_clone_a_template_migrated_once_per_schema(
    pytester: pytest.Pytester, engine, pg_image, unique_name, cleanup_images, monkeypatch
) -> None:
    log = notes_project(pytester, engine, pg_image, unique_name, cleanup_images, monkeypatch)
    args = ["-p", "no:cacheprovider", "-n", "2"]

    def run(*extra: str) -> list[dict[str, str]]:
        pytester.runpytest_subprocess(*args, *extra).assert_outcomes(passed=4)
        return seen(pytester.path)

    def migrations_run() -> int:
        return len(log.read_text().split()) if log.exists() else 0

    servers: set[str] = set()
    try:
        first = run()  # a run of its own: one server for both workers, removed at the end
        assert {s["worker"]: s["db"] for s in first} == {
            "gw0": "test_test_gw0",
            "gw1": "test_test_gw1",
        }
        assert len({s["server"] for s in first}) == 1
        (template,) = {s["made_from"] for s in first}
        assert template.startswith("made from dockdjango_tpl_")
        assert migrations_run() == 1  # two workers, one migration into the template
        assert not engine.api.containers(all=True, filters={"id": first[0]["server"]})

        kept = run("--dockdjango-reuse")  # a new server, kept: the template is made once more
        servers |= {s["server"] for s in kept}
        assert migrations_run() == 2 and {s["made_from"] for s in kept} == {template}
        warm = run("--dockdjango-reuse")
        servers |= {s["server"] for s in warm}
        assert len(servers) == 1
        assert migrations_run() == 2  # the kept server had the template: nothing migrated

        (pytester.path / "notes" / "migrations" / "0002_body.py").write_text(LATER)
        (pytester.path / "notes" / "models.py").write_text(
            MODELS + '    body = models.TextField(default="")\n'
        )
        changed = run("--dockdjango-reuse")
        assert {s["made_from"] for s in changed} != {template}  # a new schema, a new template
        assert migrations_run() == 3
    finally:
        for cid in servers:
            for found in engine.api.containers(all=True, filters={"id": cid}):
                engine.api.remove_container(found["Id"], force=True, v=True)


def test_kept_server_on_tmpfs_restarted_rebuilds_its_template_and_opt_out_keeps_disk(
    pytester: pytest.Pytester, engine, pg_image, unique_name, cleanup_images, monkeypatch
) -> None:
    log = notes_project(pytester, engine, pg_image, unique_name, cleanup_images, monkeypatch)
    args = ["-p", "no:cacheprovider", "-n", "2", "--dockdjango-reuse"]

    def run(*extra: str) -> str:
        pytester.runpytest_subprocess(*args, *extra).assert_outcomes(passed=4)
        found = seen(pytester.path)
        assert len({s["db"] for s in found}) == 2  # each worker a database of its own
        (server,) = {s["server"] for s in found}
        servers.add(server)
        return server

    def migrations_run() -> int:
        return len(log.read_text().split())

    def data_mount(server: str) -> tuple[dict[str, str], str, str]:
        info = engine.api.inspect_container(server)
        env = dict(e.split("=", 1) for e in info["Config"]["Env"])
        found = engine.api.exec_create(server, ["sh", "-c", 'stat -f -c %T "$PGDATA"'])
        fs_type = engine.api.exec_start(found["Id"]).decode().strip()
        return info["HostConfig"].get("Tmpfs") or {}, env["PGDATA"], fs_type

    servers: set[str] = set()
    try:
        server = run()
        tmpfs, pgdata, fs_type = data_mount(server)
        assert pgdata == TMPFS_PGDATA and tmpfs == {TMPFS_PGDATA: "rw,size=1g"}
        assert fs_type == "tmpfs"
        assert migrations_run() == 1

        # A restart empties the tmpfs: the template is gone and the next run rebuilds it.
        engine.api.restart(server, timeout=5)
        assert run() == server
        assert migrations_run() == 2
        assert run() == server and migrations_run() == 2  # and then keeps it

        on_disk = run("-o", "dockdjango_postgres_tmpfs=false")
        assert on_disk != server  # another configuration, another kept server
        tmpfs, pgdata, fs_type = data_mount(on_disk)
        assert tmpfs == {} and pgdata == PREPARED_PGDATA and fs_type != "tmpfs"
        assert run("--dockdjango-postgres-tmpfs=false") == on_disk  # the option says the same
    finally:
        for cid in servers:
            for found in engine.api.containers(all=True, filters={"id": cid}):
                engine.api.remove_container(found["Id"], force=True, v=True)
