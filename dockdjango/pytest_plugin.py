"""dockdjango's pytest plugin (registered through the ``pytest11`` entry point).

Options and fixtures only; the work lives in :mod:`dockdjango.api.testing` (containers,
sessions, PostgreSQL) and :mod:`dockdjango.api.teststack` (the session's stack, reuse,
xdist sharing, pytest-django). Nothing here touches Docker until a test asks for a
fixture that needs it, so suites that use none of them pay nothing. See docs/pytest.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    import docker

    from dockdjango.api.testing import RunningContainer, TestSession
    from dockdjango.api.testpostgres import PostgresServer
    from dockdjango.api.teststack import SessionStack, SessionState


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dockdjango", "dockdjango: containers and stacks for tests")
    group.addoption(
        "--dockdjango-file",
        dest="dockdjango_file",
        metavar="PATH",
        help="compose file of the session's stack (overrides the dockdjango_compose_file ini key)",
    )
    group.addoption(
        "--dockdjango-reuse",
        dest="dockdjango_reuse",
        action="store_true",
        help="leave the stack (and the postgres fixture's server) running after the session "
        "and reuse it next time while its configuration is unchanged",
    )
    group.addoption(
        "--dockdjango-no-prune",
        dest="dockdjango_prune",
        action="store_false",
        help="do not remove leftovers of killed test sessions at start-up",
    )
    parser.addini("dockdjango_compose_file", "compose file of the session's stack", default="")
    parser.addini(
        "dockdjango_profiles", "compose profiles to enable (space or comma separated)", default=""
    )
    parser.addini(
        "dockdjango_services",
        "services of the stack to start, with their dependencies (default: all)",
        default="",
    )
    parser.addini(
        "dockdjango_django_db",
        "stack service whose PostgreSQL hosts pytest-django's test database (e.g. db); "
        "without a compose file, `postgres` uses the postgres fixture's server",
        default="",
    )
    parser.addini(
        "dockdjango_postgres_image",
        "image of the postgres fixture (default: dockdjango's PostgreSQL image)",
        default="",
    )
    parser.addini(
        "dockdjango_timeout", "seconds a stack or container may take to become ready", default="120"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine: needs a running Docker engine")
    from dockdjango.api import testhooks
    from dockdjango.api.teststack import SessionState

    state = SessionState.from_config(config)
    config.stash[_STATE] = state
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(testhooks.XdistHooks(state), "dockdjango-xdist")
    if state.django_db_service and not config.pluginmanager.hasplugin("django"):
        raise pytest.UsageError(
            f"dockdjango_django_db = {state.django_db_service} needs pytest-django "
            "(pip install pytest-django)"
        )
    if state.django_db_service:
        # Registered now, after pytest-django, so this fixture overrides pytest-django's.
        config.pluginmanager.register(testhooks, "dockdjango-django-db")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.finish()  # the controller takes a shared xdist stack down here


_STATE = pytest.StashKey["SessionState"]()
_T = TypeVar("_T")


def _or_fail(action: Callable[[], _T]) -> _T:
    """``action()``; a dockdjango error becomes a one-screen pytest error: message, logs, hint."""
    from dockdjango.api.testing import failure_report
    from dockdjango.errors import DockdjangoError

    try:
        return action()
    except DockdjangoError as exc:
        report = failure_report(exc)
    pytest.fail(report, pytrace=False)  # outside the except: no "during handling of" chain


@pytest.fixture(scope="session")
def dockdjango_state(pytestconfig: pytest.Config) -> SessionState:
    """This session's settings and shared state (session id, owner, xdist role, options)."""
    return pytestconfig.stash[_STATE]


@pytest.fixture(scope="session")
def docker_client(dockdjango_state: SessionState) -> docker.DockerClient:
    """A client of the Docker engine; a clear error naming the socket when none answers."""
    return _or_fail(dockdjango_state.client)


@pytest.fixture(scope="session")
def dockdjango_session(
    docker_client: docker.DockerClient, dockdjango_state: SessionState
) -> Iterator[TestSession]:
    """Labels and tracks every container of this run; prunes dead runs' leftovers first."""
    session = _or_fail(lambda: dockdjango_state.test_session(docker_client))
    yield session
    session.close()


@pytest.fixture
def container(dockdjango_session: TestSession) -> Iterator[Callable[..., RunningContainer]]:
    """Start a one-off container, ready per ``wait=``; removed when the test ends, pass or fail.

    ``container(image, env=..., ports=[5432], command=..., wait=wait_for.port(5432),
    timeout=60)``; ports are published on ephemeral 127.0.0.1 ports (``c.address(5432)``).
    """
    started: list[RunningContainer] = []

    def start(image: str, **kwargs: Any) -> RunningContainer:
        running = dockdjango_session.start(image, **kwargs)
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        dockdjango_session.remove(running)


@pytest.fixture(scope="session")
def postgres_server(
    dockdjango_session: TestSession, dockdjango_state: SessionState
) -> PostgresServer:
    """A ready PostgreSQL server for the session (kept and reused with --dockdjango-reuse)."""
    return _or_fail(lambda: dockdjango_state.postgres(dockdjango_session))


@pytest.fixture(scope="session")
def postgres(postgres_server: PostgresServer) -> str:
    """A ready database URL: ``postgres://test:test@127.0.0.1:<port>/test``."""
    return postgres_server.url


@pytest.fixture(scope="session")
def dockdjango_stack(
    dockdjango_session: TestSession, dockdjango_state: SessionState
) -> Iterator[SessionStack]:
    """The configured compose stack, up and healthy for the session, down at its end."""
    stack = _or_fail(lambda: dockdjango_state.stack(dockdjango_session))
    yield stack
    dockdjango_state.release_stack()


@pytest.fixture(scope="session")
def service_address(request: pytest.FixtureRequest) -> Callable[[str, int], tuple[str, int]]:
    """``service_address("web", 8000) -> ("127.0.0.1", 49153)`` through the session's stack."""
    stack: SessionStack = request.getfixturevalue("dockdjango_stack")
    return stack.address


@pytest.fixture(scope="session")
def service_url(service_address: Callable[[str, int], tuple[str, int]]) -> Callable[..., str]:
    """``service_url("web", 8000) -> "http://127.0.0.1:49153"`` (``scheme=`` to change)."""

    def url(name: str, port: int, scheme: str = "http") -> str:
        host, hport = service_address(name, port)
        return f"{scheme}://{host}:{hport}"

    return url
