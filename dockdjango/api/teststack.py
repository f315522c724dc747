"""A test session's stack: one per run, shared by xdist workers, reused across runs on request.

**xdist: one shared stack, guarded by a file lock.** The first worker that asks for the
stack brings it up while holding an ``flock`` in a directory the controller handed to
every worker; the others wait on the lock and then attach to the same project. The
controller -- the process that lives for the whole run and is the owner named in the
labels -- takes it down at the end. Why shared rather than one stack per worker: a
stack's start-up (PostgreSQL's initdb, a web server) is the expensive part of a test
session and machines running ``-n 4`` rarely have cores to spare for four of them;
pytest-django already gives each worker its own test database (``test_<name>_gw0`` ...)
on the one server, and every port is published on an ephemeral 127.0.0.1 port once.

**Reuse.** With ``--dockdjango-reuse`` the project name is stable (derived from the
compose file's path), the labels carry no pid (so the config hash is the same run after
run), and the stack is left running. The next run attaches without calling ``up`` when
every service's container is running/healthy with the config hash and image it would get
now; otherwise it converges (recreating what changed).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockdjango.api.testing import TestSession, file_lock
from dockdjango.api.testpostgres import PostgresServer, postgres_image, start_postgres
from dockdjango.api.testprep import (
    matches_running,
    own_project_name,
    prepare_for_tests,
    project_name,
    select_services,
    stack_environ,
)
from dockdjango.engine.sessions import (
    KEEP,
    OWNER_HOST,
    SESSION,
    find_leftovers,
    new_session_id,
    remove_leftovers,
    session_labels,
)

if TYPE_CHECKING:
    import docker
    import pytest

    from dockdjango.api.stack import Stack


@dataclass
class Settings:
    """The plugin's options and ini keys, read once."""

    compose_file: str = ""
    profiles: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    django_db_service: str = ""
    postgres_image: str = ""
    reuse: bool = False
    prune: bool = True
    timeout: float = 120.0
    rootdir: str = "."


@dataclass
class SessionState:
    """What one pytest process knows about the run: ids, role, options, lazily a client."""

    settings: Settings
    session_id: str
    owner_pid: int
    shared_dir: Path
    worker: str = ""  # "" in the controller / a run without xdist, else "gw0", "gw1" ...
    _client: Any = None
    _stack: SessionStack | None = None
    _pruned: bool = False
    _extra: dict[str, Any] = field(default_factory=dict)

    @property
    def django_db_service(self) -> str:
        """The stack service hosting pytest-django's test database, or ""."""
        return self.settings.django_db_service

    @classmethod
    def from_config(cls, config: pytest.Config) -> SessionState:
        """Read options and ini keys; a worker takes ids from what its controller sent."""
        opt = config.option
        profiles = str(config.getini("dockdjango_profiles") or "").replace(",", " ").split()
        compose = getattr(opt, "dockdjango_file", None) or str(
            config.getini("dockdjango_compose_file") or ""
        )
        if compose and not os.path.isabs(compose):
            # An ini value is relative to the ini file; an option to where pytest was run.
            base = (
                config.inipath.parent if config.inipath and not opt.dockdjango_file else Path.cwd()
            )
            compose = str((base / compose).resolve())
        settings = Settings(
            compose_file=compose,
            profiles=tuple(profiles),
            services=tuple(
                str(config.getini("dockdjango_services") or "").replace(",", " ").split()
            ),
            django_db_service=str(config.getini("dockdjango_django_db") or "").strip(),
            postgres_image=str(config.getini("dockdjango_postgres_image") or "").strip(),
            reuse=bool(getattr(opt, "dockdjango_reuse", False)),
            prune=bool(getattr(opt, "dockdjango_prune", True)),
            timeout=float(config.getini("dockdjango_timeout") or 120),
            rootdir=str(config.rootpath),
        )
        workerinput = getattr(config, "workerinput", None)
        if workerinput and "dockdjango_session" in workerinput:
            return cls(
                settings,
                session_id=workerinput["dockdjango_session"],
                owner_pid=int(workerinput["dockdjango_owner"]),
                shared_dir=Path(workerinput["dockdjango_dir"]),
                worker=str(workerinput.get("workerid", "")),
            )
        session_id = new_session_id()
        shared = Path(tempfile.gettempdir()) / f"dockdjango-{session_id}"
        return cls(settings, session_id=session_id, owner_pid=os.getpid(), shared_dir=shared)

    # -- engine objects ---------------------------------------------------------------------

    def client(self) -> docker.DockerClient:
        """The Docker client, connected once per process (raises EngineUnavailable)."""
        if self._client is None:
            from dockdjango.engine.client import connect

            self._client = connect()
        return self._client

    def test_session(self, client: docker.DockerClient) -> TestSession:
        """This run's :class:`TestSession`; the first one per process prunes dead leftovers."""
        session = TestSession(client, self.session_id, self.owner_pid)
        if self.settings.prune and not self._pruned:
            self._pruned = True
            removed = session.prune()
            self._extra["pruned"] = removed
        return session

    def postgres(self, session: TestSession) -> PostgresServer:
        """The ``postgres`` fixture's server."""
        image = postgres_image(session.client, self.settings.postgres_image or None)
        return start_postgres(
            session, image, reuse=self.settings.reuse, timeout=self.settings.timeout
        )

    def stack(self, session: TestSession) -> SessionStack:
        """The session's stack, up and healthy; shared with the other xdist workers."""
        if self._stack is None:
            from dockdjango.errors import SpecError

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
            self._stack = SessionStack.acquire(self, session)
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
            if self._client is not None or read_record(self.shared_dir):
                client = self.client()
                remove_leftovers(client, find_leftovers(client, session=self.session_id))
        except Exception as exc:  # never turn a finished run into a crash at exit
            print(
                f"dockdjango: could not clean up session {self.session_id}: {exc}", file=sys.stderr
            )
        finally:
            shutil.rmtree(self.shared_dir, ignore_errors=True)


