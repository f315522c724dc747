"""The database features' pure parts, no daemon: which service is the database, the names
and marks of kept databases, access lists, migration files and drift, git branches."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dockdjango.api.database.branches import Switch, git_branch
from dockdjango.api.database.catalog import (
    MAX_NAME,
    DatabaseSettings,
    acl_statements,
    branch_db,
    check_snapshot_name,
    comment,
    copy_fields,
    copy_statement,
    human_age,
    human_size,
    kept_databases,
    read_comment,
    scratch_db,
    scratch_prefix,
    snapshot_db,
)
from dockdjango.api.database.database import default_name
from dockdjango.api.database.drift import compare, report
from dockdjango.api.database.target import (
    find_database,
    is_postgres_image,
    manage_py,
    names_manage_py,
    runs_migrate,
)
from dockdjango.compose import load_dict
from dockdjango.detection.migrations import scan_migrations
from dockdjango.errors import DockdjangoError, SpecError
from tests.detection.test_detect import write

LIBRARY = Path(__file__).resolve().parents[2] / "examples" / "library"


def project(services: dict, **top: object):
    return load_dict({"name": "demo", "services": services, **top})


# -- which service ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "postgres:16",
        "docker.io/library/postgres:16-alpine",
        "postgis/postgis:16-3.4",
        "timescale/timescaledb:latest-pg16",
        "pgvector/pgvector:pg16",
        "bitnami/postgresql:16",
        "dockdjango/postgres:15-bookworm",
        "registry.local:5000/postgres@sha256:" + "a" * 64,
    ],
)
def test_postgresql_images_are_recognised(image: str) -> None:
    assert is_postgres_image(image)


@pytest.mark.parametrize("image", ["redis:7", "mariadb:11", "mypostgres-tools:1", "", None])
def test_other_images_are_not(image: str | None) -> None:
    assert not is_postgres_image(image)


def test_the_library_stack_database_is_found_with_its_credentials() -> None:
    from dockdjango.api.stack.stack import Stack

    found = find_database(Stack.load(LIBRARY / "compose.yaml", environ={}).project)
    assert found is not None
    assert (found.service, found.database, found.user, found.password) == (
        "db",
        "library",
        "library",
        "library",
    )
    assert found.django == "web" and found.migrates_on_start
    assert found.volume == "library_pgdata" and found.mount == "/var/lib/postgresql/data"
    assert found.fixtures == ("books/fixtures/sample_books.json",)


def test_defaults_follow_the_official_image() -> None:
    found = find_database(project({"db": {"image": "postgres:16"}}))
    assert found is not None
    assert (found.database, found.user, found.django, found.per_branch) == (
        "postgres",
        "postgres",
        "",
        False,
    )


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        (None, ["python", "manage.py"]),
        (["python3", "src/manage.py", "runserver"], ["python3", "src/manage.py"]),
        (["/venv/bin/python", "manage.py", "runserver"], ["/venv/bin/python", "manage.py"]),
        (["sh", "-c", "python3.11 app/manage.py runserver"], ["python3.11", "app/manage.py"]),
        (["./manage.py", "runserver"], ["python", "./manage.py"]),
        (["gunicorn", "site.wsgi"], ["python", "manage.py"]),
    ],
)
def test_manage_py_is_run_as_the_service_runs_it(
    command: list[str] | None, argv: list[str]
) -> None:
    web = {"image": "x", "depends_on": ["db"], **({"command": command} if command else {})}
    stack = project({"db": {"image": "postgres:16"}, "web": web})
    assert manage_py(stack.services["web"]) == argv


def test_a_command_that_migrates_in_a_script_of_the_project_is_seen(tmp_path: Path) -> None:
    """``./bin/start.sh`` (read from the build context) runs ``manage.py migrate``: the
    service migrates as it starts; a script that does not, and Django's own manage.py, are
    not taken for one."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "start.sh").write_text("cd app\npython ./manage.py migrate --no-input\n")
    (tmp_path / "bin" / "serve.sh").write_text("exec gunicorn site.wsgi\n")
    (tmp_path / "manage.py").write_text("# migrate is a word here, never read\n")

    def web(command: list[str]) -> object:
        django = {"build": ".", "command": command, "depends_on": ["db"]}
        services = {"db": {"image": "postgres:16"}, "web": django}
        return load_dict({"name": "demo", "services": services}, workdir=tmp_path)

    starts = web(["./bin/wait.sh", "db:5432", "--", "./bin/start.sh"])
    assert runs_migrate(starts.services["web"], starts)  # type: ignore[attr-defined]
    assert find_database(starts).migrates_on_start  # type: ignore[arg-type, union-attr]
    serves = web(["bin/serve.sh"])
    assert not runs_migrate(serves.services["web"], serves)  # type: ignore[attr-defined]
    manage = web(["python", "manage.py", "runserver"])
    assert not runs_migrate(manage.services["web"], manage)  # type: ignore[attr-defined]
    assert names_manage_py(manage.services["web"])  # type: ignore[attr-defined]
    assert not names_manage_py(serves.services["web"])  # type: ignore[attr-defined]


