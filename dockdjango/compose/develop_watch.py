"""``develop.watch``: which changed file means what for which service. Pure.

A :class:`WatchRule` is one entry of a service's ``develop.watch`` (Compose's semantics):
a host ``path``, an ``action`` (``sync``, ``rebuild``, ``restart``, ``sync+restart``,
``sync+exec``), a container ``target`` for the sync actions, and which paths under
``path`` it leaves out. :func:`plan_batch` turns one burst of file changes into what each
service needs: files to copy or delete, a rebuild, a restart, commands to run.

Path matching is given to a rule as a callable (``ignored(path) -> bool``), so the rules
carry no pattern syntax of their own: the api layer builds them from ``.dockerignore``
rules, the rule's ``ignore``/``include`` lists and the editor-file patterns below.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dockdjango.errors import SpecError

SYNC, REBUILD, RESTART, SYNC_RESTART, SYNC_EXEC = (
    "sync",
    "rebuild",
    "restart",
    "sync+restart",
    "sync+exec",
)
ACTIONS = (SYNC, REBUILD, RESTART, SYNC_RESTART, SYNC_EXEC)
SYNCING = frozenset({SYNC, SYNC_RESTART, SYNC_EXEC})

#: Files editors write beside the one being saved and remove again (swap files, backups,
#: atomic-save temporaries): never synced and never a reason to restart. Docker patterns.
EDITOR_FILES = (
    "**/.*.swp",
    "**/.*.swo",
    "**/.*.swn",
    "**/.*.swx",
    "**/4913",  # vim's probe for a writable directory
    "**/*~",
    "**/.#*",  # emacs lock files
    "**/#*#",  # emacs auto-save
    "**/*.kate-swp",
    "**/*___jb_tmp___",  # JetBrains safe-write
    "**/*___jb_old___",
    "**/.DS_Store",
)

#: Always left out: version control and Python's caches (the container writes its own).
ALWAYS_IGNORED = (".git", ".hg", ".svn", "**/__pycache__", "**/*.py[co]")

Matcher = Callable[[str], bool]


def _never(path: str) -> bool:
    return False


@dataclass(frozen=True)
class ExecSpec:
    """The command of a ``sync+exec`` rule, run in every container of the service."""

    command: tuple[str, ...]
    user: str | None = None
    working_dir: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    privileged: bool = False


@dataclass(frozen=True)
class WatchRule:
    """One ``develop.watch`` entry of one service.

    ``ignored`` receives absolute host paths under ``path`` and says whether the rule
    leaves them out (``.dockerignore``, ``ignore``, not matching ``include``, editor files).
    ``origin`` is where the rule came from, for messages: ``services.web.develop.watch[0]``
    or ``default for a Django service``.
    """

    service: str
    action: str
    path: str
    target: str | None = None
    ignored: Matcher = _never
    exec: ExecSpec | None = None
    initial_sync: bool = False
    origin: str = ""

    def covers(self, host_path: str) -> bool:
        """Whether ``host_path`` is this rule's path or lies under it, and is not ignored."""
        if not is_within(self.path, host_path):
            return False
        return not self.ignored(host_path)

    def container_path(self, host_path: str) -> str | None:
        """Where ``host_path`` goes in the container (None for non-sync rules)."""
        if self.target is None:
            return None
        rel = os.path.relpath(host_path, self.path)
        if rel == ".":
            return self.target
        return posixpath.join(self.target, *rel.split(os.sep))

    def describe(self) -> str:
        """``sync ./books -> /app/books`` style, paths as given."""
        text = f"{self.action} {self.path}"
        if self.target:
            text += f" -> {self.target}"
        if self.exec is not None:
            text += f" then `{' '.join(self.exec.command)}`"
        return text


def is_within(root: str, path: str) -> bool:
    """True when ``path`` is ``root`` or below it (both absolute, no symlink resolution)."""
    root = root.rstrip(os.sep) or os.sep
    return path == root or path.startswith(root if root == os.sep else root + os.sep)


@dataclass(frozen=True)
class SyncItem:
    """One path to bring into a container: copied if it exists on the host, else deleted.

    ``recursive``: a directory that appeared (created, or moved in) is copied with what it
    holds; a directory that only changed is not (its changed files come as their own items).
    """

    host: str
    container: str
    exists: bool
    recursive: bool = False


