"""The plugin's fixtures: thin shells over ``dockdjango.api`` (see docs/pytest.md).

Nothing here touches Docker until a test asks for a fixture that needs it, so suites
that use none of them pay nothing. A dockdjango error in a fixture becomes one pytest
error that shows the message, the failing service's last output and the hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from dockdjango.errors import BuildError, DockdjangoError
from dockdjango.pytest_plugin.session_state import SessionState

# Named in annotations only: the API (and the Docker SDK behind it) is imported by the
# session state when a fixture first needs it, so a run that uses none pays nothing.
if TYPE_CHECKING:
    from dockdjango.api.connection import DockerClient
    from dockdjango.api.testing import PostgresServer, RunningContainer, TestSession
    from dockdjango.pytest_plugin.session_stack import SessionStack

#: Where ``pytest_configure`` keeps this process's `SessionState`.
STATE = pytest.StashKey[SessionState]()
_T = TypeVar("_T")


def failure_report(exc: BaseException) -> str:
    """A dockdjango error as the pytest report shows it: message, the logs (or a failed
    build step's last output lines), the hint."""
    text = f"dockdjango: {exc}"
    if isinstance(exc, BuildError) and exc.output:
        tail = exc.tail()
        text += f"\n  last {len(tail)} output lines of the failing step:\n"
        text += "\n".join(f"    | {line}" for line in tail)
    logs = list(getattr(exc, "logs", None) or [])
    message = str(exc)
    # Shown unless the message already carries them all (a container's wait failure does).
    if any(line.strip() and line.strip() not in message for line in logs):
        service = getattr(exc, "service", "") or "the service"
        shown = "\n".join(f"    | {line}" for line in logs)
        text += f"\n  last {len(logs)} log lines of {service}:\n{shown}"
        return text  # the logs are the hint; "see dockdjango logs" would point at nothing
    hint = getattr(exc, "hint", None)
    if hint:
        text += f"\nhint: {hint}"
    return text


def _or_fail(action: Callable[[], _T]) -> _T:
    """``action()``; a dockdjango error becomes a one-screen pytest error: message, logs, hint."""
    try:
        return action()
    except DockdjangoError as exc:
        report = failure_report(exc)
    pytest.fail(report, pytrace=False)  # outside the except: no "during handling of" chain


@pytest.fixture(scope="session")
def dockdjango_state(pytestconfig: pytest.Config) -> SessionState:
    """This session's settings and shared state (session id, owner, xdist role, options)."""
    return pytestconfig.stash[STATE]


@pytest.fixture(scope="session")
def docker_client(dockdjango_state: SessionState) -> DockerClient:
    """A client of the Docker engine; a clear error naming the socket when none answers."""
    return _or_fail(dockdjango_state.client)


@pytest.fixture(scope="session")
def dockdjango_session(
    docker_client: DockerClient, dockdjango_state: SessionState
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