def test_an_image_that_hides_what_it_is_is_named_in_the_file() -> None:
    services = {"db": {"build": "."}, "web": {"image": "x", "depends_on": ["db"]}}
    assert find_database(project(services)) is None
    named = find_database(
        project(services, **{"x-dockdjango": {"database": {"service": "db", "per_branch": True}}})
    )
    assert named is not None and named.service == "db" and named.per_branch


def test_two_postgresql_services_need_a_name() -> None:
    services = {"a": {"image": "postgres:16"}, "b": {"image": "postgis/postgis:16-3.4"}}
    assert find_database(project(services)) is None


def test_naming_a_missing_service_says_which_there_are() -> None:
    with pytest.raises(SpecError, match="no service 'dbx'.*") as err:
        find_database(
            project(
                {"db": {"image": "postgres:16"}},
                **{"x-dockdjango": {"database": {"service": "dbx"}}},
            )
        )
    assert "db" in (err.value.hint or "")


def test_the_django_service_depends_on_the_database_and_is_built() -> None:
    found = find_database(
        project(
            {
                "db": {"image": "postgres:16"},
                "cache": {"image": "redis:7", "depends_on": ["db"]},
                "app": {"build": ".", "depends_on": ["db"], "command": "gunicorn x"},
            }
        )
    )
    assert found is not None and found.django == "app" and not found.migrates_on_start


@pytest.mark.parametrize(
    "command, migrates",
    [
        ("sh -c 'python manage.py migrate && python manage.py runserver'", True),
        ("python manage.py makemigrations --check", False),
        ("python manage.py runserver 0.0.0.0:8000", False),
    ],
)
def test_a_command_that_migrates_is_seen(command: str, migrates: bool) -> None:
    found = find_database(
        project(
            {
                "db": {"image": "postgres:16"},
                "web": {"build": ".", "depends_on": ["db"], "command": command},
            }
        )
    )
    assert found is not None and found.migrates_on_start is migrates


# -- names and marks ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["before-refactor", "v1.2", "a", "x" * 40, "main_2025"])
def test_snapshot_names_people_type(name: str) -> None:
    assert check_snapshot_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", "with space", "x" * 41, "a/b", "ü"])
def test_snapshot_names_refused_with_the_rule(name: str) -> None:
    with pytest.raises(DockdjangoError) as err:
        check_snapshot_name(name)
    assert "letters, digits" in (err.value.hint or "")


def test_names_fit_postgresqls_63_bytes_and_stay_distinct() -> None:
    long = "a_very_long_database_name_" * 3
    names = {
        snapshot_db(long, "x" * 40),
        snapshot_db(long, "y" * 40),
        branch_db(long, "feature/very-long-branch-name-indeed"),
        scratch_db(long, "new"),
    }
    assert len(names) == 4 and all(len(n.encode()) <= MAX_NAME for n in names)
    assert snapshot_db("library", "first") == "library__dd_snap_first"
    assert scratch_db("library", "old").startswith(scratch_prefix("library", "old"))
    assert branch_db("library", "feature/x") != branch_db("library", "feature-x")


