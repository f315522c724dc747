"""Containers for test sessions: labelled, waited for, always removed, leftovers pruned.

The pytest plugin is a thin shell over :class:`TestSession`; a script or another test
runner can use it directly::

    with TestSession(connect()) as session:
        session.prune()                                   # leftovers of killed runs
        redis = session.start("redis:7", ports=[6379], wait=wait_for.log("Ready to accept"))
        host, port = redis.address(6379)
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dockdjango.engine.containers import ContainerSpec, RunningContainer, run_container
from dockdjango.engine.readiness import (
    Call,
    Healthy,
    HttpOk,
    LogLine,
    PortOpen,
    WaitFor,
    as_conditions,
    wait_ready,
)
from dockdjango.engine.sessions import (
    Leftovers,
    Owner,
    find_leftovers,
    new_session_id,
    remove_leftovers,
    session_labels,
)

if TYPE_CHECKING:
    import docker

__all__ = [
    "TestSession",
    "RunningContainer",
    "PostgresServer",
    "wait_for",
    "prune",
    "Leftovers",
    "find_leftovers",
    "remove_leftovers",
]

#: ``wait_for.log(r"ready")``, ``wait_for.port(5432)``, ``wait_for.http(8000, "/health")``,
#: ``wait_for.healthy()``, ``wait_for.call(fn)``: the readiness conditions by short names.
wait_for = SimpleNamespace(log=LogLine, port=PortOpen, http=HttpOk, healthy=Healthy, call=Call)

Wait = WaitFor | Sequence[WaitFor] | Callable[..., object] | str | None


def prune(client: docker.DockerClient, *, include_kept: bool = False) -> list[Leftovers]:
    """Remove what test sessions whose process is gone left behind; return what was removed.

    ``include_kept`` also removes stacks and containers kept on purpose by
    ``--dockdjango-reuse``.
    """
    leftovers = find_leftovers(client, include_kept=include_kept)
    remove_leftovers(client, leftovers)
    return leftovers


class TestSession:
    """One test session's containers: every one labelled with the session and its owner.

    ``owner_pid`` names the process whose death makes the session's objects leftovers; under
    pytest-xdist that is the controller, so a worker finishing early orphans nothing.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        client: docker.DockerClient,
        session_id: str | None = None,
        owner_pid: int | None = None,
    ) -> None:
        self.client = client
        self.id = session_id or new_session_id()
        self.owner = Owner.current(owner_pid)
        self._started: list[RunningContainer] = []

    def labels(self, *, keep: bool = False) -> dict[str, str]:
        """The labels naming this session and its owner (``keep`` marks a reused object)."""
        return session_labels(self.id, self.owner, keep=keep)

    def prune(self) -> list[Leftovers]:
        """Remove leftovers of dead sessions (never this one, whose owner is alive)."""
        return prune(self.client)

    def start(
        self,
        image: str,
        *,
        env: Mapping[str, str] | None = None,
        ports: Sequence[int | str] = (),
        command: str | Sequence[str] | None = None,
        wait: Wait = None,
        timeout: float = 60.0,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        tmpfs: Mapping[str, str] | None = None,
        keep: bool = False,
        **options: Any,
    ) -> RunningContainer:
        """Run ``image`` and wait until ready; removed by :meth:`close` unless ``keep``.

        On a wait failure the container is removed and :class:`~dockdjango.errors.ServiceError`
        says what was awaited, with the container's last log lines.
        """
        spec = ContainerSpec(
            image=image,
            env=dict(env or {}),
            ports=tuple(ports),
            command=command,
            labels={**dict(labels or {}), **self.labels(keep=keep)},
            name=name,
            tmpfs=dict(tmpfs or {}),
            options=options,
        )
        container = run_container(self.client, spec)
        if not keep:
            self._started.append(container)
        try:
            wait_ready(container, as_conditions(wait), timeout)
        except BaseException:
            self.remove(container)
            raise
        return container

    def remove(self, container: RunningContainer) -> None:
        """Remove one container now."""
        container.remove()
        if container in self._started:
            self._started.remove(container)

    def close(self) -> None:
        """Remove every container this session started (newest first), kept ones aside."""
        errors: list[BaseException] = []
        while self._started:
            try:
                self._started.pop().remove()
            except Exception as exc:  # keep removing the others; report the first failure
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> TestSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class PostgresServer:
    """A ready PostgreSQL server: its container and a URL for its database."""

    container: RunningContainer
    user: str
    password: str
    dbname: str
    seconds: float = 0.0

    @property
    def host(self) -> str:
        """The host its port is published on (127.0.0.1)."""
        return self.container.address(5432)[0]

    @property
    def port(self) -> int:
        """The ephemeral host port."""
        return self.container.address(5432)[1]

    @property
    def url(self) -> str:
        """``postgres://user:password@127.0.0.1:<port>/dbname``."""
        return f"postgres://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"