@dataclass
class ServicePlan:
    """What one burst of changes asks of one service, in the order it is applied."""

    rebuild: bool = False
    sync: list[SyncItem] = field(default_factory=list)
    restart: bool = False
    execs: list[ExecSpec] = field(default_factory=list)
    #: the changed paths that caused this, for messages
    paths: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to do."""
        return not (self.rebuild or self.sync or self.restart or self.execs)


ADDED = "added"


def plan_batch(
    changed: Mapping[str, str] | Iterable[str],
    rules: Iterable[WatchRule],
    *,
    exists: Callable[[str], bool] = os.path.lexists,
    is_dir: Callable[[str], bool] = os.path.isdir,
) -> dict[str, ServicePlan]:
    """Per service, what a burst of changed paths needs.

    ``changed`` maps each path to how it changed (``added``, ``modified``, ``deleted``),
    or is just the paths. A path is copied when it exists now and deleted when it does
    not, whatever the order of events in the burst (an editor's write-temp-then-rename
    leaves the right result). A rebuilt service is not also restarted (its container is
    new); a restart or a command happens once per burst however many files changed.
    """
    rules = list(rules)
    kinds = dict(changed) if isinstance(changed, Mapping) else dict.fromkeys(changed, "")
    plans: dict[str, ServicePlan] = {}
    for path in sorted(kinds):
        present = exists(path)
        recursive = present and kinds[path] == ADDED and is_dir(path)
        for rule in rules:
            if not rule.covers(path):
                continue
            plan = plans.setdefault(rule.service, ServicePlan())
            if path not in plan.paths:
                plan.paths.append(path)
            if rule.action == REBUILD:
                plan.rebuild = True
            if rule.action in (RESTART, SYNC_RESTART):
                plan.restart = True
            if rule.action in SYNCING:
                target = rule.container_path(path)
                if target is not None:
                    item = SyncItem(path, target, present, recursive)
                    if item not in plan.sync:
                        plan.sync.append(item)
            if rule.action == SYNC_EXEC and rule.exec is not None:
                if rule.exec not in plan.execs:
                    plan.execs.append(rule.exec)
    for plan in plans.values():
        if plan.rebuild:
            plan.restart = False
    return {s: p for s, p in plans.items() if not p.empty}


def watched_roots(rules: Iterable[WatchRule]) -> list[str]:
    """The fewest directories whose recursive watch sees every rule's path.

    A rule naming a file watches its directory: editors replace files by renaming, which
    a watch on the file itself would lose.
    """
    dirs = set()
    for rule in rules:
        path = rule.path
        dirs.add(path if os.path.isdir(path) else os.path.dirname(path) or os.sep)
    roots: list[str] = []
    for d in sorted(dirs, key=len):
        if not any(is_within(r, d) for r in roots):
            roots.append(d)
    return sorted(roots)


def rule_from_compose(
    service: str,
    index: int,
    entry: Mapping[str, Any],
    *,
    has_build: bool,
    ignored: Matcher = _never,
) -> WatchRule:
    """One ``develop.watch`` entry (Compose JSON shape, ``path`` absolute) as a rule.

    Raises :class:`SpecError` naming ``services.<s>.develop.watch[<i>]`` for what Compose
    also refuses: an unknown action, a sync without ``target``, ``sync+exec`` without a
    command, ``rebuild`` on a service with nothing to build.
    """
    where = f"services.{service}.develop.watch[{index}]"
    action = str(entry.get("action") or "")
    if action not in ACTIONS:
        raise SpecError(
            f"unknown action {action!r}",
            path=f"{where}.action",
            hint=f"use one of: {', '.join(ACTIONS)}",
        )
    path = str(entry.get("path") or "")
    if not path:
        raise SpecError("is missing `path`", path=where, hint="name a file or directory to watch")
    target = entry.get("target")
    if action in SYNCING and not target:
        raise SpecError(
            f"action {action} needs a `target` (where the files go in the container)",
            path=where,
            hint="add e.g. `target: /app`",
        )
    if action == REBUILD and not has_build:
        raise SpecError(
            "action rebuild needs a `build:` section on the service",
            path=f"{where}.action",
            hint="add `build:` to the service, or use sync+restart",
        )
    spec = _exec_spec(entry.get("exec") or {}, where) if action == SYNC_EXEC else None
    return WatchRule(
        service=service,
        action=action,
        path=os.path.normpath(path),
        target=posixpath.normpath(str(target)) if action in SYNCING else None,
        ignored=ignored,
        exec=spec,
        initial_sync=bool(entry.get("initial_sync")) and action in SYNCING,
        origin=where,
    )


def _exec_spec(raw: Mapping[str, Any], where: str) -> ExecSpec:
    """The ``exec`` of a ``sync+exec`` rule; `SpecError` when it has no command."""
    command = raw.get("command") or []
    if not command:
        raise SpecError(
            "action sync+exec needs `exec.command`",
            path=where,
            hint="add e.g. `exec: {command: python manage.py collectstatic --noinput}`",
        )
    return ExecSpec(
        command=tuple(str(c) for c in command),
        user=raw.get("user") or None,
        working_dir=raw.get("working_dir") or None,
        environment={k: "" if v is None else str(v) for k, v in _env(raw).items()},
        privileged=bool(raw.get("privileged")),
    )


def _env(raw: Mapping[str, Any]) -> dict[str, Any]:
    env = raw.get("environment") or {}
    if isinstance(env, list):
        pairs = [str(item).partition("=") for item in env]
        return {key: value for key, _, value in pairs}
    return dict(env)
