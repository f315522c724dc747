"""What one pytest process knows about the run: session id, owner, xdist role, a client.

Under pytest-xdist the controller makes the session id and a shared directory and hands
both (and its pid, the owner named in every label) to each worker, so all workers label
their containers as one session and share one stack (see
:mod:`dockdjango.pytest_plugin.session_stack`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dockdjango.api.locks import file_lock
from dockdjango.api.testing import new_session_id
from dockdjango.errors import DockdjangoError, SpecError
from dockdjango.pytest_plugin.options import Settings

# The API's containers, PostgreSQL and stacks (and the Docker SDK behind them) are
# imported where a fixture first needs them: a test run that uses none pays nothing.
if TYPE_CHECKING:
    from dockdjango.api.connection import DockerClient
    from dockdjango.api.testing import PostgresServer, TestSession
    from dockdjango.pytest_plugin.session_stack import SessionStack

#: What a worker writes when it started the run's shared PostgreSQL (the controller removes it)
SHARED_SERVER = "postgres-server.json"
#: Where the first xdist worker writes the address of pytest-django's server for the others
DJANGO_SERVER = "django-postgres.json"


@dataclass
class SessionState:
    """What one pytest process knows about the run: ids, role, options, lazily a client."""

    settings: Settings
    session_id: str
    owner_pid: int
    shared_dir: Path
    worker: str = ""  # "" in the controller / a run without xdist, else "gw0", "gw1" ...
    #: The test schema's key, computed once by the xdist controller ("" when it did not)
    schema_key: str = ""
    _client: Any = None
    _stack: SessionStack | None = None
    _pruned: bool = False
    _extra: dict[str, Any] = field(default_factory=dict)
    #: One line each, shown in the terminal summary (what pruning had to leave).
    warnings: list[str] = field(default_factory=list)

    @property
    def django_db_service(self) -> str:
        """The stack service hosting pytest-django's test database, or ""."""
        return self.settings.django_db_service

    @classmethod
    def from_config(cls, config: pytest.Config) -> SessionState:
        """Read options and ini keys; a worker takes ids from what its controller sent."""
        settings = Settings.from_config(config)
        workerinput = getattr(config, "workerinput", None)
        if workerinput and "dockdjango_session" in workerinput:
            return cls(
                settings,
                session_id=workerinput["dockdjango_session"],
                owner_pid=int(workerinput["dockdjango_owner"]),
                shared_dir=Path(workerinput["dockdjango_dir"]),
                worker=str(workerinput.get("workerid", "")),
                schema_key=str(workerinput.get("dockdjango_schema_key", "")),
            )
        session_id = new_session_id()
        shared = Path(tempfile.gettempdir()) / f"dockdjango-{session_id}"
        return cls(settings, session_id=session_id, owner_pid=os.getpid(), shared_dir=shared)

    # -- engine objects ---------------------------------------------------------------------

    def client(self) -> DockerClient:
        """The Docker client, connected once per process (raises EngineUnavailable)."""
        if self._client is None:
            from dockdjango.api.testing import connect

            self._client = connect()
        return self._client

    def test_session(self, client: DockerClient) -> TestSession:
        """This run's :class:`TestSession`; the first one per process prunes dead leftovers.

        Pruning is a courtesy to earlier runs: what it cannot remove (a network another
        session still uses, an engine refusal) becomes a warning, never a setup error.
        """
        from dockdjango.api.testing import TestSession

        session = TestSession(client, self.session_id, self.owner_pid)
        if self.settings.prune and not self._pruned:
            self._pruned = True
            try:
                removed = session.prune()
            except DockdjangoError as exc:
                self.warnings.append(f"could not prune the leftovers of killed sessions: {exc}")
            else:
                self._extra["pruned"] = removed
                self.warnings += [w for entry in removed for w in entry.warnings]
        return session

    def postgres(self, session: TestSession) -> PostgresServer:
        """The ``postgres`` fixture's server."""
        from dockdjango.api.testing import postgres_image, start_postgres

        image = postgres_image(session.client, self.settings.postgres_image or None)
        return start_postgres(
            session,
            image,
            reuse=self.settings.reuse,
            timeout=self.settings.timeout,
            tmpfs_size=self.settings.postgres_tmpfs,
        )

    def django_postgres(self, session: TestSession) -> PostgresServer:
        """The server of pytest-django's databases with ``dockdjango_django_db = postgres``:
        one for all xdist workers of the run (each has its own database on it), so the
        schema is migrated once for all of them; with reuse, the kept ``postgres`` server."""
        if self.settings.reuse or not self.worker:
            return self.postgres(session)
        from dockdjango.api.testing import postgres_image, shared_postgres

        image = postgres_image(session.client, self.settings.postgres_image or None)
        self.shared_dir.mkdir(parents=True, exist_ok=True)
        return shared_postgres(
            session,
            image,
            self.shared_dir,
            timeout=self.settings.timeout,
            tmpfs_size=self.settings.postgres_tmpfs,
        )

    def django_server(self, session_of: Callable[[], TestSession]) -> dict[str, Any]:
        """Where pytest-django's server (:meth:`django_postgres`) listens and how to log in.

        The first xdist worker finds or starts it and records this in the run's shared
        directory; the others read the record and never ask Docker (a client, a prune and
        a container look-up each cost a worker 0.4-0.7 s on a busy machine)."""
        if not self.worker:
            return server_fields(self.django_postgres(session_of()))
        record = self.shared_dir / DJANGO_SERVER
        self.shared_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.shared_dir / f"{DJANGO_SERVER}.lock"):
            if record.is_file():
                return dict(json.loads(record.read_text()))
            fields = server_fields(self.django_postgres(session_of()))
            record.write_text(json.dumps(fields))
        return fields

    def stack(self, session: TestSession) -> SessionStack:
        """The session's stack, up and healthy; shared with the other xdist workers."""
        if self._stack is None:
            if not self.settings.compose_file:
                raise SpecError(
                    "no compose file for dockdjango_stack",
                    hint="set dockdjango_compose_file in pytest.ini/pyproject.toml "
                    "or pass --dockdjango-file PATH",
                )
            if not Path(self.settings.compose_file).is_file():
                raise SpecError(
                    f"compose file {self.settings.compose_file} not found",
                    hint="fix dockdjango_compose_file (relative to the ini file) or "
                    "--dockdjango-file (relative to where pytest runs)",
                )
            from dockdjango.pytest_plugin.session_stack import SessionStack

            self._stack = SessionStack.acquire(self.settings, session, self.shared_dir)
        return self._stack

    def release_stack(self) -> None:
        """End of the session fixture: down now, unless shared with workers or kept."""
        if self._stack is not None and not self.worker and not self.settings.reuse:
            self._stack.down()
            self._stack = None
            (self.shared_dir / "stack.json").unlink(missing_ok=True)  # nothing left for finish()

    def finish(self) -> None:
        """At unconfigure, in the controller: remove whatever still carries this session's label.

        Under xdist that is the shared stack the workers used (its owner, the controller,
        takes it down); without xdist, anything a finalizer could not remove. Only runs that
        used Docker pay for the look-up. Errors are reported, not raised: the next session's
        prune removes what is left.
        """
        if self.worker:
            return
        try:
            shared = _stack_recorded(self.shared_dir) or (self.shared_dir / SHARED_SERVER).exists()
            if self._client is not None or shared:
                from dockdjango.api.testing import find_leftovers, remove_leftovers

                client = self.client()
                mine = find_leftovers(client, session=self.session_id)
                remove_leftovers(client, mine)
                for warning in (w for entry in mine for w in entry.warnings):
                    print(f"dockdjango: {warning}", file=sys.stderr)
        except Exception as exc:  # never turn a finished run into a crash at exit
            print(
                f"dockdjango: could not clean up session {self.session_id}: {exc}", file=sys.stderr
            )
        finally:
            shutil.rmtree(self.shared_dir, ignore_errors=True)


def server_fields(server: PostgresServer) -> dict[str, Any]:
    """A server's address and credentials (what a record hands to other workers)."""
    return {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "dbname": server.dbname,
    }


def _stack_recorded(shared_dir: Path) -> bool:
    """Whether a worker recorded a shared stack (read only when there is a record)."""
    if not (shared_dir / "stack.json").is_file():
        return False
    from dockdjango.pytest_plugin.session_stack import read_record

    return bool(read_record(shared_dir))


class XdistHooks:
    """Hands every worker the controller's session id, pid and shared directory, and with
    ``dockdjango_django_db`` the test schema's key (computed once, not by every worker)."""

    def __init__(self, state: SessionState, schema_key: Callable[[], str]) -> None:
        self.state = state
        self._compute_key = schema_key
        self._schema_key: str | None = None

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["dockdjango_session"] = self.state.session_id
        node.workerinput["dockdjango_owner"] = str(self.state.owner_pid)
        node.workerinput["dockdjango_dir"] = str(self.state.shared_dir)
        if self.state.django_db_service:
            if self._schema_key is None:
                self._schema_key = self._compute_key()
            node.workerinput["dockdjango_schema_key"] = self._schema_key
