"""A stack's database: snapshots, atomic restores, reset, a database per git branch, and
migration drift warnings -- ``Stack.db`` (:class:`StackDatabase`) and ``dockdjango db``.

``target`` finds the stack's PostgreSQL service; ``psql`` runs SQL inside its container;
``catalog`` names and marks the databases kept beside yours; ``snapshots`` copies and
swaps them; ``branches`` and ``drift`` serve ``up``; ``database`` is the facade. Modules
here import the api's top, the floors below (``engine`` for ``exec``, ``detection`` for
migration files, ``compose`` for the project) and each other, never ``api.stack``:
a `Stack` reaches them through the small :class:`DatabaseHost` protocol.
"""

from __future__ import annotations

from dockdjango.api.database.catalog import KeptDatabase, human_age, human_size
from dockdjango.api.database.database import DatabaseHost, StackDatabase, default_name
from dockdjango.api.database.drift import Drift
from dockdjango.api.database.psql import DatabaseError
from dockdjango.api.database.snapshots import Restored
from dockdjango.api.database.target import DatabaseService, find_database, is_postgres_image

__all__ = [
    "DatabaseError",
    "DatabaseHost",
    "DatabaseService",
    "Drift",
    "KeptDatabase",
    "Restored",
    "StackDatabase",
    "default_name",
    "find_database",
    "human_age",
    "human_size",
    "is_postgres_image",
]
