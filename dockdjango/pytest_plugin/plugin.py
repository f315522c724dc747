"""The plugin pytest loads (the ``pytest11`` entry point names this module): its hooks,
and its fixtures, imported here so that pytest finds them on the module it registered.

``pytest_configure`` reads the options into this process's `SessionState`, registers the
xdist hooks when pytest-xdist runs, and registers the pytest-django database fixtures
(:mod:`dockdjango.pytest_plugin.django_db`) when ``dockdjango_django_db`` asks for them.
"""

from __future__ import annotations

import pytest

from dockdjango.pytest_plugin import django_db
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
from dockdjango.pytest_plugin.options import add_options
from dockdjango.pytest_plugin.session_state import SessionState, XdistHooks

#: The hooks and fixtures pytest collects from this module.
__all__ = [
    "container",
    "docker_client",
    "dockdjango_session",
    "dockdjango_stack",
    "dockdjango_state",
    "postgres",
    "postgres_server",
    "pytest_addoption",
    "pytest_configure",
    "pytest_terminal_summary",
    "pytest_unconfigure",
    "service_address",
    "service_url",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine: needs a running Docker engine")
    state = SessionState.from_config(config)
    config.stash[STATE] = state
    if config.pluginmanager.hasplugin("xdist"):
        hooks = XdistHooks(state, django_db.controller_schema_key)
        config.pluginmanager.register(hooks, "dockdjango-xdist")
    if state.django_db_service and not config.pluginmanager.hasplugin("django"):
        raise pytest.UsageError(
            f"dockdjango_django_db = {state.django_db_service} needs pytest-django "
            "(pip install pytest-django)"
        )
    if state.django_db_service:
        # Registered now, after pytest-django, so this fixture overrides pytest-django's.
        config.pluginmanager.register(django_db, "dockdjango-django-db")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state = terminalreporter.config.stash.get(STATE, None)
    for warning in state.warnings if state is not None else ():
        terminalreporter.write_line(f"dockdjango: {warning}", yellow=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.finish()  # the controller takes a shared xdist stack down here
