"""A database per git branch: ``up`` on another branch switches to that branch's copy.

The database your app connects to always keeps its name (``library``): settings and
``DATABASE_URL`` never change. The branch that owns it is recorded in its comment; the
other branches' databases are parked beside it (``library__dd_br_main_1a2b3c``). On a
branch switch, one transaction renames the current database to its parking name and
the new branch's into place (0.01 s whatever the size). A branch seen for the first time
gets a copy of the current database (a template copy: seconds per GB, no SQL replayed).

The branch is read from ``.git/HEAD`` (a worktree's ``.git`` file points to its own), no
git binary needed. A detached HEAD switches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockdjango.api.database.catalog import (
    branch_db,
    comment,
    copy_statement,
    now,
    read_comment,
    scratch_db,
)
from dockdjango.api.database.psql import ident, literal
from dockdjango.api.database.snapshots import Snapshots


def git_branch(directory: str | Path) -> str | None:
    """The branch checked out in the git work tree holding ``directory``; None when
    there is no repository or HEAD is detached."""
    here = Path(directory).resolve()
    for folder in (here, *here.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            head = dot_git / "HEAD"
        elif dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if not text.startswith("gitdir:"):
                return None
            gitdir = Path(text.split(":", 1)[1].strip())
            head = (gitdir if gitdir.is_absolute() else folder / gitdir) / "HEAD"
        else:
            continue
        try:
            ref = head.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return ref.removeprefix("ref: refs/heads/") if ref.startswith("ref: refs/heads/") else None
    return None


@dataclass(frozen=True)
class Switch:
    """What :func:`switch_branch` did."""

    branch: str
    previous: str  # the branch that had the database ("" when none was recorded)
    created: bool  # the branch's database was made now, from the previous one's
    switched: bool  # False when the database was the branch's already

    def line(self, database: str) -> str:
        """One line for ``up``."""
        if not self.switched:
            if self.previous:
                return f"database: {database} is {self.branch}'s"
            return (
                f"database: {database} is now {self.branch}'s (a database per branch from here on)"
            )
        made = f" (made from {self.previous}'s)" if self.created else ""
        kept = f"; {self.previous}'s is kept" if self.previous else ""
        return f"database: {self.branch}'s own copy of {database}{made}{kept}"


def branch_of(text: str | None) -> str:
    """The branch a database's comment records as owning it ("" when none)."""
    info = read_comment(text)
    return str(info.get("branch", "")) if info.get("dockdjango") == "active" else ""


def switch_branch(snapshots: Snapshots, branch: str) -> Switch:
    """Give ``branch`` its own database under the database's name (see the module doc)."""
    db = snapshots.database
    now_ = snapshots.cluster()
    keep = now_.existing(snapshots.psql)
    previous = branch_of(keep.comment)
    mark = comment("active", db, branch=branch, since=now())
    if previous == branch or not previous:
        if not previous:
            snapshots.psql.run(f"COMMENT ON DATABASE {ident(db)} IS {literal(mark)}")
        return Switch(branch, previous, created=False, switched=False)
    parked = next(
        (k for k in now_.kept() if k.kind == "branch" and k.info.get("branch") == branch), None
    )
    if parked is None:
        source = scratch_db(db, "new")
        snapshots.closing(db, [copy_statement(source, db, now_.size(db), now_.version)])
    else:
        source = parked.datname
    # the current database is parked under its branch's name, in the same transaction
    snapshots.swap(
        source,
        keep,
        comment_text=mark,
        aside=branch_db(db, previous),
        aside_comment=comment("branch", db, branch=previous, created=now()),
    )
    if now_.mirror():
        snapshots.psql.run(*now_.mirror())
    snapshots.background(now_, [])
    return Switch(branch, previous, created=parked is None, switched=True)
