"""Who started a container: session and owner labels, and removing what dead sessions left.

Everything the pytest plugin starts carries labels naming the test session, the process
that owns it (pid, that process's start time, host) and whether it was kept on purpose
(``--dockdjango-reuse``). A process killed with SIGKILL runs no finalizer, so its
containers outlive it; the next session (or ``dockdjango prune``) finds objects whose
owner is gone and removes them. Only objects carrying our session label are ever
considered, and only owners on this host are judged: a pid on another machine says
nothing about a process here.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.failures import translate_errors
from dockdjango.engine.testing.session_ids import new_session_id

SESSION = "dev.dockdjango.session"
OWNER_PID = "dev.dockdjango.owner-pid"
OWNER_STARTED = "dev.dockdjango.owner-started"
OWNER_HOST = "dev.dockdjango.owner-host"
#: Set on objects left running on purpose (reuse); a dead owner is then expected.
KEEP = "dev.dockdjango.keep"
#: On images the ``postgres`` fixture prepared (initialised data): the image made from.
PREPARED_FROM = "dev.dockdjango.prepared-from"
#: On a short-lived helper container (reading a file out of an image, a measurement):
#: what it is for. Such a container is its own session, owned by the process that made it.
HELPER = "dev.dockdjango.helper"


def process_started(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot (Linux), or "" when unknown.

    Recorded next to the pid so a recycled pid is not mistaken for the original owner.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return ""
    # Field 2 (comm) may hold spaces and parentheses; everything after the last ")" is safe.
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


@dataclass(frozen=True)
class Owner:
    """The process a session belongs to."""

    pid: int
    started: str
    host: str

    @classmethod
    def current(cls, pid: int | None = None) -> Owner:
        """This process (or ``pid`` on this host)."""
        pid = os.getpid() if pid is None else pid
        return cls(pid=pid, started=process_started(pid), host=socket.gethostname())


def session_labels(session: str, owner: Owner, *, keep: bool = False) -> dict[str, str]:
    """The labels every object of ``session`` carries."""
    labels = {
        SESSION: session,
        OWNER_PID: str(owner.pid),
        OWNER_STARTED: owner.started,
        OWNER_HOST: owner.host,
    }
    if keep:
        labels[KEEP] = "reuse"
    return labels


def helper_labels(purpose: str) -> dict[str, str]:
    """Labels for a helper container this process makes and removes itself.

    The process removes it on return, error, Ctrl-C or SIGTERM; if it is killed first, the
    owner labels make the container a leftover that ``dockdjango prune`` (and the next test
    session) removes.
    """
    return {**session_labels(new_session_id("helper"), Owner.current()), HELPER: purpose}


def owner_alive(labels: Mapping[str, str], host: str | None = None) -> bool | None:
    """True/False whether the owner named by ``labels`` still runs; None when we cannot tell.

    We cannot tell for another host's process or for labels without a pid.
    """
    here = host or socket.gethostname()
    if labels.get(OWNER_HOST, "") != here:
        return None
    try:
        pid = int(labels.get(OWNER_PID, ""))
    except ValueError:
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, but belongs to another user
        pass
    recorded = labels.get(OWNER_STARTED, "")
    if recorded and process_started(pid) not in ("", recorded):
        return False  # the pid was recycled by a newer process
    return True


@dataclass
class Leftovers:
    """Objects of one session whose owner is gone (or that were kept on purpose)."""

    session: str
    owner_pid: str
    kept: bool
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    #: One line per object removal left in place (a network another session still uses).
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many engine objects this session left."""
        return len(self.containers) + len(self.networks) + len(self.volumes)


@translate_errors
def find_leftovers(
    client: docker.DockerClient, *, include_kept: bool = False, session: str | None = None
) -> list[Leftovers]:
    """Sessions whose owner process is gone, with the objects they left, oldest pid first.

    Kept (reused) objects are listed only with ``include_kept``; ``session`` narrows the
    search to one session whatever its owner's state (a session removing its own objects).
    """
    selector = f"{SESSION}={session}" if session else SESSION
    found: dict[str, Leftovers] = {}

    def note(labels: Mapping[str, str]) -> Leftovers | None:
        sid = labels.get(SESSION, "")
        kept = bool(labels.get(KEEP))
        if not sid:
            return None
        if kept and not include_kept:
            return None
        if session is None and not kept and owner_alive(labels) is not False:
            return None
        entry = found.get(sid)
        if entry is None:
            entry = found[sid] = Leftovers(sid, labels.get(OWNER_PID, "?"), kept)
        return entry

    api = client.api
    for c in api.containers(all=True, filters={"label": selector}):
        entry = note(c.get("Labels") or {})
        if entry:
            entry.containers.append(str(c["Id"]))
    for n in api.networks(filters={"label": selector}):
        entry = note(n.get("Labels") or {})
        if entry:
            entry.networks.append(str(n["Id"]))
    for v in (api.volumes(filters={"label": selector}) or {}).get("Volumes") or []:
        entry = note(v.get("Labels") or {})
        if entry:
            entry.volumes.append(str(v["Name"]))
    return sorted(found.values(), key=lambda e: e.session)


