"""A stand-in never opens data another version wrote: the rule, without a daemon."""

from __future__ import annotations

import pytest

from dockdjango.images.standin_data import check_data, covers, data_dir
from dockdjango.images.standins import stand_in_for


def _stand_in(ref: str):
    found = stand_in_for(ref)
    assert found is not None
    return found


def test_the_data_directory_follows_pgdata_and_the_flavour() -> None:
    assert data_dir(_stand_in("postgres:16"), {}).path == "/var/lib/postgresql/data"  # type: ignore[union-attr]
    pgdata = data_dir(_stand_in("postgres:16"), {"PGDATA": "/srv/pg/"})
    assert pgdata is not None and pgdata.path == "/srv/pg" and pgdata.markers == ("PG_VERSION",)
    bitnami = data_dir(_stand_in("bitnami/postgresql:16"), {})
    assert bitnami is not None and bitnami.path == "/bitnami/postgresql/data"
    assert data_dir(_stand_in("mysql:8"), {}).path == "/var/lib/mysql"  # type: ignore[union-attr]
    assert data_dir(_stand_in("redis:7"), {}) is None


@pytest.mark.parametrize(
    ("target", "path", "held"),
    [
        ("/var/lib/postgresql/data", "/var/lib/postgresql/data", True),
        ("/var/lib/postgresql", "/var/lib/postgresql/data", True),  # PostgreSQL 18's layout
        ("/var/lib/postgresql/data/", "/var/lib/postgresql/data", True),
        ("/var/lib/postgres", "/var/lib/postgresql/data", False),
        ("/docker-entrypoint-initdb.d", "/var/lib/postgresql/data", False),
    ],
)
def test_which_mounts_hold_the_data(target: str, path: str, held: bool) -> None:
    assert covers(target, path) is held


def test_postgres_data_of_another_major_version_is_refused_with_the_fix() -> None:
    stand_in = _stand_in("postgres:14.1")  # Debian has no 14: 15 is given
    assert stand_in.version == "15"
    assert check_data(stand_in, {}, where="volume demo_pgdata") is None  # empty: initialised
    assert check_data(stand_in, {"PG_VERSION": "15\n"}, where="volume demo_pgdata") is None
    refusal = check_data(stand_in, {"PG_VERSION": "14\n"}, where="volume demo_pgdata")
    assert refusal is not None
    assert refusal.message == (
        "volume demo_pgdata holds data of PostgreSQL 14, and the stand-in for postgres:14.1 "
        "is PostgreSQL 15 (dockdjango/postgres:15-bookworm), which cannot open it: not "
        "started, nothing in it was changed"
    )
    assert "pg_dumpall" in refusal.hint and "`dockdjango down -v`" in refusal.hint
    # data of a version Debian ships: ask for that one
    newer = check_data(_stand_in("postgres:16"), {"PG_VERSION": "17"}, where="volume v")
    assert newer is not None and newer.hint.startswith("ask for the version that wrote it")
    assert "image: postgres:17" in newer.hint


def test_mariadb_refuses_mysql_data_newer_data_and_unasked_upgrades() -> None:
    maria = _stand_in("mariadb:10.6")  # 10.11 given
    where = "volume demo_dbdata"
    assert check_data(maria, {}, where=where) is None
    assert check_data(maria, {"mysql_upgrade_info": "10.11.6-MariaDB"}, where=where) is None
    mysql = check_data(_stand_in("mysql:8"), {"auto.cnf": "[auto]\n"}, where=where)
    assert mysql is not None and "holds data written by MySQL" in mysql.message
    newer = check_data(maria, {"mariadb_upgrade_info": "11.4.2-MariaDB"}, where=where)
    assert (
        newer is not None and "MariaDB 11.4" in newer.message and "cannot open it" in newer.message
    )
    older = check_data(maria, {"mysql_upgrade_info": "10.6.18-MariaDB"}, where=where)
    assert older is not None and older.hint.startswith("set MARIADB_AUTO_UPGRADE=1")
    asked = check_data(
        maria,
        {"mysql_upgrade_info": "10.6.18-MariaDB"},
        where=where,
        environment={"MARIADB_AUTO_UPGRADE": "1"},
    )
    assert asked is None
