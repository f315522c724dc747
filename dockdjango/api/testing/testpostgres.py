"""The ``postgres`` fixture's server: a throw-away PostgreSQL that is ready fast.

Three things make it fast, in the order they matter:

1. **A prepared image.** The first time a given image is asked for with given
   credentials, a server is initialised (``initdb``, ``CREATE DATABASE``) in a data
   directory outside the image's ``VOLUME``, shut down cleanly and saved with
   ``docker commit`` as ``dockdjango-test/postgres:<key>``. Every later start skips
   initialisation: the server only has to start. The key is a hash of the base image's
   id and the credentials, so a rebuilt base image gets a new prepared image.
2. **Durability off**: ``fsync``, ``synchronous_commit`` and ``full_page_writes`` off --
   a test database is thrown away anyway.
3. **Readiness by a real client**: a connection from the host through the published port
   (psycopg, when installed), polled every 50 ms; else ``pg_isready`` inside plus a port
   probe.
4. **The data directory on tmpfs** (by default): creating a database copies a file per
   relation, which the container's overlay filesystem makes slow (a migrated Oscar
   schema: 0.6-0.8 s there, 0.04-0.12 s on tmpfs). The prepared directory is copied onto
   the tmpfs as the container starts, so a restarted server is back to freshly prepared.

With ``reuse`` a running server kept by an earlier run (same image and settings) is used
as is, and a new one is kept when the session ends.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockdjango.api.locks import file_lock
from dockdjango.api.testing.testsession import TestSession
from dockdjango.engine.image_store import ensure_image, image_id, image_labels, tags_labelled
from dockdjango.engine.testing.containers import ContainerSpec, RunningContainer, running_labelled
from dockdjango.engine.testing.readiness import PortOpen, as_conditions, wait_ready
from dockdjango.engine.testing.sessions import PREPARED_FROM, remove_images

#: On a prepared image: a hash of the image reference and credentials it was prepared for.
PREPARED_FOR = "dev.dockdjango.prepared-for"

if TYPE_CHECKING:
    import docker

#: Settings that trade durability for speed: a test database is thrown away anyway.
FAST_POSTGRES = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
#: Label on a reusable container: the hash of what it was started with.
REUSE_KEY = "dev.dockdjango.reuse-key"
#: Where prepared images are saved, and the label naming the image they were made from.
PREPARED_REPOSITORY = "dockdjango-test/postgres"
#: The prepared data directory: outside the official image's VOLUME, which a commit skips.
PREPARED_PGDATA = "/var/lib/dockdjango-pgdata"
#: The data directory when it lives on tmpfs (a mount of its own in the container).
TMPFS_PGDATA = "/var/lib/dockdjango-pgdata-tmpfs"
#: The tmpfs's size unless told otherwise: memory is used only as far as it is filled.
TMPFS_SIZE = "1g"
#: On tmpfs, checkpoint before WAL takes a large share of the memory (default 1 GB).
TMPFS_POSTGRES = ("-c", "max_wal_size=256MB")


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


def pg_ready(user: str, password: str, dbname: str) -> Callable[[RunningContainer], bool]:
    """A readiness check: a client can log in over TCP.

    During first-start initialisation an image's server listens on its Unix socket only,
    so a TCP check passes only for the server that stays up.
    """
    try:
        import psycopg
    except ImportError:
        psycopg = None  # type: ignore[assignment]

    def postgres_ready(container: RunningContainer) -> bool:
        if psycopg is not None:
            host, port = container.address(5432)
            try:
                with psycopg.connect(
                    host=host, port=port, user=user, password=password, dbname=dbname,
                    connect_timeout=2,
                ) as conn:  # fmt: skip
                    conn.execute("select 1")
                return True
            except psycopg.Error:
                return False
        code, _ = container.exec(["pg_isready", "-q", "-h", "127.0.0.1", "-U", user, "-d", dbname])
        return code == 0 and PortOpen(5432).ready(container)

    return postgres_ready


def reuse_key(*parts: object) -> str:
    """A short stable hash of what defines a reusable container or a prepared image."""
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
    prepared: bool = True,
    tmpfs_size: str | None = TMPFS_SIZE,
) -> PostgresServer:
    """A ready PostgreSQL server from ``image`` (official-image contract: ``POSTGRES_*``).

    ``prepared=False`` initialises from scratch instead of from a prepared image.
    ``tmpfs_size``: the data directory on a tmpfs of that size (``"1g"``, ``"512m"``);
    None keeps it in the container's own filesystem (databases larger than memory).
    """
    started = time.monotonic()
    env = {"POSTGRES_USER": user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": dbname}
    ensure_image(session.client, image)
    key = reuse_key(
        image, image_id(session.client, image), sorted(env.items()), FAST_POSTGRES, tmpfs_size
    )
    ready = pg_ready(user, password, dbname)
    lock = Path(tempfile.gettempdir()) / f"dockdjango-reuse-{key}.lock"
    with file_lock(lock) if reuse else nullcontext():
        # Under the lock, two xdist workers (or two runs) wanting the same kept server start one.
        found = find_kept(session.client, key) if reuse else None
        if found is not None:
            # A kept server may have just been restarted: wait until it takes logins again.
            wait_ready(found, as_conditions(ready), timeout)
            return PostgresServer(found, user, password, dbname, time.monotonic() - started)
        run_image = prepared_image(session, image, env, timeout) if prepared else image
        run = server_run(session.client, run_image, env, prepared=prepared, tmpfs_size=tmpfs_size)
        container = session.start(
            run_image,
            ports=[5432],
            wait=ready,
            timeout=timeout,
            labels={REUSE_KEY: key},
            keep=reuse,
            shm_size="128m",  # Docker's 64 MB default is tight for parallel queries
            **run,
        )
    return PostgresServer(container, user, password, dbname, time.monotonic() - started)


def server_run(
    client: docker.DockerClient,
    image: str,
    env: dict[str, str],
    *,
    prepared: bool,
    tmpfs_size: str | None,
) -> dict[str, Any]:
    """How to run the server from ``image``: environment, command, entrypoint, tmpfs.

    A prepared data directory is part of the image; on tmpfs, a copy of it is made there
    by a shell that then runs the image's own entrypoint (Docker has no option to fill a
    tmpfs from the image: Podman's ``tmpcopyup`` is refused).
    """
    command = ["postgres", *FAST_POSTGRES, *(TMPFS_POSTGRES if tmpfs_size else ())]
    if tmpfs_size is None:
        extra = {"PGDATA": PREPARED_PGDATA} if prepared else {}
        return {"env": {**env, **extra}, "command": command}
    if not prepared:
        tmpfs = {"/var/lib/postgresql/data": f"rw,size={tmpfs_size}"}
        return {"env": env, "command": command, "tmpfs": tmpfs}
    entrypoint = list(client.images.get(image).attrs["Config"].get("Entrypoint") or [])
    copy = f'cp -a {PREPARED_PGDATA}/. "$PGDATA"/ && exec "$@"'
    return {
        "env": {**env, "PGDATA": TMPFS_PGDATA},
        "entrypoint": ["sh", "-c", copy, "sh", *entrypoint],
        "command": command,
        "tmpfs": {TMPFS_PGDATA: f"rw,size={tmpfs_size}"},
    }


def shared_postgres(
    session: TestSession,
    image: str,
    directory: Path,
    *,
    timeout: float = 90.0,
    tmpfs_size: str | None = TMPFS_SIZE,
) -> PostgresServer:
    """One server for every process of a run that shares ``directory`` (xdist workers):
    the first starts it under a lock and records it there, the others attach. No worker
    removes it; it carries the session's labels, so the run's owner does, at its end
    (or the next run's prune, after a kill)."""
    record = directory / "postgres-server.json"
    with file_lock(directory / "postgres-server.lock"):
        if record.is_file():
            data = json.loads(record.read_text())
            spec = ContainerSpec(image=image)
            container = RunningContainer(session.client, data["id"], spec)
            return PostgresServer(container, data["user"], data["password"], data["dbname"])
        server = start_postgres(session, image, timeout=timeout, tmpfs_size=tmpfs_size)
        session.release(server.container)
        fields = {"id": server.container.id, "user": server.user, "password": server.password}
        record.write_text(json.dumps({**fields, "dbname": server.dbname}))
        return server


def prepared_image(session: TestSession, image: str, env: dict[str, str], timeout: float) -> str:
    """``image`` with a data directory initialised for ``env``; made once, then reused."""
    client = session.client
    base_id = image_id(client, image)
    key = reuse_key("prepared", base_id, sorted(env.items()))
    ref = f"{PREPARED_REPOSITORY}:{key}"
    if image_id(client, ref):
        return ref
    with file_lock(Path(tempfile.gettempdir()) / f"dockdjango-prepare-{key}.lock"):
        if image_id(client, ref):  # another worker or run made it while we waited
            return ref
        container = session.start(
            image,
            env={**env, "PGDATA": PREPARED_PGDATA},
            ports=[5432],
            command=["postgres", *FAST_POSTGRES],
            wait=pg_ready(env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"]),
            timeout=timeout,
        )
        try:
            container.stop(timeout=30)  # a clean shutdown: the next start needs no recovery
            labels = image_labels(client, image)
            labels[PREPARED_FROM] = image
            labels[PREPARED_FOR] = reuse_key(image, sorted(env.items()))
            # A commit keeps the container's labels; blank this session's so containers
            # made from the image later do not claim it (the fixture sets its own anyway).
            labels.update(dict.fromkeys(session.labels(), ""))
            container.commit(PREPARED_REPOSITORY, key, labels)
        finally:
            session.remove(container)
        drop_stale_prepared(client, labels[PREPARED_FOR], keep=ref)
    return ref


def drop_stale_prepared(client: docker.DockerClient, prepared_for: str, keep: str) -> None:
    """Remove images prepared for the same image and settings before the image was rebuilt.

    Their base is gone from the tag, so nothing would use them again. Images a container
    still uses stay (no force); ``dockdjango prune --images`` removes them later.
    """
    tags = tags_labelled(client, f"{PREPARED_FOR}={prepared_for}")
    stale = [t for t in tags if t != keep and ":" in t]
    try:
        remove_images(client, stale)
    except Exception:  # in use by a running test: leave it for prune --images
        pass


def find_kept(client: docker.DockerClient, key: str) -> RunningContainer | None:
    """A running kept container whose reuse key is ``key``, or None."""
    return running_labelled(client, f"{REUSE_KEY}={key}")


def postgres_image(client: docker.DockerClient, configured: str | None = None) -> str:
    """The PostgreSQL image the ``postgres`` fixture runs: ``configured``, else the project's.

    ``DOCKDJANGO_POSTGRES_IMAGE`` overrides both (e.g. to compare with another tool on the
    same image).
    """
    chosen = os.environ.get("DOCKDJANGO_POSTGRES_IMAGE") or configured
    if chosen:
        return chosen
    try:
        from dockdjango.api.stack.postgres import ensure_postgres_image
    except ImportError:  # the PostgreSQL image module is not part of this install
        return "postgres:16"
    ref = ensure_postgres_image(client)
    return str(getattr(ref, "ref", ref))