def read_record(shared_dir: Path) -> dict[str, Any]:
    """The stack record the worker that brought the stack up wrote; {} when none."""
    try:
        return dict(json.loads((shared_dir / "stack.json").read_text()))
    except (OSError, ValueError):
        return {}


class SessionStack:
    """The stack of a test session and where its services' ports are published."""

    def __init__(self, stack: Stack, *, reused: bool = False, kept: bool = False) -> None:
        self.stack = stack
        self.reused = reused
        self.kept = kept
        self._ports: dict[tuple[str, int], tuple[str, int]] = {}

    @property
    def name(self) -> str:
        """The project name."""
        return self.stack.name

    def address(self, service: str, port: int) -> tuple[str, int]:
        """``("127.0.0.1", 49153)``: where ``port`` of ``service`` is published."""
        key = (service, int(port))
        if key not in self._ports:
            self._ports[key] = self.stack.port(service, int(port))
        return self._ports[key]

    def url(self, service: str, port: int, scheme: str = "http") -> str:
        """``http://127.0.0.1:49153``."""
        host, hport = self.address(service, port)
        return f"{scheme}://{host}:{hport}"

    def down(self) -> None:
        """Remove the stack's containers, networks and volumes at once.

        A test stack's data is thrown away, so its containers are killed rather than
        stopped: a server that ignores SIGTERM as PID 1 (``python -m http.server``) would
        otherwise cost the stop timeout, 10 s, on every run. Objects are found by the
        session label ``prepare_for_tests`` put on each of them.
        """
        services = self.stack.project.services
        labels = services[next(iter(services))].labels
        leftovers = find_leftovers(self.stack.client, session=labels[SESSION])
        remove_leftovers(self.stack.client, leftovers)

    @staticmethod
    def load(state: SessionState, client: docker.DockerClient, project: str, kept: bool) -> Stack:
        """Load the compose file as the test stack ``project`` with this session's labels."""
        from dockdjango.api.stack import Stack

        stack = Stack.load(
            state.settings.compose_file,
            project_name=project,
            profiles=state.settings.profiles,
            environ=stack_environ(state.settings.compose_file, client),
            client=client,
        )
        stack = select_services(stack, state.settings.services)
        if kept:
            # Constant across runs (no pid) so the config hash, and reuse, survive them.
            labels = {SESSION: f"reuse-{project}", KEEP: "reuse", OWNER_HOST: socket.gethostname()}
        else:
            session = TestSession(client, state.session_id, state.owner_pid)
            labels = session_labels(session.id, session.owner)
        prepare_for_tests(stack, labels, own_project_name(state.settings.compose_file))
        return stack

    @classmethod
    def from_record(
        cls, state: SessionState, record: Mapping[str, Any], client: docker.DockerClient
    ) -> SessionStack | None:
        """Attach to the stack another worker of this run brought up."""
        if record.get("error"):
            from dockdjango.errors import ServiceError

            raise ServiceError(
                str(record.get("service") or "stack"),
                str(record["error"]),
                logs=list(record.get("logs") or []),
            )
        stack = cls.load(state, client, str(record["project"]), bool(record.get("kept")))
        return cls(stack, reused=True, kept=bool(record.get("kept")))

    @classmethod
    def acquire(cls, state: SessionState, session: TestSession) -> SessionStack:
        """Attach to this run's stack, or bring it up (under the lock) if nobody has."""
        from dockdjango.errors import ServiceError

        state.shared_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(state.shared_dir / "stack.lock"), _project_lock(state):
            record = read_record(state.shared_dir)
            if record:
                found = cls.from_record(state, record, session.client)
                assert found is not None
                return found
            kept = state.settings.reuse
            project = project_name(
                state.settings.compose_file, state.settings.profiles, state.session_id, kept
            )
            stack = cls.load(state, session.client, project, kept)
            record = {"project": project, "kept": kept}
            try:
                reused = kept and matches_running(stack)
                if not reused:
                    stack.up(wait=True, timeout=state.settings.timeout, remove_orphans=True)
            except ServiceError as exc:
                record = {
                    "error": str(exc),
                    "service": exc.service,
                    "logs": failing_logs(stack, exc),
                }
                write_record(state.shared_dir, record)
                if not kept:
                    SessionStack(stack).down()
                exc.logs = record["logs"]
                raise
            write_record(state.shared_dir, record)
            return cls(stack, reused=reused, kept=kept)


@contextmanager
def _project_lock(state: SessionState) -> Iterator[None]:
    """With reuse, also one lock per kept project: two runs at once converge it in turn."""
    if not state.settings.reuse:
        yield
        return
    name = project_name(state.settings.compose_file, state.settings.profiles, "", reuse=True)
    with file_lock(Path(tempfile.gettempdir()) / f"dockdjango-{name}.lock"):
        yield


def write_record(shared_dir: Path, record: Mapping[str, Any]) -> None:
    """Write the stack record atomically (a reader never sees half a file)."""
    tmp = shared_dir / f"stack.json.{os.getpid()}"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, shared_dir / "stack.json")


def failing_logs(stack: Stack, exc: Any, tail: int = 25) -> list[str]:
    """The failing service's last log lines (more than the error itself carries)."""
    try:
        lines = stack.logs(exc.service, tail=tail)
        return [getattr(line, "text", str(line)) for line in lines]  # type: ignore[union-attr]
    except Exception:  # the container may be gone already; fall back to what the error has
        return list(getattr(exc, "logs", []) or [])