#: How long a network that still has endpoints is retried before it is left (seconds).
NETWORK_BUSY_GRACE = 15.0


@translate_errors
def remove_leftovers(
    client: docker.DockerClient,
    leftovers: Iterable[Leftovers],
    *,
    busy_grace: float = NETWORK_BUSY_GRACE,
) -> int:
    """Remove the listed objects (containers first, then networks and volumes); return count.

    Several sessions may prune the same dead session at once: a container another one is
    removing is skipped, and its network, which stays attached until that removal ends, is
    retried for ``busy_grace`` seconds. A network still in use after that (a live
    session's container on it) is left, with a line in the entry's ``warnings``.
    """
    entries = list(leftovers)
    removing = {cid for entry in entries for cid in entry.containers}
    removed = 0
    api = client.api
    for entry in entries:
        for cid in entry.containers:
            removed += _ignore_missing(api.remove_container, cid, force=True, v=True)
        for nid in entry.networks:
            left = remove_network(client, nid, removing=removing, grace=busy_grace)
            if left:
                entry.warnings.append(left)
            else:
                removed += 1
        for name in entry.volumes:
            removed += _ignore_missing(api.remove_volume, name, force=True)
    return removed


def remove_network(
    client: docker.DockerClient, network: str, *, removing: set[str], grace: float
) -> str:
    """Remove ``network`` (gone already counts); "" when done, else why it was left.

    While the engine says it has active endpoints, those of containers in ``removing``
    (ours to remove, or being removed by another session) or of containers that no longer
    exist are disconnected, and the removal is retried until ``grace`` seconds have passed.
    """
    api = client.api
    deadline = time.monotonic() + grace
    while True:
        try:
            api.remove_network(network)
            return ""
        except NotFound:
            return ""
        except APIError as exc:
            text = str(exc.explanation or exc)
            if "active endpoints" not in text and exc.status_code != 403:
                if "in progress" in text or exc.status_code == 409:
                    return ""  # another session is removing it
                raise
        try:
            info = api.inspect_network(network)
        except NotFound:
            return ""
        attached = info.get("Containers") or {}
        for cid in attached:
            if cid in removing or not _exists(api, cid):
                try:
                    api.disconnect_container_from_network(cid, network, force=True)
                except (NotFound, APIError):
                    pass  # gone meanwhile, or already being disconnected
        if time.monotonic() >= deadline:
            name = info.get("Name") or network[:12]
            users = ", ".join(sorted(str(c.get("Name") or k[:12]) for k, c in attached.items()))
            return (
                f"kept network {name}: still used by {users or 'a container'} (another test "
                "session may own it); `dockdjango prune` removes it once that is gone"
            )
        time.sleep(0.2)


def _exists(api: Any, container: str) -> bool:
    try:
        api.inspect_container(container)
    except NotFound:
        return False
    except APIError:
        return True  # cannot tell: leave its endpoint alone
    return True


def _ignore_missing(action: Callable[..., object], *args: Any, **kwargs: Any) -> int:
    """Run ``action``; 1 when it removed something, 0 when it was already gone."""
    try:
        action(*args, **kwargs)
    except NotFound:
        return 0
    except APIError as exc:
        # Another session pruning at the same moment: "removal already in progress".
        if "in progress" in str(exc) or exc.status_code == 409:
            return 0
        raise
    return 1


@translate_errors
def prepared_images(client: docker.DockerClient) -> list[str]:
    """Tags of the PostgreSQL images the ``postgres`` fixture prepared (a cache)."""
    tags: list[str] = []
    for image in client.api.images(filters={"label": PREPARED_FROM}):
        tags.extend(t for t in image.get("RepoTags") or [] if t != "<none>:<none>")
    return sorted(tags)


@translate_errors
def remove_images(client: docker.DockerClient, tags: Iterable[str]) -> int:
    """Remove image tags (and the images, when no other tag or container uses them)."""
    return sum(_ignore_missing(client.api.remove_image, tag) for tag in tags)
