"""Snapshots on a real PostgreSQL, through the CLI a user types: the exact rows come back,
an interrupted restore leaves the database usable, ``down -v`` names what it deletes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.database.conftest import DbStack

pytestmark = pytest.mark.engine

CHECKSUM = "SELECT count(*), sum(hashtext(id || ':' || name || ':' || payload)::bigint) FROM items"


def fill(stack: DbStack, rows: int, width: int = 2) -> tuple[int, str]:
    """A table of ``rows`` generated rows, ``32 * width`` bytes of payload each; its count
    and checksum."""
    stack.sql(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, payload text NOT NULL);"
        f"INSERT INTO items SELECT g, 'item ' || g, repeat(md5(g::text), {width}) "
        f"FROM generate_series(1, {rows}) g"
    )
    return checksum(stack)


def checksum(stack: DbStack) -> tuple[int, str]:
    (row,) = stack.sql(CHECKSUM)
    return int(row[0]), str(row[1])


def scribble(stack: DbStack) -> None:
    """An experiment that goes wrong: rows changed, removed, added, a table made."""
    stack.sql(
        "UPDATE items SET name = name || ' (edited)' WHERE id % 7 = 0;"
        "DELETE FROM items WHERE id % 11 = 0;"
        "INSERT INTO items VALUES (-1, 'stray', 'x');"
        "CREATE TABLE junk (x int)"
    )


def wait_for(condition, timeout: float = 60.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def kept_names(stack: DbStack, part: str) -> list[str]:
    rows = stack.sql(f"SELECT datname FROM pg_database WHERE datname LIKE '%{part}%'", "postgres")
    return [r[0] for r in rows]


def test_a_snapshot_restores_the_exact_rows_by_copy_then_by_the_ready_copy(
    db_stack: DbStack,
) -> None:
    before = fill(db_stack, 20_000)
    db_stack.sql("ALTER DATABASE shop SET work_mem = '7MB'")  # the database's own settings
    out = db_stack.cli("db", "snapshot", "base", "--no-spare").stdout
    assert "snapshot base of shop" in out

    scribble(db_stack)
    assert checksum(db_stack) != before
    out = db_stack.cli("db", "restore", "base").stdout
    assert "shop restored to snapshot base: copied, then swapped in" in out
    assert checksum(db_stack) == before
    assert db_stack.sql("SELECT to_regclass('junk')") == [(None,)]
    assert db_stack.sql("SHOW work_mem") == [("7MB",)]  # carried over to the restored copy

    # the restore left a ready copy of "base" being made; once there, a restore is a rename
    assert wait_for(lambda: kept_names(db_stack, "__dd_spare") != [])
    scribble(db_stack)
    out = db_stack.cli("db", "restore", "base").stdout
    assert "ready copy swapped in" in out
    assert checksum(db_stack) == before
    assert db_stack.sql("SHOW work_mem") == [("7MB",)]

    listed = json.loads(db_stack.cli("db", "list", "--json").stdout)
    assert [(s["name"], s["size"] > 0) for s in listed] == [("base", True)]
    assert db_stack.cli("db", "snapshot", "base", check=False).returncode == 1
    assert wait_for(lambda: not kept_names(db_stack, "__dd_old_")), "old copies were dropped"


def test_snapshots_survive_down_and_down_v_names_them_before_deleting(db_stack: DbStack) -> None:
    fill(db_stack, 100)
    db_stack.cli("db", "snapshot", "one", "--no-spare")
    db_stack.cli("db", "snapshot", "two", "--no-spare")
    db_stack.cli("db", "drop", "two")
    db_stack.cli("down")
    db_stack.cli("up", "-d")
    assert [s["name"] for s in json.loads(db_stack.cli("db", "list", "--json").stdout)] == ["one"]

    db_stack.cli("stop")  # the server is not running: the list it wrote last is read
    down = db_stack.cli("down", "-v")
    (warning,) = [line for line in down.stderr.splitlines() if line.startswith("!")]
    assert warning.startswith(f"! deleting volume {db_stack.name}_pgdata deletes with it"), warning
    assert "(as the server last listed them): one (" in warning and "two" not in warning


def test_a_restore_killed_midway_leaves_the_database_as_it_was(db_stack: DbStack) -> None:
    before = fill(db_stack, 200_000, width=48)  # ~300 MB: the copy takes a while
    db_stack.cli("db", "snapshot", "base", "--no-spare")
    db_stack.sql("UPDATE items SET name = 'changed after the snapshot' WHERE id = 1")
    changed = checksum(db_stack)

    restore = subprocess.Popen(
        [sys.executable, "-m", "dockdjango", "db", "restore", "base"],
        cwd=db_stack.root,
        env={**os.environ, "CI": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    copying = "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'CREATE DATABASE%'"
    try:
        with db_stack.connect("postgres") as watch:
            assert wait_for(lambda: watch.execute(copying).fetchone()[0] > 0, timeout=120)
        restore.send_signal(signal.SIGKILL)
    finally:
        restore.kill()
        restore.wait()

    # the current database is untouched and usable at once: read, write
    assert checksum(db_stack) == changed
    db_stack.sql("INSERT INTO items VALUES (-5, 'written after the kill', 'x')")
    db_stack.sql("DELETE FROM items WHERE id = -5")

    # the server finishes the orphaned copy on its own; the next command drops it
    with db_stack.connect("postgres") as watch:
        assert wait_for(lambda: watch.execute(copying).fetchone()[0] == 0, timeout=180)
    db_stack.cli("db", "restore", "base", "--no-spare")
    assert checksum(db_stack) == before
    assert wait_for(
        lambda: not kept_names(db_stack, "__dd_new_") + kept_names(db_stack, "__dd_old_")
    )


def test_files_a_copy_killed_with_its_server_left_are_removed_and_said(db_stack: DbStack) -> None:
    """A server killed mid-copy leaves a directory in ``base/`` no database owns; the next
    look at the snapshots removes it and says how much it freed."""
    (container,) = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={db_stack.name}"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    (data_dir,) = db_stack.sql("SELECT current_setting('data_directory')")[0]
    stray = f"{data_dir}/base/999999"
    made = subprocess.run(
        ["docker", "exec", "-u", "postgres", container, "sh", "-c",
         f"mkdir {stray} && head -c 2000000 /dev/zero > {stray}/1259"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = db_stack.cli("db", "list")
    assert "removing 2.0 MB left by copies interrupted midway" in listed.stderr, listed.stderr

    def gone() -> bool:
        ls = subprocess.run(["docker", "exec", container, "ls", f"{data_dir}/base"],
                            capture_output=True, text=True)  # fmt: skip
        return "999999" not in ls.stdout.split()

    assert wait_for(gone, timeout=30)
    assert "removing" not in db_stack.cli("db", "list").stderr  # said once, when it was there
