"""``watch``: follow file changes and bring each burst of them into the running stack.

File events come from ``watchfiles`` (inotify on Linux, FSEvents on macOS, polling only
where neither exists), which keeps collecting while a burst is being applied, so nothing
is missed on a large tree. A burst ends ``step`` ms after the last event (capped at
``max_batch``); for each burst, per service, in this order: rebuild (image, then the
service's containers only), sync (one tar copy, one ``rm``), restart, ``sync+exec``
commands. A failure is reported and the watch goes on: the next save may fix it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence

import docker
from docker.errors import APIError, NotFound

from dockdjango.compose.develop_watch import (
    SYNCING,
    ServicePlan,
    WatchRule,
    plan_batch,
    watched_roots,
)
from dockdjango.engine import labels as L
from dockdjango.engine.progress import Event, OnProgress, ignore
from dockdjango.engine.stop import each
from dockdjango.engine.up.observe import project_containers
from dockdjango.engine.watch.watchsync import initial_items, owner_of, sync
from dockdjango.errors import BuildError, DockdjangoError

#: Rebuilds the images of the named services and recreates their containers (and only
#: theirs); supplied by the api layer, which knows how images are built.
Rebuild = Callable[[Sequence[str]], None]

_KINDS = {1: "added", 2: "modified", 3: "deleted"}


def running_containers(client: docker.DockerClient, project: str) -> dict[str, list[str]]:
    """Ids of the project's running service containers, by service, in number order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for c in project_containers(client, project):
        if c.get("State") != "running":
            continue
        labels = c.get("Labels") or {}
        out.setdefault(labels.get(L.SERVICE, ""), []).append(
            (labels.get(L.CONTAINER_NUMBER, ""), str(c["Id"]))
        )
    return {s: [cid for _, cid in sorted(ids)] for s, ids in out.items()}


class Targets:
    """The containers a burst goes to, remembered between bursts (a burst then costs no
    listing): asked again after a rebuild, or when one of them has gone away."""

    def __init__(self, client: docker.DockerClient, project: str) -> None:
        self.client = client
        self.project = project
        self._ids: dict[str, list[str]] | None = None
        self._owners: dict[str, tuple[int, int]] = {}

    def of(self, service: str) -> list[str]:
        """Running containers of ``service``."""
        if self._ids is None:
            self._ids = running_containers(self.client, self.project)
        return self._ids.get(service, [])

    def owner(self, cid: str) -> tuple[int, int]:
        """The (uid, gid) the container runs as."""
        if cid not in self._owners:
            self._owners[cid] = owner_of(self.client, cid)
        return self._owners[cid]

    def forget(self) -> None:
        """Containers changed (or may have): list them again next time."""
        self._ids = None


def initial_sync(
    client: docker.DockerClient, project: str, rules: Sequence[WatchRule], on_progress: OnProgress
) -> None:
    """Copy what the ``initial_sync`` rules cover into their services' containers."""
    targets = Targets(client, project)
    for rule in rules:
        if not rule.initial_sync:
            continue
        began = time.monotonic()
        for cid in targets.of(rule.service):
            items = initial_items(rule)
            done = sync(client, cid, items, rule.ignored, roots=False, owner=targets.owner(cid))
            on_progress(
                Event(
                    "service",
                    rule.service,
                    "synced",
                    f"initial sync of {rule.path}: {done.copied} path(s)",
                    seconds=time.monotonic() - began,
                )
            )


def watch(
    client: docker.DockerClient,
    project: str,
    rules: Sequence[WatchRule],
    *,
    rebuild: Rebuild,
    on_progress: OnProgress = ignore,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
    step: int = 50,
    max_batch: int = 2000,
    force_polling: bool | None = None,
) -> None:
    """Watch until ``stop`` is set (or Ctrl-C); ``ready`` is set once events are seen."""
    import watchfiles

    stop = stop or threading.Event()
    initial_sync(client, project, rules, on_progress)
    roots = watched_roots(rules)
    on_progress(Event("stack", project, "watching", ", ".join(roots)))
    batches = watchfiles.watch(
        *roots,
        watch_filter=None,
        debounce=max_batch,
        step=step,
        stop_event=stop,
        rust_timeout=250,
        yield_on_timeout=True,
        force_polling=force_polling,
    )
    targets = Targets(client, project)
    for changes in batches:
        if ready is not None:
            ready.set()
        if not changes:
            continue
        kinds: dict[str, str] = {}
        for change, path in changes:
            kind = _KINDS.get(int(change), "modified")
            if kinds.get(path) != "added":  # added wins: a new directory is copied whole
                kinds[path] = kind
        plans = plan_batch(kinds, rules)
        if plans:
            apply(
                client,
                project,
                plans,
                rules,
                rebuild=rebuild,
                on_progress=on_progress,
                targets=targets,
            )


