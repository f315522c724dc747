"""The databases dockdjango keeps beside yours, and how they are named, marked and read back.

Pure: names, the JSON each one carries as its comment, and the statements that copy what
``CREATE DATABASE ... TEMPLATE`` does not (owner, grants, settings, connection limit).

Everything lives in the same PostgreSQL cluster as the database it belongs to (so on
the same volume: it survives ``down`` and goes with ``down -v``):

==========================  ==================================================
``<db>__dd_snap_<name>``    a snapshot: a template, no connections allowed
``<db>__dd_spare``          a ready copy of the last snapshot used: restore = rename
``<db>__dd_br_<branch>``    another git branch's database, parked
``<db>__dd_new_<hex>``      a copy being made; dropped if a command was killed
``<db>__dd_old_<hex>``      what a swap put aside; dropped right after
==========================  ==================================================

What a database is comes from its comment (``{"dockdjango": "snapshot", "of": "library",
"name": ...}``), never from its name alone: names are cut to PostgreSQL's 63 bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dockdjango.api.database.psql import ident, literal
from dockdjango.errors import DockdjangoError

#: PostgreSQL's identifier limit, in bytes
MAX_NAME = 63
#: A snapshot's name, as a person types it
SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
#: Above this, a copy writes the files (FILE_COPY) rather than logging every page (WAL_LOG)
FILE_COPY_ABOVE = 100 * 1024 * 1024

KINDS = ("snapshot", "spare", "branch")


def check_snapshot_name(name: str) -> str:
    """``name`` if a snapshot may be called so; else a one-line error saying what may."""
    if not SNAPSHOT_NAME.match(name):
        raise DockdjangoError(
            f"{name!r} is not a snapshot name",
            hint="use up to 40 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit (e.g. before-refactor)",
        )
    return name


def pg_name(database: str, suffix: str) -> str:
    """``<database><suffix>`` within 63 bytes: a long database name is cut and hashed."""
    name = database + suffix
    if len(name.encode()) <= MAX_NAME:
        return name
    digest = hashlib.sha1(database.encode()).hexdigest()[:6]
    room = MAX_NAME - len(suffix.encode()) - 7
    head = database.encode()[:room].decode("utf-8", "ignore")
    return f"{head}_{digest}{suffix}"[:MAX_NAME]


def snapshot_db(database: str, name: str) -> str:
    """The database holding snapshot ``name`` of ``database``."""
    return pg_name(database, f"__dd_snap_{name}")


def spare_db(database: str) -> str:
    """The ready copy of ``database``'s last snapshot used."""
    return pg_name(database, "__dd_spare")


def branch_db(database: str, branch: str) -> str:
    """Where ``database`` is parked while another branch has it."""
    slug = re.sub(r"[^a-z0-9]+", "_", branch.lower()).strip("_")[:20] or "branch"
    digest = hashlib.sha1(branch.encode()).hexdigest()[:6]
    return pg_name(database, f"__dd_br_{slug}_{digest}")


def scratch_db(database: str, what: str) -> str:
    """A uniquely named copy in the making (``new``) or put aside (``old``)."""
    return pg_name(database, f"__dd_{what}_{secrets.token_hex(3)}")


def scratch_prefix(database: str, what: str) -> str:
    """The name every :func:`scratch_db` of ``what`` starts with (for clean-up)."""
    return pg_name(database, f"__dd_{what}_000000")[: -len("000000")]


def now() -> str:
    """The time, as comments record it: ``2025-12-07T15:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def comment(kind: str, of: str, **fields: Any) -> str:
    """The JSON a kept database carries as its comment."""
    return json.dumps({"dockdjango": kind, "of": of, **fields}, sort_keys=True)


def read_comment(text: str | None) -> dict[str, Any]:
    """A comment dockdjango wrote, as a dict; {} for any other (a user's own, or none)."""
    if not text or not text.startswith("{"):
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) and data.get("dockdjango") else {}


@dataclass(frozen=True)
class KeptDatabase:
    """A database dockdjango keeps beside yours: a snapshot, the spare, a parked branch."""

    datname: str
    oid: int
    size: int  # bytes
    info: Mapping[str, Any]

    @property
    def kind(self) -> str:
        """``snapshot``, ``spare`` or ``branch``."""
        return str(self.info.get("dockdjango", ""))

    @property
    def name(self) -> str:
        """The snapshot's name, or the branch parked here."""
        return str(self.info.get("name") or self.info.get("branch") or "")

    @property
    def created(self) -> datetime | None:
        """When it was made (from its comment)."""
        try:
            return datetime.strptime(str(self.info.get("created")), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        except ValueError:
            return None


#: Every database with a comment, and its size: one query for list, clean-up and restore
KEPT_QUERY = (
    "SELECT datname, oid, pg_database_size(oid), "
    "coalesce(replace(shobj_description(oid, 'pg_database'), E'\\n', ' '), '') "
    "FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE '{%'"
)


def kept_databases(rows: Sequence[Sequence[str]], of: str) -> list[KeptDatabase]:
    """The rows of :data:`KEPT_QUERY` that dockdjango keeps for database ``of``."""
    out = []
    for row in rows:
        if len(row) < 4:
            continue
        info = read_comment(row[3])
        if info.get("of") == of and info.get("dockdjango") in KINDS:
            out.append(KeptDatabase(row[0], int(row[1]), int(row[2] or 0), info))
    return out


def copy_fields(line: str) -> list[str]:
    """One line of a file ``COPY ... TO`` wrote (text format): its fields, unescaped."""
    escapes = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    return [re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[1]), f) for f in line.split("\t")]


