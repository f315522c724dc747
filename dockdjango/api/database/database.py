"""``Stack.db``: the stack's database -- snapshots, restore, reset, a database per branch.

```python
stack = Stack.load("compose.yaml")
stack.db.snapshot("before-import")      # seconds, whatever the size: a template copy
...                                     # an experiment goes wrong
stack.db.restore("before-import")       # back, exactly; atomic, never replays SQL
for snap in stack.db.snapshots():
    print(snap.name, snap.size, snap.created)
stack.db.reset()                        # empty, migrated, fixtures loaded
```

Everything runs as ``psql`` inside the database container (no driver on the host, no
published port needed), on the stack's PostgreSQL service (see
:mod:`dockdjango.api.database.target`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from dockdjango.api.database import drift as drift_rules
from dockdjango.api.database.branches import Switch, git_branch, switch_branch
from dockdjango.api.database.catalog import (
    KeptDatabase,
    check_snapshot_name,
    copy_fields,
    human_size,
    kept_databases,
    scratch_db,
)
from dockdjango.api.database.psql import DatabaseError, Psql, ident
from dockdjango.api.database.snapshots import MIRROR_FILE, Restored, Say, Snapshots
from dockdjango.api.database.target import (
    DatabaseService,
    find_database,
    manage_py,
    names_manage_py,
)
from dockdjango.compose import Project
from dockdjango.detection.migrations import scan_migrations
from dockdjango.errors import DockdjangoError

if TYPE_CHECKING:
    import docker


#: ``migrate`` where the image starts, when the service's command does not name manage.py
#: (exit 3: no manage.py or no python there, so nothing was run)
_NOT_THERE = 3
_GUESSED_MIGRATE = (
    "p=$(command -v python || command -v python3) && [ -f manage.py ] || "
    '{ echo "no manage.py (or python) in $PWD" >&2; exit 3; }; '
    'exec "$p" manage.py migrate --noinput'
)


class DatabaseHost(Protocol):
    """What the database needs of a stack (:class:`~dockdjango.api.stack.stack.Stack` is one)."""

    project: Project

    @property
    def client(self) -> docker.DockerClient: ...

    def running_container_id(self, service: str, index: int = 1) -> str: ...

    def exec_attached(self, service: str, cmd: Sequence[str]) -> int: ...

    def run(self, service: str, command: Any = None, **options: Any) -> Any: ...


class StackDatabase:
    """The PostgreSQL database of a stack: see the module docstring."""

    def __init__(self, stack: DatabaseHost, *, say: Say | None = None) -> None:
        self.stack = stack
        self.say: Say = say or (lambda _line: None)
        self._target: DatabaseService | None = None
        #: set by :meth:`before_up`: the database was never migrated and its Django
        #: service does not migrate as it starts, so :meth:`migrate_first` should run
        self.needs_first_migration = False

    # -- what it is ----------------------------------------------------------------------

    @property
    def found(self) -> DatabaseService | None:
        """The stack's PostgreSQL service and database, or None when it has none."""
        if self._target is None:
            self._target = find_database(self.stack.project)
        return self._target

    @property
    def target(self) -> DatabaseService:
        """Like :attr:`found`, but a stack without one is an error saying how to name it."""
        found = self.found
        if found is None:
            raise DockdjangoError(
                f"stack {getattr(self.stack, 'name', '')} has no PostgreSQL service dockdjango "
                "can tell (none, or several, with an image named postgres/postgis...)",
                hint="name it in the compose file: x-dockdjango: {database: {service: db}}",
            )
        return found

    def snapshots_of(self) -> Snapshots:
        """The snapshot operations, on the running database container."""
        target = self.target
        psql = Psql(
            self.stack.client,
            self.stack.running_container_id(target.service),
            target.user,
            target.password,
            target.service,
        )
        return Snapshots(psql, target.database, self.say)

    # -- snapshots -------------------------------------------------------------------------

    def snapshot(
        self, name: str | None = None, *, replace: bool = False, spare: bool = True
    ) -> KeptDatabase:
        """Snapshot the database as ``name`` (default: the branch and the time)."""
        directory = self.stack.project.working_dir
        branch = git_branch(directory) or ""
        name = check_snapshot_name(name or default_name(branch))
        return self.snapshots_of().take(name, replace=replace, spare=spare, branch=branch)

    def restore(self, name: str, *, spare: bool = True) -> Restored:
        """Bring the database back to snapshot ``name``; the database in use is replaced in
        one transaction, so an interrupted restore leaves it as it was."""
        return self.snapshots_of().restore(check_snapshot_name(name), spare=spare)

    def snapshots(self) -> list[KeptDatabase]:
        """The snapshots, oldest first (``.name``, ``.size`` in bytes, ``.created``).
        Files that copies killed midway left behind are removed on the way (and said)."""
        snaps = self.snapshots_of()
        now = snaps.cluster()
        freed = snaps.orphans(now)
        if freed:
            self.say(f"removing {human_size(freed)} left by copies interrupted midway")
        return now.snapshots()

    def kept(self) -> list[KeptDatabase]:
        """Everything kept beside the database: snapshots, the spare, parked branches."""
        return self.snapshots_of().kept()

    def drop(self, name: str) -> KeptDatabase:
        """Remove snapshot ``name``."""
        return self.snapshots_of().drop(check_snapshot_name(name))

    # -- reset -----------------------------------------------------------------------------

    def reset(self, *, snapshot: str | None = None) -> Restored | None:
        """Back to snapshot ``snapshot``; without one, to an empty database, migrated, with
        the project's fixtures (``x-dockdjango.database.fixtures``) loaded."""
        if snapshot:
            return self.restore(snapshot)
        target = self.target
        if not target.django:
            raise DockdjangoError(
                f"no service of {getattr(self.stack, 'name', 'the stack')} runs Django's "
                "manage.py, so nothing can migrate a fresh database",
                hint="name it: x-dockdjango: {database: {django: web}}, or reset to a "
                "snapshot: dockdjango db reset --snapshot NAME",
            )
        snaps = self.snapshots_of()
        before = snaps.cluster()
        keep = before.existing(snaps.psql)
        fresh, aside = scratch_db(target.database, "new"), scratch_db(target.database, "old")
        snaps.psql.run(f"CREATE DATABASE {ident(fresh)} OWNER {ident(keep.owner)}")
        snaps.swap(fresh, keep, comment_text=keep.comment, aside=aside)
        snaps.background(before, [], drop=[aside])
        self.say(f"{target.database}: emptied; migrating with {target.django}")
        self.manage(["migrate", "--noinput"])
        if target.fixtures:
            self.say(f"loading {', '.join(target.fixtures)}")
            self.manage(["loaddata", *target.fixtures])
        return None

    def migrate_first(self) -> str:
        """``manage.py migrate`` in the Django service before it starts, as its README would
        have the user do after ``up``: for a database never migrated (no table of Django's
        yet, so nothing can be lost) whose service does not migrate as it starts. When the
        service's command does not name ``manage.py`` and its image has none where it starts
        (or no ``python``), nothing is run: the warning to give instead is returned."""
        target = self.target
        service = self.stack.project.services[target.django]
        if names_manage_py(service):
            argv = [*manage_py(service), "migrate", "--noinput"]
        else:  # the image's own command: look before running
            argv = ["sh", "-c", _GUESSED_MIGRATE]
        code = self._in_django(argv)
        if code == _NOT_THERE and argv[0] == "sh":
            return (
                f"database {target.database} is not migrated yet, and {target.django}'s command "
                "does not say where manage.py is -- run: dockdjango exec "
                f"{target.django} python manage.py migrate"
            )
        if code != 0:
            shown = "manage.py migrate --noinput" if argv[0] == "sh" else " ".join(argv)
            raise DockdjangoError(
                f"{shown} in {target.django} exited with code {code}",
                hint="its output is above; once it is fixed, `up` migrates it first again",
            )
        return ""

    def manage(self, args: Sequence[str], hint: str = "") -> None:
        """``python manage.py ARGS`` in the Django service: its running container, else a
        one-off one (``run --rm``). Output goes to this terminal; a failure is an error."""
        target = self.target
        argv = [*manage_py(self.stack.project.services[target.django]), *args]
        code = self._in_django(argv)
        if code != 0:
            raise DockdjangoError(
                f"{' '.join(argv)} in {target.django} exited with code {code}",
                hint=hint or "its output is above; the database is empty and not fully migrated",
            )

    def _in_django(self, argv: list[str]) -> int:
        """Run ``argv`` in the Django service's running container, else a one-off one; its
        exit code (output to this terminal)."""
        django = self.target.django
        try:
            self.stack.running_container_id(django)
        except DockdjangoError:
            return int(self.stack.run(django, argv, write_out=_out, write_err=_err).exit_code)
        return self.stack.exec_attached(django, argv)

    def kept_on_volume(self) -> tuple[list[KeptDatabase], bool] | None:
        """What ``down -v`` deletes with the data volume: the snapshots and parked branch
        databases, and whether the list is live (False: as the server last wrote it, for a
        server not running). None when the database keeps no named volume, or nothing
        could be read."""
        target = self.target
        if not target.volume:
            return None
        try:
            return [k for k in self.kept() if k.kind != "spare"], True
        except DockdjangoError:  # not running: the list the server wrote last
            pass
        from dockdjango.engine.project.volume_files import read_service_file
        from dockdjango.images.standins import stand_in_for

        image = self.stack.project.services[target.service].image
        stand_in = stand_in_for("postgres")
        data = read_service_file(
            self.stack.client,
            getattr(self.stack, "name", ""),
            target.service,
            f"{target.data_dir.rstrip('/')}/{MIRROR_FILE}",
            volume=target.volume,
            mount=target.mount,
            images=[i for i in (image, stand_in.ref if stand_in else "") if i],
        )
        if data is None:
            return None
        rows = [copy_fields(line) for line in data.decode("utf-8", "replace").splitlines()]
        return [k for k in kept_databases(rows, target.database) if k.kind != "spare"], False

    # -- branches and migrations -----------------------------------------------------------

    def switch_branch(self, branch: str | None = None) -> Switch | None:
        """Give ``branch`` (default: the one checked out) its own database; None when there
        is no branch (no repository, or a detached HEAD)."""
        branch = branch or git_branch(self.stack.project.working_dir)
        if not branch:
            return None
        return switch_branch(self.snapshots_of(), branch)

    def drift(self) -> drift_rules.Drift:
        """How the database's applied migrations and the code's migration files differ."""
        target = self.target
        psql = self.snapshots_of().psql
        try:
            rows = psql.run(drift_rules.APPLIED_QUERY, database=target.database)
            migrated = True
        except DatabaseError as exc:
            if "django_migrations" not in str(exc):
                raise
            rows, migrated = [], False  # never migrated: no table yet
        applied = [(row[0], row[1]) for row in rows if len(row) == 2]
        code = scan_migrations(self.code_directory())
        return drift_rules.compare(target.database, applied, code, migrated=migrated)

    def code_directory(self) -> str:
        """Where the Django project's source is: its service's build context, else the
        project directory."""
        target = self.target
        service = self.stack.project.services.get(target.django) if target.django else None
        if service is not None and service.build is not None and "://" not in service.build.context:
            return service.build.context
        return self.stack.project.working_dir

    def before_up(self) -> list[tuple[bool, str]]:
        """What ``up`` does and says once the database service runs, before the app starts:
        switch to this branch's database (when asked for), then warn about migrations."""
        target = self.target
        lines: list[tuple[bool, str]] = []
        if target.per_branch:
            switched = self.switch_branch()
            if switched is None:
                lines.append((True, "database: no git branch here (detached HEAD?): not switched"))
            else:
                lines.append((False, switched.line(target.database)))
        self.needs_first_migration = False
        try:
            found = self.drift()
        except DockdjangoError as exc:  # a warning is worth less than the stack it delays
            return [*lines, (True, f"could not compare migrations with the code: {exc}")]
        if not found.migrated and target.django and not target.migrates_on_start:
            self.needs_first_migration = True  # the caller runs migrate_first()
            return [
                *lines,
                (False, f"database {found.database} was never migrated: {target.django} "
                 "migrates it first (python manage.py migrate, in a one-off container)"),
            ]  # fmt: skip
        lines += drift_rules.report(
            found,
            django=target.django,
            migrates_on_start=target.migrates_on_start,
            per_branch=target.per_branch,
        )
        return lines


def default_name(branch: str, at: datetime | None = None) -> str:
    """``main-20251207-153000``: the branch (made name-safe) and the time."""
    stamp = (at or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch).strip("-._")[:24]
    return f"{slug}-{stamp}" if slug else f"snapshot-{stamp}"


def _out(data: bytes) -> None:
    import sys

    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def _err(data: bytes) -> None:
    import sys

    sys.stderr.buffer.write(data)
    sys.stderr.flush()
