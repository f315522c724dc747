"""Containers for test sessions: labelled, waited for, always removed, leftovers pruned.

Everything for tests in one import; the pytest plugin is a thin shell over these, and a
script or another test runner can use them directly::

    with TestSession(connect()) as session:
        session.prune()                                   # leftovers of killed runs
        redis = session.start("redis:7", ports=[6379], wait=wait_for.log("Ready to accept"))
        host, port = redis.address(6379)
        pg = start_postgres(session, "postgres:16")       # ready; pg.url

The pieces live in this room: :mod:`~dockdjango.api.testing.testsession` (containers,
readiness), :mod:`~dockdjango.api.testing.testpostgres` (a fast PostgreSQL) and
:mod:`~dockdjango.api.testing.testprep` (a compose stack made safe for a test run). Modules
here import the top of ``api``, ``api.stack`` and the floors below; nothing here imports
pytest.
"""

from __future__ import annotations

from dockdjango.api.connection import connect
from dockdjango.api.locks import file_lock
from dockdjango.api.testing.testpostgres import (
    REUSE_KEY,
    PostgresServer,
    find_kept,
    postgres_image,
    shared_postgres,
    start_postgres,
)
from dockdjango.api.testing.testsession import RunningContainer, TestSession, Wait, prune, wait_for
from dockdjango.engine.testing.sessions import (
    KEEP,
    OWNER_HOST,
    SESSION,
    Leftovers,
    Owner,
    find_leftovers,
    new_session_id,
    prepared_images,
    remove_images,
    remove_leftovers,
    session_labels,
)

__all__ = [
    "KEEP",
    "OWNER_HOST",
    "REUSE_KEY",
    "SESSION",
    "Leftovers",
    "Owner",
    "PostgresServer",
    "RunningContainer",
    "TestSession",
    "Wait",
    "connect",
    "file_lock",
    "find_kept",
    "find_leftovers",
    "new_session_id",
    "postgres_image",
    "prepared_images",
    "prune",
    "remove_images",
    "remove_leftovers",
    "session_labels",
    "shared_postgres",
    "start_postgres",
    "wait_for",
]
