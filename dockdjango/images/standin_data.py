"""Whether a stand-in may open the data a volume already holds.

A stand-in is often another version than the one asked for (``postgres:14`` gets Debian's
PostgreSQL 15), and a database server of another version either cannot open a data
directory (PostgreSQL: any other major version) or changes it so that the version that
wrote it no longer can (MariaDB upgrades the files of an older release in place; MySQL's
it cannot use at all). So before a stand-in starts on a volume that holds data, the
version marker the server wrote is read, and a mismatch is refused on one line with the
fix -- the container is never started, so it cannot crash-loop nor write into the volume.
The stand-ins' entry points apply the same rule, for whoever starts them another way
(``docker compose up`` on the files ``init`` wrote).

Markers: PostgreSQL's ``PG_VERSION`` (the major version, ``15``); MariaDB's
``mariadb_upgrade_info`` / ``mysql_upgrade_info`` (``10.11.6-MariaDB``), which the
stand-in writes after initialising, as ``mariadb-upgrade`` does; MySQL's ``auto.cnf``
(MariaDB writes none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dockdjango.images.standins import DEBIAN_SERVERS, StandIn

#: Where each kind keeps its data, as the official images do (``bitnami`` flavour apart).
DATA_DIRS = {"postgres": "/var/lib/postgresql/data", "mariadb": "/var/lib/mysql"}
_BITNAMI_DIRS = {"postgres": "/bitnami/postgresql/data"}
_MARKERS = {
    "postgres": ("PG_VERSION",),
    "mariadb": ("mariadb_upgrade_info", "mysql_upgrade_info", "auto.cnf"),
}


@dataclass(frozen=True)
class DataDir:
    """The data directory of a stand-in's server and the marker files to read in it."""

    path: str
    markers: tuple[str, ...]


@dataclass(frozen=True)
class DataRefusal:
    """Why a stand-in must not start on the data a mount holds, and the fix."""

    message: str
    hint: str


def data_dir(stand_in: StandIn, environment: Mapping[str, str]) -> DataDir | None:
    """Where ``stand_in`` keeps its data under ``environment`` (``PGDATA``), with the files
    that say which version wrote it; None for servers whose data needs no check."""
    if stand_in.kind not in _MARKERS:
        return None
    path = DATA_DIRS[stand_in.kind]
    if stand_in.kind == "postgres":
        bitnami = _BITNAMI_DIRS["postgres"] if stand_in.flavour == "bitnami" else path
        path = environment.get("PGDATA") or bitnami
    return DataDir(path.rstrip("/") or "/", _MARKERS[stand_in.kind])


def covers(mount_target: str, path: str) -> bool:
    """True when a mount at ``mount_target`` holds ``path`` (the same, or a parent)."""
    target = mount_target.rstrip("/") or "/"
    return path == target or path.startswith(target.rstrip("/") + "/")


def check_data(
    stand_in: StandIn,
    found: Mapping[str, str | None],
    *,
    where: str,
    environment: Mapping[str, str] | None = None,
) -> DataRefusal | None:
    """The refusal when the markers ``found`` (file name -> text, None when absent) say that
    another version wrote the data ``where`` names (``volume demo_pgdata``); else None."""
    if stand_in.kind == "postgres":
        return _postgres(stand_in, (found.get("PG_VERSION") or "").strip(), where)
    if stand_in.kind == "mariadb":
        return _mariadb(stand_in, found, where, environment or {})
    return None


def _postgres(stand_in: StandIn, written: str, where: str) -> DataRefusal | None:
    if not written or written == stand_in.version:
        return None
    shipped = {v for _, v in DEBIAN_SERVERS["postgres"].values()}
    given = f"the stand-in for {stand_in.asked} is PostgreSQL {stand_in.version} ({stand_in.ref})"
    message = (
        f"{where} holds data of PostgreSQL {written}, and {given}, which cannot open it: "
        "not started, nothing in it was changed"
    )
    if written in shipped:
        hint = (
            f"ask for the version that wrote it (image: postgres:{written}; dockdjango "
            f"stands in with Debian's PostgreSQL {written}), or start afresh: "
            "`dockdjango down -v` deletes the project's volumes"
        )
    else:
        hint = (
            f"keep the data: dump it with PostgreSQL {written} where postgres:{written} can "
            "be pulled (pg_dumpall) and load it here; or start afresh: `dockdjango down -v` "
            "deletes the project's volumes"
        )
    return DataRefusal(message, hint)


def _mariadb(
    stand_in: StandIn, found: Mapping[str, str | None], where: str, env: Mapping[str, str]
) -> DataRefusal | None:
    info = (found.get("mariadb_upgrade_info") or found.get("mysql_upgrade_info") or "").strip()
    given = f"the stand-in for {stand_in.asked} is MariaDB {stand_in.version} ({stand_in.ref})"
    afresh = "or start afresh: `dockdjango down -v` deletes the project's volumes"
    if not info and found.get("auto.cnf") is not None:
        return DataRefusal(
            f"{where} holds data written by MySQL, and {given}, which cannot use it: not "
            "started, nothing in it was changed",
            f"keep the data: dump it with MySQL where its image can be pulled (mysqldump) and "
            f"load it here; {afresh}",
        )
    written = ".".join(info.split("-")[0].split(".")[:2])
    if not written or written == stand_in.version:
        return None
    newer = _tuple(written) > _tuple(stand_in.version)
    upgrade = env.get("MARIADB_AUTO_UPGRADE", "")
    if not newer and upgrade.strip().lower() not in ("", "0", "false", "no"):
        return None  # asked for: MariaDB upgrades the files, as the official image does
    what = "cannot open it" if newer else f"would upgrade it so that MariaDB {written} cannot"
    fix = (
        f"keep the data: dump it with MariaDB {written} where its image can be pulled "
        "(mariadb-dump) and load it here"
        if newer
        else f"set MARIADB_AUTO_UPGRADE=1 to let MariaDB {stand_in.version} upgrade it"
    )
    return DataRefusal(
        f"{where} holds data of MariaDB {written}, and {given}, which {what}: not started, "
        "nothing in it was changed",
        f"{fix}; {afresh}",
    )


def _tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())
