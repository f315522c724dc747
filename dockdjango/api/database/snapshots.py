"""Snapshots of a PostgreSQL database, restored by swapping names, never by replaying SQL.

A snapshot is a template copy of the database in the same cluster (``CREATE DATABASE
snap TEMPLATE db``: the server copies files, it parses nothing). Restoring makes a copy
of the snapshot under a scratch name and then, in **one transaction**, renames the
current database aside and the copy into its place. Whatever kills the command before
that transaction commits -- Ctrl-C, SIGKILL, the container -- leaves the current
database as it was; the scratch copy is dropped by the next command. After the commit,
the old database is dropped in the background.

A **spare** makes restoring instant: after a snapshot (and after each restore), a copy
of that snapshot is made in the background inside the container. The next restore of
the same snapshot only renames it in (0.01 s for 1 GB, measured) instead of copying.
It costs the snapshot's size again on disk, for the last snapshot used only.

Connections to the database are closed for the copy and the swap (a snapshot must copy
a database nobody writes to); a Django app reconnects on its next request.

Each command is two or three ``docker exec``\\ s: one reads the cluster (:class:`Cluster`),
one copies and swaps, one starts the background work (drop what was put aside, make the
spare, drop what an interrupted command left).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dockdjango.api.database.catalog import (
    DatabaseSettings,
    KeptDatabase,
    comment,
    copy_statement,
    kept_databases,
    now,
    scratch_db,
    scratch_prefix,
    snapshot_db,
    spare_db,
    terminate,
)
from dockdjango.api.database.psql import DatabaseError, Psql, ident, literal
from dockdjango.errors import DockdjangoError

Say = Callable[[str], None]

#: How often a swap is tried when a client reconnected between the terminate and the
#: rename (PostgreSQL then fails with "being accessed by other users" after a 5 s wait)
ATTEMPTS = 3
BUSY = "being accessed by other users"
#: What is kept, written into the data directory by the server itself (relative paths of
#: COPY are the data directory's), so ``down -v`` can name it with the server stopped
MIRROR_FILE = "dockdjango-kept.tsv"
#: Directories of ``base/`` no database owns, with their size
ORPHANS = (
    "SELECT d, (SELECT coalesce(sum((pg_stat_file('base/' || d || '/' || f, true)).size), 0) "
    "FROM pg_ls_dir('base/' || d, true, false) f) FROM pg_ls_dir('base') d "
    "WHERE d ~ '^[0-9]+$' AND d::oid NOT IN (SELECT oid FROM pg_database) "
    # a copy being made has a directory and no row yet: none may run (checked here, in
    # the same statement, as well as by the caller)
    "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity "
    "WHERE query ILIKE 'CREATE DATABASE%' AND pid <> pg_backend_pid())"
)


def mirror(database: str, data_dir: str) -> str:
    """The statement writing :data:`MIRROR_FILE` in ``data_dir``: what is kept for ``database``."""
    marked = "shobj_description(oid, 'pg_database')"
    return (
        f"COPY (SELECT datname, oid, pg_database_size(oid), {marked} FROM pg_database "
        f"WHERE {marked} LIKE '{{%' AND {marked}::jsonb->>'of' = {literal(database)}) "
        f"TO {literal(data_dir.rstrip('/') + '/' + MIRROR_FILE)}"
    )


@dataclass(frozen=True)
class Cluster:
    """The cluster as one ``psql`` call sees it: version, databases, the target's settings."""

    database: str
    version: int
    #: a CREATE DATABASE is running (a copy in the making looks like a leftover until done)
    busy: bool
    #: the server's data directory, if the role may write files there (a superuser)
    data_dir: str
    rows: tuple[tuple[str, ...], ...]  # (datname, oid, size, comment) of every database
    settings: DatabaseSettings | None  # None: the database does not exist

    @classmethod
    def commands(cls, database: str) -> list[str]:
        """The statements whose tagged rows :meth:`read` parses (one ``-c`` each)."""
        return [
            "SELECT 'version', current_setting('server_version_num'), r.rolsuper, "
            "CASE WHEN r.rolsuper THEN current_setting('data_directory') ELSE '' END "
            "FROM pg_roles r WHERE r.rolname = current_user",
            "SELECT 'busy', count(*) FROM pg_stat_activity "
            "WHERE query ILIKE 'CREATE DATABASE%' AND pid <> pg_backend_pid()",
            "SELECT 'db', datname, oid, pg_database_size(oid), "
            "translate(coalesce(shobj_description(oid, 'pg_database'), ''), E'\\t\\n\\r', '   ') "
            "FROM pg_database WHERE datname <> 'template0'",
            "SELECT 'settings', s.* FROM (" + DatabaseSettings.query(database) + ") s",
        ]

    @classmethod
    def read(cls, psql: Psql, database: str) -> Cluster:
        """Read the cluster in one exec."""
        rows = psql.run(*cls.commands(database))
        tagged: dict[str, list[list[str]]] = {}
        for row in rows:
            tagged.setdefault(row[0], []).append(row[1:])
        settings = tagged.get("settings")
        return cls(
            database,
            int(tagged["version"][0][0]),
            tagged["busy"][0][0] != "0",
            tagged["version"][0][2] if tagged["version"][0][1] == "t" else "",
            tuple(tuple(r) for r in tagged.get("db", [])),
            DatabaseSettings.from_row(settings[0]) if settings else None,
        )

    def kept(self) -> list[KeptDatabase]:
        """Every database kept beside this one (snapshots, spare, parked branches)."""
        return kept_databases(self.rows, self.database)

    def snapshots(self) -> list[KeptDatabase]:
        """The snapshots, oldest first."""
        snaps = [k for k in self.kept() if k.kind == "snapshot"]
        return sorted(snaps, key=lambda k: (str(k.info.get("created", "")), k.name))

    def find(self, name: str) -> KeptDatabase:
        """Snapshot ``name``; an error naming the ones there are when it is missing."""
        snaps = self.snapshots()
        for snap in snaps:
            if snap.name == name:
                return snap
        there = ", ".join(s.name for s in snaps) or "none yet"
        raise DockdjangoError(
            f"no snapshot {name!r} of database {self.database} (snapshots: {there})",
            hint=f"take one with: dockdjango db snapshot {name}",
        )

    def spare_for(self, snap: KeptDatabase) -> KeptDatabase | None:
        """The spare, if it is a copy of ``snap`` (it is marked only once complete)."""
        for kept in self.kept():
            if kept.kind == "spare" and kept.info.get("source") == snap.oid:
                return kept
        return None

    def size(self, datname: str) -> int:
        """The size of database ``datname`` in bytes (0 when unknown)."""
        return next((int(r[2]) for r in self.rows if r[0] == datname), 0)

    def leftovers(self) -> list[str]:
        """What interrupted commands left: scratch copies (unless a copy is running) and
        spares of snapshots that are gone."""
        out = []
        if not self.busy:
            prefixes = tuple(scratch_prefix(self.database, w) for w in ("new", "old"))
            out += [r[0] for r in self.rows if r[0].startswith(prefixes)]
        kept = self.kept()
        snaps = {k.oid for k in kept if k.kind == "snapshot"}
        out += [k.datname for k in kept if k.kind == "spare" and k.info.get("source") not in snaps]
        return out

    def mirror(self) -> list[str]:
        """The statement writing the list of kept databases into the data directory, for
        ``down -v`` to read with the server stopped (none without the right to)."""
        return [mirror(self.database, self.data_dir)] if self.data_dir else []

    def existing(self, psql: Psql) -> DatabaseSettings:
        """The database's settings; an error when it does not exist."""
        if self.settings is None:
            raise DockdjangoError(
                f"database {self.database} does not exist in service {psql.service}",
                hint="bring the stack up first (dockdjango up -d)",
            )
        return self.settings


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    snapshot: str
    closed: int  # connections closed
    instant: bool  # the spare was swapped in: no copy was waited for
    seconds: float