def test_kept_databases_are_known_by_their_comment_not_their_name() -> None:
    rows = [
        ["library__dd_snap_a", "16400", "8000000", comment("snapshot", "library", name="a")],
        ["library__dd_snap_b", "16401", "10", comment("snapshot", "other", name="b")],
        ["library__dd_snap_c", "16402", "10", "a user's own comment"],
        ["library__dd_spare", "16403", "10", comment("spare", "library", name="a", source=16400)],
        ["library", "16384", "8000000", comment("active", "library", branch="main")],
    ]
    kept = kept_databases(rows, "library")
    assert [(k.kind, k.name) for k in kept] == [("snapshot", "a"), ("spare", "a")]
    assert read_comment("{not json") == {} and read_comment(None) == {}


def test_the_copy_strategy_follows_size_and_version() -> None:
    assert copy_statement("t", "s", 10, 150020).endswith("STRATEGY WAL_LOG")
    assert copy_statement("t", "s", 2 * 1024**3, 160004).endswith("STRATEGY FILE_COPY")
    assert "STRATEGY" not in copy_statement("t", "s", 2 * 1024**3, 140010)


def test_an_access_list_becomes_grants() -> None:
    assert acl_statements("app", "") == []
    assert acl_statements("app", "{=Tc/app,app=CTc/app,web=c/app}") == [
        'REVOKE ALL ON DATABASE "app" FROM PUBLIC',
        'GRANT TEMPORARY, CONNECT ON DATABASE "app" TO PUBLIC',
        'GRANT CREATE, TEMPORARY, CONNECT ON DATABASE "app" TO "app"',
        'GRANT CONNECT ON DATABASE "app" TO "web"',
    ]


def test_a_swap_carries_owner_settings_limit_and_comment() -> None:
    hexed = b"work_mem=64MB\x1fsearch_path=app, public".hex()
    keep = DatabaseSettings.from_row(["app", "", "20", hexed, "-"])
    assert keep.comment is None and keep.settings == ("work_mem=64MB", "search_path=app, public")
    sql = keep.statements("app", comment="it's mine")
    assert sql[0] == 'ALTER DATABASE "app" OWNER TO "app"'
    assert 'ALTER DATABASE "app" WITH ALLOW_CONNECTIONS true CONNECTION LIMIT 20' in sql
    assert """ALTER DATABASE "app" SET "search_path" = 'app, public'""" in sql
    assert sql[-1] == """COMMENT ON DATABASE "app" IS 'it''s mine'"""


def test_copy_text_fields_are_unescaped() -> None:
    assert copy_fields('a\\\\b\tc\\td\t{"x": 1}') == ["a\\b", "c\td", '{"x": 1}']


def test_sizes_and_ages_read_as_people_say_them() -> None:
    assert human_size(1_125_039_463) == "1.1 GB"
    assert human_size(14_000_000) == "14 MB"
    assert human_size(512) == "512 B"
    now = datetime(2025, 12, 7, 15, 0, tzinfo=UTC)
    assert human_age(now - timedelta(seconds=5), now) == "5 s ago"
    assert human_age(now - timedelta(minutes=3), now) == "3 min ago"
    assert human_age(now - timedelta(days=1, hours=2), now) == "1 day ago"
    assert human_age(None) == "?"


def test_default_snapshot_names_are_valid_for_any_branch() -> None:
    at = datetime(2025, 12, 7, 15, 30, tzinfo=UTC)
    assert default_name("feature/x", at) == "feature-x-20251207-153000"
    assert default_name("", at) == "snapshot-20251207-153000"
    assert check_snapshot_name(default_name("ünïcode/../weird name" * 3, at))


# -- migrations and drift -----------------------------------------------------------------


