"""dockdjango's pytest plugin. The ``pytest11`` entry point names
:mod:`dockdjango.pytest_plugin.plugin`, the module that holds every hook and imports
every fixture (as pytest-django's names ``pytest_django.plugin``), so nothing has to be
re-exported by hand here.

Options and fixtures only; the work lives in the Python API (:mod:`dockdjango.api.testing`:
containers, sessions, PostgreSQL, and a compose stack made safe for a test run). The
modules here are the pytest side of it, and import ``dockdjango.api`` and
``dockdjango.errors`` only (pytest itself is imported nowhere else):

- ``plugin``: the hooks (options, configure, terminal summary, unconfigure) and the
  fixtures, as pytest loads them;
- ``options``: the command-line options and ini keys, read into `Settings`;
- ``fixtures``: ``docker_client``, ``container``, ``postgres``, ``dockdjango_stack``,
  ``service_url`` ...;
- ``session_state``: this process's session (ids, xdist role, client);
- ``session_stack``: the session's stack, shared by xdist workers, reused on request;
- ``django_db``: pytest-django's test database on the stack's PostgreSQL.

See docs/pytest.md.
"""

from __future__ import annotations

from dockdjango.pytest_plugin.fixtures import STATE

__all__ = ["STATE"]