def apply(
    client: docker.DockerClient,
    project: str,
    plans: dict[str, ServicePlan],
    rules: Sequence[WatchRule],
    *,
    rebuild: Rebuild,
    on_progress: OnProgress,
    targets: Targets | None = None,
) -> None:
    """Carry out one burst's plans (see the module docstring for the order); ``targets``
    remembers the containers between bursts."""
    targets = targets or Targets(client, project)
    rebuilt = sorted(s for s, p in plans.items() if p.rebuild)
    if rebuilt:
        began = time.monotonic()
        why = ", ".join(_short(p) for s in rebuilt for p in plans[s].paths[:3])
        for s in rebuilt:
            on_progress(Event("service", s, "rebuilding", why))
        try:
            rebuild(rebuilt)
            targets.forget()
            for s in rebuilt:
                on_progress(Event("service", s, "rebuilt", seconds=time.monotonic() - began))
        except DockdjangoError as exc:
            for s in rebuilt:
                on_progress(Event("service", s, "warning", f"rebuild failed: {exc}"))
            # the failing step's own last lines, under the warning that names it
            for line in exc.tail() if isinstance(exc, BuildError) else []:
                on_progress(Event("service", rebuilt[0], "output", line))
    for service, plan in sorted(plans.items()):
        for attempt in (1, 2):
            ids = targets.of(service)
            if not ids:
                on_progress(Event("service", service, "warning", "no running container to update"))
                break
            try:
                _apply_service(client, service, ids, plan, rules, on_progress, targets)
                break
            except (DockdjangoError, APIError) as exc:
                targets.forget()  # recreated or stopped meanwhile? ask again, once
                if attempt == 2:
                    text = getattr(exc, "explanation", None) or str(exc)
                    on_progress(Event("service", service, "warning", str(text)))


def _apply_service(
    client: docker.DockerClient,
    service: str,
    ids: list[str],
    plan: ServicePlan,
    rules: Sequence[WatchRule],
    on_progress: OnProgress,
    targets: Targets,
) -> None:
    if plan.sync:
        began = time.monotonic()
        own = [r for r in rules if r.service == service and r.action in SYNCING]

        def ignored(path: str) -> bool:
            return not any(r.covers(path) for r in own)

        copied = deleted = 0
        for cid in ids:
            done = sync(client, cid, plan.sync, ignored, owner=targets.owner(cid))
            copied, deleted = done.copied, done.deleted
        detail = f"{copied} copied, {deleted} deleted: " + ", ".join(
            _short(i.host) for i in plan.sync[:3]
        )
        if len(plan.sync) > 3:
            detail += f" and {len(plan.sync) - 3} more"
        on_progress(Event("service", service, "synced", detail, seconds=time.monotonic() - began))
    if plan.restart:
        began = time.monotonic()
        each(lambda cid: _restart(client, cid), ids)
        on_progress(Event("service", service, "restarted", seconds=time.monotonic() - began))
    for spec in plan.execs:
        from dockdjango.engine.project.execs import run_captured

        for cid in ids:
            code, out, err = run_captured(
                client,
                cid,
                list(spec.command),
                user=spec.user,
                workdir=spec.working_dir,
                env=dict(spec.environment),
            )
            text = (out + err).decode("utf-8", "replace").rstrip()
            on_progress(Event("service", service, "exec", f"{' '.join(spec.command)}: exit {code}"))
            for line in text.splitlines()[-20:]:
                on_progress(Event("service", service, "output", line))


def _restart(client: docker.DockerClient, cid: str) -> None:
    """Restart with the container's own stop timeout (``stop_grace_period``), else 10 s."""
    try:
        config = client.api.inspect_container(cid).get("Config") or {}
        timeout = config.get("StopTimeout")
        client.api.restart(cid, timeout=10 if timeout is None else int(timeout))
    except NotFound:
        return


def _short(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