def pg_ready(user: str, dbname: str) -> Callable[[RunningContainer], bool]:
    """A readiness check: the server answers over TCP inside the container, then from the host.

    ``pg_isready -h 127.0.0.1`` fails while an image's init scripts run the server on its
    Unix socket only, so it passes only for the server that stays up.
    """

    def postgres_ready(container: RunningContainer) -> bool:
        code, _ = container.exec(["pg_isready", "-q", "-h", "127.0.0.1", "-U", user, "-d", dbname])
        return code == 0 and PortOpen(5432).ready(container)

    return postgres_ready


#: Settings that trade durability for speed: a test database is thrown away anyway.
FAST_POSTGRES = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


def reuse_key(*parts: object) -> str:
    """A short stable hash of what defines a reusable container."""
    import hashlib

    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def start_postgres(
    session: TestSession,
    image: str,
    *,
    user: str = "test",
    password: str = "test",
    dbname: str = "test",
    timeout: float = 90.0,
    reuse: bool = False,
) -> PostgresServer:
    """A PostgreSQL server from ``image`` (official-image conventions: ``POSTGRES_*`` env).

    With ``reuse`` a running server started by an earlier session with the same image and
    settings is used as is, and a new one is left running when the session ends.
    """
    started = time.monotonic()
    env = {"POSTGRES_USER": user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": dbname}
    image_id = _image_id(session.client, image)
    key = reuse_key(image, image_id, sorted(env.items()), FAST_POSTGRES)
    with (
        file_lock(Path(tempfile.gettempdir()) / f"dockdjango-reuse-{key}.lock")
        if reuse
        else nullcontext()
    ):
        # Under the lock, two xdist workers (or two runs) wanting the same kept server start one.
        found = find_kept(session.client, key) if reuse else None
        if found is not None:
            return PostgresServer(found, user, password, dbname, time.monotonic() - started)
        container = _start_postgres(session, image, env, key, timeout, reuse)
    return PostgresServer(container, user, password, dbname, time.monotonic() - started)


def _start_postgres(
    session: TestSession, image: str, env: dict[str, str], key: str, timeout: float, reuse: bool
) -> RunningContainer:
    return session.start(
        image,
        env=env,
        ports=[5432],
        command=["postgres", *FAST_POSTGRES],
        # The data directory in memory: initdb and every test write skip the disk.
        tmpfs={"/var/lib/postgresql/data": "rw,size=512m"},
        wait=pg_ready(env["POSTGRES_USER"], env["POSTGRES_DB"]),
        timeout=timeout,
        labels={REUSE_KEY: key},
        keep=reuse,
        shm_size="128m",  # Docker's 64 MB default is tight for parallel queries
    )


#: Label on a reusable container: the hash of what it was started with.
REUSE_KEY = "dev.dockdjango.reuse-key"


def find_kept(client: docker.DockerClient, key: str) -> RunningContainer | None:
    """A running kept container whose reuse key is ``key``, or None."""
    rows = client.api.containers(filters={"label": f"{REUSE_KEY}={key}", "status": "running"})
    if not rows:
        return None
    spec = ContainerSpec(image=str(rows[0].get("Image", "")))
    return RunningContainer(client, str(rows[0]["Id"]), spec)


def _image_id(client: docker.DockerClient, image: str) -> str:
    from dockdjango.engine.containers import ensure_image

    ensure_image(client, image)
    return str(client.api.inspect_image(image)["Id"])


def postgres_image(client: docker.DockerClient, configured: str | None = None) -> str:
    """The PostgreSQL image the ``postgres`` fixture runs: ``configured``, else the project's.

    ``DOCKDJANGO_POSTGRES_IMAGE`` overrides both (e.g. to compare with another tool on the
    same image).
    """
    chosen = os.environ.get("DOCKDJANGO_POSTGRES_IMAGE") or configured
    if chosen:
        return chosen
    try:
        from dockdjango.api.postgres import ensure_postgres_image
    except ImportError:  # the PostgreSQL image module is not part of this install
        return "postgres:16"
    ref = ensure_postgres_image(client)
    return str(getattr(ref, "ref", ref))


def failure_report(exc: BaseException) -> str:
    """A dockdjango error as the pytest report shows it: message, the logs, the hint."""
    text = f"dockdjango: {exc}"
    logs = list(getattr(exc, "logs", None) or [])
    if logs and logs[-1].strip() and logs[-1].strip() not in str(exc).split("; last log line")[0]:
        service = getattr(exc, "service", "") or "the service"
        shown = "\n".join(f"    | {line}" for line in logs)
        text += f"\n  last {len(logs)} log lines of {service}:\n{shown}"
        return text  # the logs are the hint; "see dockdjango logs" would point at nothing
    hint = getattr(exc, "hint", None)
    if hint:
        text += f"\nhint: {hint}"
    return text


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block.

    The kernel drops the lock when the holder dies, so a killed worker never wedges the rest.
    """
    import fcntl  # POSIX only; imported here so merely loading the plugin works anywhere

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