SQUASH = """
from django.db import migrations
class Migration(migrations.Migration):
    replaces = [("orders", "0001_initial"), ("orders", "0002_total")]
"""


def test_migration_files_are_read_with_labels_and_squashes(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "shop/orders/apps.py": "class C:\n    name = 'shop.orders'\n    label = 'orders'\n",
            "shop/orders/migrations/__init__.py": "",
            "shop/orders/migrations/0001_squashed_0002_total.py": SQUASH,
            "shop/orders/migrations/0003_refund.py": "",
            "shop/orders/migrations/_helpers.py": "",
            "books/migrations/__init__.py": "",
            "books/migrations/0001_initial.py": "",
            ".venv/lib/site-packages/x/migrations/__init__.py": "",
            ".venv/lib/site-packages/x/migrations/0001_initial.py": "",
            "notes/migrations/0001_no_package.py": "",
        },
    )
    code = scan_migrations(root)
    assert code.apps == {
        "orders": {"0001_squashed_0002_total", "0003_refund"},
        "books": {"0001_initial"},
    }
    assert code.known("orders") >= {"0001_initial", "0002_total"}


def test_the_library_examples_migrations_are_all_found() -> None:
    code = scan_migrations(LIBRARY)
    assert code.apps == {"books": {"0001_initial"}}


def test_drift_both_ways_and_squashes_honoured(tmp_path: Path) -> None:
    code = scan_migrations(
        write(
            tmp_path,
            {
                "orders/migrations/__init__.py": "",
                "orders/migrations/0001_squashed_0002_total.py": SQUASH,
                "orders/migrations/0003_refund.py": "",
            },
        )
    )
    applied = [
        ("orders", "0001_initial"),
        ("orders", "0002_total"),
        ("orders", "0004_from_another_branch"),
        ("auth", "0001_initial"),  # a package's app: not on disk, not compared
    ]
    drift = compare("shop", applied, code)
    assert drift.unknown == ("orders.0004_from_another_branch",)
    assert drift.unapplied == ("orders.0003_refund",)
    squash_applied = [
        *applied[:2],
        ("orders", "0001_squashed_0002_total"),
        ("orders", "0003_refund"),
    ]
    assert compare("shop", squash_applied, code).clean


def test_drift_lines_name_the_migrations_and_the_fix(tmp_path: Path) -> None:
    code = scan_migrations(
        write(tmp_path, {"a/migrations/__init__.py": "", "a/migrations/0001_x.py": ""})
    )
    drift = compare("shop", [("a", "0001_x"), ("a", "0002_y")], code)
    (line,) = report(drift, django="web", migrates_on_start=False, per_branch=False)
    assert line[0] and "a.0002_y" in line[1] and "per_branch" in line[1]
    fresh = compare("shop", [], code, migrated=False)
    assert report(fresh, django="web", migrates_on_start=True, per_branch=False) == []
    (todo,) = report(fresh, django="web", migrates_on_start=False, per_branch=True)
    assert "dockdjango exec web python manage.py migrate" in todo[1]
    behind = compare("shop", [("b", "0001_x")], code)
    (note,) = report(behind, django="web", migrates_on_start=True, per_branch=False)
    assert note == (False, "web applies as it starts: a.0001_x")


# -- git branches -------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_branch_is_read_from_head_in_a_repository_and_a_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "app" / "x").write_text("x")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "x")
    assert git_branch(repo / "app") == "main"
    git(repo, "worktree", "add", "-q", "-b", "feature/y", str(tmp_path / "wt"))
    assert git_branch(tmp_path / "wt" / "app") == "feature/y"
    git(repo, "checkout", "-q", "--detach")
    assert git_branch(repo) is None
    assert git_branch(tmp_path) is None  # no repository above


def test_switch_lines_say_what_happened() -> None:
    made = Switch("feature", "main", created=True, switched=True).line("shop")
    assert made == "database: feature's own copy of shop (made from main's); main's is kept"
    first = Switch("main", "", created=False, switched=False).line("shop")
    assert "now main's" in first
