"""dockdjango's pytest plugin (registered through the ``pytest11`` entry point).

Options and fixtures only; the work lives in the Python API (:mod:`dockdjango.api.testing`:
containers, sessions, PostgreSQL, and a compose stack made safe for a test run). The
modules here are the pytest side of it, and import ``dockdjango.api`` and
``dockdjango.errors`` only (pytest itself is imported nowhere else):

- ``plugin``: the hooks (options, configure, unconfigure);
- ``options``: the command-line options and ini keys, read into `Settings`;
- ``fixtures``: ``docker_client``, ``container``, ``postgres``, ``dockdjango_stack``,
  ``service_url`` ...;
- ``session_state``: this process's session (ids, xdist role, client);
- ``session_stack``: the session's stack, shared by xdist workers, reused on request;
- ``django_db``: pytest-django's test database on the stack's PostgreSQL.

See docs/pytest.md.
"""

from __future__ import annotations

from dockdjango.pytest_plugin.fixtures import (
    STATE,
    container,
    dockdjango_session,
    dockdjango_stack,
    dockdjango_state,
    docker_client,
    postgres,
    postgres_server,
    service_address,
    service_url,
)
from dockdjango.pytest_plugin.plugin import pytest_addoption, pytest_configure, pytest_unconfigure

__all__ = [
    "STATE",
    "container",
    "docker_client",
    "dockdjango_session",
    "dockdjango_stack",
    "dockdjango_state",
    "postgres",
    "postgres_server",
    "pytest_addoption",
    "pytest_configure",
    "pytest_unconfigure",
    "service_address",
    "service_url",
]
