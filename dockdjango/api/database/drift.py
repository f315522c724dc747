"""Migration drift: does the database match the migrations of the code checked out?

Two ways to be out of step, both common when switching git branches:

- **applied here, unknown to the code**: another branch's migrations ran on this database
  (``orders.0042_refund``); this branch's models do not match its tables;
- **in the code, not applied**: this branch adds migrations the database has not had.

The applied side is ``django_migrations`` in the database (one ``psql`` query); the code's
side is read from the migration files on disk (:mod:`dockdjango.detection.migrations`).
Only apps whose migrations are on disk are compared: packages' apps live in the image.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dockdjango.detection.migrations import CodeMigrations

#: Fails with 'relation "django_migrations" does not exist' on a database never migrated
APPLIED_QUERY = "SELECT app, name FROM django_migrations"


@dataclass(frozen=True)
class Drift:
    """How the database and the code disagree about migrations."""

    database: str
    #: ``app.name`` applied in the database, not in the code
    unknown: tuple[str, ...] = ()
    #: ``app.name`` in the code, not applied
    unapplied: tuple[str, ...] = ()
    #: False when the database has no ``django_migrations`` table (never migrated)
    migrated: bool = True

    @property
    def clean(self) -> bool:
        """Nothing to say."""
        return not self.unknown and not self.unapplied


def compare(
    database: str,
    applied: Iterable[tuple[str, str]],
    code: CodeMigrations,
    *,
    migrated: bool = True,
) -> Drift:
    """The drift between ``applied`` (rows of ``django_migrations``) and ``code``."""
    done: dict[str, set[str]] = {}
    for app, name in applied:
        done.setdefault(app, set()).add(name)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in done.items()
        if app in code.apps
        for name in names - code.known(app)
    )
    unapplied = []
    for app, names in code.apps.items():
        for name in sorted(names):
            if name in done.get(app, set()):
                continue
            squashed = code.replaces.get((app, name))
            if squashed and all(n in done.get(a, set()) for a, n in squashed):
                continue  # a squash counts as applied once all it replaces are
            unapplied.append(f"{app}.{name}")
    return Drift(database, tuple(unknown), tuple(sorted(unapplied)), migrated)


def shorten(names: tuple[str, ...], limit: int = 4) -> str:
    """``a.0001, a.0002 and 3 more``."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def report(
    drift: Drift, *, django: str, migrates_on_start: bool, per_branch: bool
) -> list[tuple[bool, str]]:
    """What ``up`` says about ``drift``: (is a warning, line), with the command that fixes it."""
    out: list[tuple[bool, str]] = []
    run = f"dockdjango exec {django} python manage.py migrate" if django else "manage.py migrate"
    if drift.unknown:
        fix = (
            "switch back and migrate backwards, or restore a snapshot (dockdjango db restore NAME)"
        )
        if not per_branch:
            fix += ", or keep a database per branch (x-dockdjango: {database: {per_branch: true}})"
        out.append(
            (
                True,
                f"{len(drift.unknown)} migration(s) applied to {drift.database} are not in this "
                f"branch's code: {shorten(drift.unknown)} -- {fix}",
            )
        )
    if not drift.unapplied or not drift.migrated and migrates_on_start:
        return out
    if migrates_on_start:
        out.append((False, f"{django} applies as it starts: {shorten(drift.unapplied)}"))
    elif not drift.migrated:
        out.append((True, f"database {drift.database} is not migrated yet -- run: {run}"))
    else:
        out.append(
            (
                True,
                f"{len(drift.unapplied)} migration(s) of the code are not applied to "
                f"{drift.database}: {shorten(drift.unapplied)} -- run: {run}",
            )
        )
    return out