class Snapshots:
    """Snapshot, restore, list and drop for ``database`` through ``psql``."""

    def __init__(self, psql: Psql, database: str, say: Say | None = None) -> None:
        self.psql = psql
        self.database = database
        self.say = say or (lambda _line: None)

    def cluster(self) -> Cluster:
        """The cluster now (one exec)."""
        return Cluster.read(self.psql, self.database)

    def all(self) -> list[KeptDatabase]:
        """The snapshots, oldest first."""
        return self.cluster().snapshots()

    def kept(self) -> list[KeptDatabase]:
        """Everything kept beside the database."""
        return self.cluster().kept()

    # -- changing --------------------------------------------------------------------------

    def take(
        self, name: str, *, replace: bool = False, spare: bool = True, **info: str
    ) -> KeptDatabase:
        """Snapshot the database as ``name`` (``replace`` an existing one of that name).

        Copied under a scratch name, then renamed and marked in one transaction: a kill at
        any point leaves a scratch copy (dropped next time), never half a snapshot.
        """
        now_ = self.cluster()
        now_.existing(self.psql)
        old = next((s for s in now_.snapshots() if s.name == name), None)
        if old is not None and not replace:
            raise DockdjangoError(
                f"snapshot {name!r} of {self.database} exists already",
                hint=f"choose another name, or replace it: dockdjango db snapshot --replace {name}",
            )
        final, target = snapshot_db(self.database, name), scratch_db(self.database, "new")
        aside = scratch_db(self.database, "old")
        finish = []
        if old is not None:
            finish += [
                f"ALTER DATABASE {ident(old.datname)} WITH IS_TEMPLATE false",
                f"ALTER DATABASE {ident(old.datname)} RENAME TO {ident(aside)}",
            ]
        marks = comment("snapshot", self.database, name=name, created=now(), **info)
        finish += [
            f"ALTER DATABASE {ident(target)} RENAME TO {ident(final)}",
            f"ALTER DATABASE {ident(final)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
            f"COMMENT ON DATABASE {ident(final)} IS {literal(marks)}",
            f"SELECT oid FROM pg_database WHERE datname = {literal(final)}",
        ]
        size = now_.size(self.database)
        copy = copy_statement(target, self.database, size, now_.version)
        _closed, rows = self.closing(self.database, [copy, "; ".join(finish), *now_.mirror()])
        snap = KeptDatabase(final, int(rows[-1][0]), size, {"dockdjango": "snapshot", "name": name})
        self.background(now_, [snap] if spare else [], drop=[aside] if old is not None else [])
        return snap

    def restore(self, name: str, *, spare: bool = True) -> Restored:
        """Bring the database back to snapshot ``name``, atomically."""
        started = time.monotonic()
        now_ = self.cluster()
        keep = now_.existing(self.psql)
        snap = now_.find(name)
        ready = now_.spare_for(snap)
        if ready is not None:
            source = ready.datname
        else:
            source = scratch_db(self.database, "new")
            self.psql.run(copy_statement(source, snap.datname, snap.size, now_.version))
        aside = scratch_db(self.database, "old")
        closed = self.swap(source, keep, comment_text=keep.comment, aside=aside)
        self.background(now_, [snap] if spare else [], drop=[aside])
        return Restored(name, closed, ready is not None, round(time.monotonic() - started, 3))

    def drop(self, name: str) -> KeptDatabase:
        """Remove snapshot ``name`` (and the spare made from it)."""
        now_ = self.cluster()
        snap = now_.find(name)
        spare = now_.spare_for(snap)
        commands = [
            f"ALTER DATABASE {ident(snap.datname)} WITH IS_TEMPLATE false",
            f"DROP DATABASE {ident(snap.datname)}",
        ]
        if spare is not None:
            commands.append(f"DROP DATABASE IF EXISTS {ident(spare.datname)}")
        self.psql.run(*commands, *now_.mirror())
        self.background(now_, [])
        return snap

    # -- the steps -------------------------------------------------------------------------

    def closing(self, source: str, commands: Sequence[str]) -> tuple[int, list[list[str]]]:
        """Close the sessions on ``source``, then run ``commands`` (a copy of ``source``, a
        swap); tried again if a client came back in between. The number of sessions closed
        and the rows the commands printed."""
        for attempt in range(ATTEMPTS):
            try:
                rows = self.psql.run(terminate(source), *commands)
            except DatabaseError as exc:
                if BUSY not in str(exc) or attempt == ATTEMPTS - 1:
                    raise
                continue
            closed = int(rows[0][0]) if rows else 0
            if closed:
                self.say(f"closed {closed} connection(s) to {source}")
            return closed, rows[1:]
        return 0, []  # pragma: no cover (the loop returns or raises)

    def swap(
        self,
        source: str,
        keep: DatabaseSettings,
        *,
        comment_text: str | None,
        aside: str | None = None,
        aside_comment: str | None = None,
    ) -> int:
        """Put ``source`` in the database's place, in one transaction; the connections closed.

        The current database is renamed ``aside`` (default: a scratch name, dropped later,
        with ``aside_comment`` if given), ``source`` takes its name, then its owner, grants,
        settings and connection limit (a copy has none of them) and ``comment_text``.
        """
        aside = aside or scratch_db(self.database, "old")
        statements = [
            f"ALTER DATABASE {ident(self.database)} RENAME TO {ident(aside)}",
            f"ALTER DATABASE {ident(source)} RENAME TO {ident(self.database)}",
            *keep.statements(self.database, comment=comment_text),
        ]
        if aside_comment is not None:
            statements.append(f"COMMENT ON DATABASE {ident(aside)} IS {literal(aside_comment)}")
        return self.closing(self.database, ["; ".join(statements)])[0]

    def background(
        self, before: Cluster, spares: Sequence[KeptDatabase], *, drop: Sequence[str] = ()
    ) -> None:
        """Start, in the container, what nobody has to wait for: dropping ``drop`` (what
        this command put aside) and what interrupted commands left (as of ``before``), then
        making the spare of ``spares[0]`` -- under a scratch name, renamed when complete,
        so a spare that exists is whole."""
        names = [*drop, *before.leftovers()]
        commands = [f"DROP DATABASE IF EXISTS {ident(name)}" for name in names]
        for snap in spares[:1]:
            spare, target = spare_db(self.database), scratch_db(self.database, "new")
            marks = comment("spare", self.database, name=snap.name, source=snap.oid, created=now())
            commands += [
                copy_statement(target, snap.datname, snap.size, before.version),
                f"DROP DATABASE IF EXISTS {ident(spare)}",
                f"ALTER DATABASE {ident(target)} RENAME TO {ident(spare)}; "
                f"ALTER DATABASE {ident(spare)} WITH ALLOW_CONNECTIONS false; "
                f"COMMENT ON DATABASE {ident(spare)} IS {literal(marks)}",
            ]
        if commands:
            self.psql.start(*commands)

    def orphans(self, before: Cluster) -> int:
        """Remove, in the background, the files of copies the server never finished (a
        server or container killed mid-copy leaves a directory no database owns); their
        size in bytes. Only as a superuser (who may list the data directory), and never
        while a copy runs: a copy in the making looks the same."""
        if not before.data_dir or before.busy:
            return 0
        rows = self.psql.run(ORPHANS)
        if not rows:
            return 0
        paths = [f"{before.data_dir}/base/{row[0]}" for row in rows if row[0].isdigit()]
        self.psql.start_shell(["rm", "-rf", "--", *paths])
        return sum(int(row[1] or 0) for row in rows)

    def clean_up(self) -> list[str]:
        """Drop what interrupted commands left, now; their names."""
        left = self.cluster().leftovers()
        if left:
            self.psql.run(*(f"DROP DATABASE IF EXISTS {ident(name)}" for name in left))
        return left

    def settings(self) -> DatabaseSettings:
        """The database's owner, grants, settings and comment (what a copy lacks)."""
        return self.cluster().existing(self.psql)
