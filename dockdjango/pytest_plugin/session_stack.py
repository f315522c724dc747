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
import socket
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dockdjango.api.stack.stack import Stack
from dockdjango.api.testing import (
    KEEP,
    OWNER_HOST,
    SESSION,
    TestSession,
    file_lock,
    find_leftovers,
    remove_leftovers,
    session_labels,
)
from dockdjango.api.testing.testprep import (
    matches_running,
    own_project_name,
    prepare_for_tests,
    project_name,
    select_services,
    stack_environ,
)
from dockdjango.errors import ServiceError
from dockdjango.pytest_plugin.options import Settings


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
    def load(settings: Settings, session: TestSession, project: str, kept: bool) -> Stack:
        """Load the compose file as the test stack ``project`` with this session's labels."""
        stack = Stack.load(
            settings.compose_file,
            project_name=project,
            profiles=settings.profiles,
            environ=stack_environ(settings.compose_file, session.client),
            client=session.client,
        )
        stack = select_services(stack, settings.services)
        if kept:
            # Constant across runs (no pid) so the config hash, and reuse, survive them.
            labels = {SESSION: f"reuse-{project}", KEEP: "reuse", OWNER_HOST: socket.gethostname()}
        else:
            labels = session_labels(session.id, session.owner)
        prepare_for_tests(stack, labels, own_project_name(settings.compose_file))
        return stack

    @classmethod
    def from_record(
        cls, settings: Settings, session: TestSession, record: Mapping[str, Any]
    ) -> SessionStack:
        """Attach to the stack another worker of this run brought up."""
        if record.get("error"):
            raise ServiceError(
                str(record.get("service") or "stack"),
                str(record["error"]),
                logs=list(record.get("logs") or []),
            )
        kept = bool(record.get("kept"))
        return cls(
            cls.load(settings, session, str(record["project"]), kept), reused=True, kept=kept
        )

    @classmethod
    def acquire(cls, settings: Settings, session: TestSession, shared_dir: Path) -> SessionStack:
        """Attach to this run's stack, or bring it up (under the lock) if nobody has."""
        shared_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(shared_dir / "stack.lock"), _project_lock(settings):
            record = read_record(shared_dir)
            if record:
                return cls.from_record(settings, session, record)
            kept = settings.reuse
            project = project_name(settings.compose_file, settings.profiles, session.id, kept)
            stack = cls.load(settings, session, project, kept)
            record = {"project": project, "kept": kept}
            try:
                reused = kept and matches_running(stack)
                if not reused:
                    stack.up(wait=True, timeout=settings.timeout, remove_orphans=True)
            except ServiceError as exc:
                record = {
                    "error": str(exc),
                    "service": exc.service,
                    "logs": failing_logs(stack, exc),
                }
                write_record(shared_dir, record)
                if not kept:
                    SessionStack(stack).down()
                exc.logs = record["logs"]
                raise
            write_record(shared_dir, record)
            return cls(stack, reused=reused, kept=kept)


@contextmanager
def _project_lock(settings: Settings) -> Iterator[None]:
    """With reuse, also one lock per kept project: two runs at once converge it in turn."""
    if not settings.reuse:
        yield
        return
    name = project_name(settings.compose_file, settings.profiles, "", reuse=True)
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
