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
from dockdjango.pytest_plugin.options import DISK_FULL, add_options, tmpfs_full
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
    if state.settings.postgres_tmpfs is not None:
        config.pluginmanager.register(
            TmpfsFullNote(state, state.settings.postgres_tmpfs), "dockdjango-tmpfs-full"
        )
    if state.django_db_service and not config.pluginmanager.hasplugin("django"):
        raise pytest.UsageError(
            f"dockdjango_django_db = {state.django_db_service} needs pytest-django "
            "(pip install pytest-django)"
        )
    if state.django_db_service:
        # Registered now, after pytest-django, so this fixture overrides pytest-django's.
        config.pluginmanager.register(django_db, "dockdjango-django-db")


class TmpfsFullNote:
    """A test that filled the test server's tmpfs fails with PostgreSQL's "No space left on
    device"; this says once, at the end, which setting to raise (xdist: in the controller,
    which receives every worker's reports)."""

    def __init__(self, state: SessionState, size: str) -> None:
        self.state = state
        self.note = f"a test failed with '{DISK_FULL}': if it wrote to the postgres server, " + (
            tmpfs_full(size)
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Note a failure saying the disk is full."""
        if report.failed and self.note not in self.state.warnings:
            if DISK_FULL in str(report.longrepr):
                self.state.warnings.append(self.note)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state = terminalreporter.config.stash.get(STATE, None)
    for warning in state.warnings if state is not None else ():
        terminalreporter.write_line(f"dockdjango: {warning}", yellow=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.finish()  # the controller takes a shared xdist stack down here
