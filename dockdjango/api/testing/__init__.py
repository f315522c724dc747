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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockdjango.api.connection import (
        connect,
    )
    from dockdjango.api.locks import (
        file_lock,
    )
    from dockdjango.api.testing.testpostgres import (
        REUSE_KEY,
        PostgresServer,
        find_kept,
        postgres_image,
        shared_postgres,
        start_postgres,
    )
    from dockdjango.api.testing.testsession import (
        RunningContainer,
        TestSession,
        Wait,
        prune,
        wait_for,
    )
    from dockdjango.engine.testing.session_ids import (
        new_session_id,
    )
    from dockdjango.engine.testing.sessions import (
        KEEP,
        OWNER_HOST,
        SESSION,
        Leftovers,
        Owner,
        find_leftovers,
        prepared_images,
        remove_images,
        remove_leftovers,
        session_labels,
    )

# name -> module, imported on first use: the pytest plugin reads its options and makes a
# session id at start-up, and a run that uses no container never imports the Docker SDK.
_EXPORTS: dict[str, str] = {
    "connect": "dockdjango.api.connection",
    "file_lock": "dockdjango.api.locks",
    "REUSE_KEY": "dockdjango.api.testing.testpostgres",
    "PostgresServer": "dockdjango.api.testing.testpostgres",
    "find_kept": "dockdjango.api.testing.testpostgres",
    "postgres_image": "dockdjango.api.testing.testpostgres",
    "shared_postgres": "dockdjango.api.testing.testpostgres",
    "start_postgres": "dockdjango.api.testing.testpostgres",
    "RunningContainer": "dockdjango.api.testing.testsession",
    "TestSession": "dockdjango.api.testing.testsession",
    "Wait": "dockdjango.api.testing.testsession",
    "prune": "dockdjango.api.testing.testsession",
    "wait_for": "dockdjango.api.testing.testsession",
    "new_session_id": "dockdjango.engine.testing.session_ids",
    "KEEP": "dockdjango.engine.testing.sessions",
    "OWNER_HOST": "dockdjango.engine.testing.sessions",
    "SESSION": "dockdjango.engine.testing.sessions",
    "Leftovers": "dockdjango.engine.testing.sessions",
    "Owner": "dockdjango.engine.testing.sessions",
    "find_leftovers": "dockdjango.engine.testing.sessions",
    "prepared_images": "dockdjango.engine.testing.sessions",
    "remove_images": "dockdjango.engine.testing.sessions",
    "remove_leftovers": "dockdjango.engine.testing.sessions",
    "session_labels": "dockdjango.engine.testing.sessions",
}

__all__ = [
    "KEEP",
    "Leftovers",
    "OWNER_HOST",
    "Owner",
    "PostgresServer",
    "REUSE_KEY",
    "RunningContainer",
    "SESSION",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dockdjango.api.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