@dataclass(frozen=True)
class DatabaseSettings:
    """What ``CREATE DATABASE ... TEMPLATE`` does not copy and a swap must carry over."""

    owner: str
    acl: str  # '{=Tc/app,app=CTc/app}' or '' (the defaults)
    connlimit: int
    settings: tuple[str, ...]  # 'work_mem=64MB', ...
    comment: str | None

    # the comment and settings travel hex-encoded: a user's may hold tabs or newlines
    QUERY = (
        "SELECT d.datdba::regrole, coalesce(d.datacl::text, ''), d.datconnlimit, "
        "coalesce((SELECT encode(convert_to(array_to_string(s.setconfig, E'\\x1f'), 'UTF8'), "
        "'hex') FROM pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole = 0), ''), "
        "coalesce(encode(convert_to(shobj_description(d.oid, 'pg_database'), 'UTF8'), 'hex'), "
        "'-') FROM pg_database d WHERE d.datname = {name}"
    )

    @classmethod
    def query(cls, database: str) -> str:
        """The query whose one row :meth:`from_row` reads."""
        return cls.QUERY.format(name=literal(database))

    @classmethod
    def from_row(cls, row: Sequence[str]) -> DatabaseSettings:
        """Read one row of :meth:`query`."""
        owner, acl, connlimit, settings, text = row
        return cls(
            owner=owner.strip('"').replace('""', '"'),
            acl=acl,
            connlimit=int(connlimit),
            settings=tuple(s for s in bytes.fromhex(settings).decode().split("\x1f") if s),
            comment=None if text == "-" else bytes.fromhex(text).decode(),
        )

    def statements(self, database: str, *, comment: str | None = None) -> list[str]:
        """Statements giving ``database`` these settings (and ``comment``)."""
        db = ident(database)
        out = [f"ALTER DATABASE {db} OWNER TO {ident(self.owner)}"]
        out.append(
            f"ALTER DATABASE {db} WITH ALLOW_CONNECTIONS true CONNECTION LIMIT {self.connlimit}"
        )
        for setting in self.settings:
            key, _, value = setting.partition("=")
            out.append(f"ALTER DATABASE {db} SET {ident(key)} = {literal(value)}")
        out += acl_statements(database, self.acl)
        out.append(f"COMMENT ON DATABASE {db} IS {literal(comment)}")
        return out


_PRIVILEGES = {"C": "CREATE", "T": "TEMPORARY", "c": "CONNECT"}
#: One item of an access list: grantee (maybe quoted, maybe empty for PUBLIC), privileges
_ACL_ITEM = re.compile(r'"?((?:"(?:[^"]|"")*")|[^=",]*)=([A-Za-z*]*)/[^,]*"?')


def acl_statements(database: str, acl: str) -> list[str]:
    """GRANT/REVOKE statements that give ``database`` the access list ``acl``.

    ``acl`` is ``pg_database.datacl`` as text (``{=Tc/app,app=CTc/app,web=c/app}``); empty
    means the defaults, which a new database already has. A grantee left empty is PUBLIC.
    """
    if not acl:
        return []
    db = ident(database)
    out = [f"REVOKE ALL ON DATABASE {db} FROM PUBLIC"]
    for grantee, letters in _ACL_ITEM.findall(acl.strip("{}")):
        plain = [_PRIVILEGES[c] for c in letters if c in _PRIVILEGES]
        if not plain:
            continue
        if grantee.startswith('"'):
            grantee = grantee[1:-1].replace('""', '"')
        who = ident(grantee) if grantee else "PUBLIC"
        out.append(f"GRANT {', '.join(plain)} ON DATABASE {db} TO {who}")
    return out


def copy_statement(target: str, source: str, size: int, version: int) -> str:
    """``CREATE DATABASE target TEMPLATE source`` with the copy strategy that suits ``size``.

    WAL_LOG (PostgreSQL 15's default) logs every page it copies: fine for small databases,
    a second copy's worth of WAL for big ones. FILE_COPY copies the files between two
    checkpoints: measured 2-3x faster at 1 GB. Before 15 there is no choice to make.
    """
    sql = f"CREATE DATABASE {ident(target)} TEMPLATE {ident(source)}"
    if version >= 150000:
        sql += " STRATEGY " + ("FILE_COPY" if size > FILE_COPY_ABOVE else "WAL_LOG")
    return sql


def terminate(database: str) -> str:
    """A query closing every other session on ``database``; prints how many there were."""
    return (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = {literal(database)} AND pid <> pg_backend_pid()"
    )


def human_size(size: int) -> str:
    """``1.1 GB``, ``14 MB``, ``812 kB``."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if value >= 10 or unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


def human_age(then: datetime | None, at: datetime | None = None) -> str:
    """``3 min ago``, ``2 h ago``, ``5 days ago`` (``?`` when unknown)."""
    if then is None:
        return "?"
    seconds = int(((at or datetime.now(UTC)) - then).total_seconds())
    for size, unit in ((86400, "days"), (3600, "h"), (60, "min")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {'day' if unit == 'days' and count == 1 else unit} ago"
    return f"{max(seconds, 0)} s ago"
