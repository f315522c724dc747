"""``Stack.watch`` on the real engine: edits, new directories and deletes reach the
container; ignored files do not; a requirements change rebuilds and recreates only the
service it belongs to; a burst of saves restarts once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from dockdjango.api.stack.stack import Stack
from dockdjango.api.stack.stack_watch import watch
from dockdjango.errors import EngineError, ServiceError
from tests.stacks import IMAGE

pytestmark = pytest.mark.engine


COMPOSE = f"""
services:
  app:
    build: .
    init: true
    command: ["sleep", "infinity"]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /srv/src
          ignore: ["*.tmp"]
        - action: rebuild
          path: requirements.txt
  worker:
    image: {IMAGE}
    init: true
    command: ["sleep", "infinity"]
    develop:
      watch:
        - action: sync+restart
          path: ./worker
          target: /srv/worker
"""
# runs as a user only the image knows: synced files must still belong to it
DOCKERFILE = (
    f"FROM {IMAGE}\nRUN useradd --uid 1234 app\nCOPY requirements.txt /srv/requirements.txt\n"
    "COPY src /srv/src\nUSER app\n"
)


def until(check: Callable[[], bool], timeout: float = 300.0, what: str = "") -> None:
    """Wait until ``check()`` is true; fail naming ``what`` when it never is (a hang guard,
    not a speed check: generous, so a loaded machine does not fail it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


class Watching:
    """``Stack.watch`` in a thread; stopped (and joined) by the test's finally."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.events: list = []
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            watch(self.stack, on_progress=self.events.append, stop=self.stop, ready=self.ready)
        except BaseException as exc:  # surfaced by the test
            self.error = exc
            self.ready.set()

    def __enter__(self) -> Watching:
        self.thread.start()
        assert self.ready.wait(300), "watch never became ready"
        assert self.error is None, self.error
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()

    def actions(self, service: str, action: str) -> list:
        return [e for e in self.events if e.name == service and e.action == action]


def cat(stack: Stack, service: str, path: str) -> str | None:
    """The file's text, or None when it is missing (or the container is restarting)."""
    try:
        out = stack.exec(service, ["cat", path])
    except (ServiceError, EngineError):  # stopped for a restart, between checks
        return None
    return out.stdout if out.exit_code == 0 else None


@pytest.mark.matrix
def test_sync_edit_new_dir_delete_ignore_and_rebuild(project_dir, engine):
    root = project_dir(
        COMPOSE,
        {
            "Dockerfile": DOCKERFILE,
            "requirements.txt": "one\n",
            "src/app.py": "v = 1\n",
            "worker/job.py": "j = 1\n",
        },
    )
    stack = Stack.load(root / "compose.yaml", client=engine)
    with Watching(stack) as w:
        app_before = stack.container_id("app")
        worker_before = stack.container_id("worker")

        (root / "src" / "app.py").write_text("v = 2\n")
        until(lambda: cat(stack, "app", "/srv/src/app.py") == "v = 2\n", what="edit synced")
        owner = stack.exec("app", ["stat", "-c", "%u:%g", "/srv/src/app.py"]).stdout.strip()
        assert owner == "1234:1234"  # the container's user, looked up in the container

        (root / "src" / "pkg" / "deep").mkdir(parents=True)
        (root / "src" / "pkg" / "deep" / "m.py").write_text("m = 1\n")
        until(lambda: cat(stack, "app", "/srv/src/pkg/deep/m.py") == "m = 1\n", what="new dir")

        (root / "src" / "scratch.tmp").write_text("x")
        (root / "src" / "app.py").unlink()
        until(lambda: cat(stack, "app", "/srv/src/app.py") is None, what="delete synced")
        assert cat(stack, "app", "/srv/src/scratch.tmp") is None  # ignored: never copied

        # the worker was not touched by any of that
        assert stack.container_id("worker") == worker_before
        assert w.actions("worker", "synced") == [] and w.actions("worker", "restarted") == []

        (root / "requirements.txt").write_text("two\n")
        until(lambda: w.actions("app", "rebuilt"), what="rebuild")
        assert stack.container_id("app") != app_before
        assert cat(stack, "app", "/srv/requirements.txt") == "two\n"
        # only the service whose files changed was rebuilt and recreated
        assert stack.container_id("worker") == worker_before
        assert w.actions("worker", "rebuilding") == []


@pytest.mark.matrix
def test_burst_of_saves_restarts_once(project_dir, engine):
    root = project_dir(COMPOSE, {"Dockerfile": DOCKERFILE, "requirements.txt": "", "src/a": ""})
    (root / "worker").mkdir()
    stack = Stack.load(root / "compose.yaml", client=engine)
    with Watching(stack) as w:
        started = engine.api.inspect_container(stack.container_id("worker"))["State"]["StartedAt"]
        for i in range(20):  # an IDE's "save all"
            (root / "worker" / f"m{i}.py").write_text(f"x = {i}\n")
        until(lambda: cat(stack, "worker", "/srv/worker/m19.py") == "x = 19\n", what="sync")
        until(lambda: w.actions("worker", "restarted"), what="restart")
        time.sleep(1.5)  # anything still queued would show up by now
        assert len(w.actions("worker", "restarted")) == 1
        assert len(w.actions("worker", "synced")) == 1
        now = engine.api.inspect_container(stack.container_id("worker"))["State"]["StartedAt"]
        assert now != started


FAILING_REBUILD = """
services:
  app:
    build: .
    init: true
    command: ["sleep", "infinity"]
    develop:
      watch:
        - action: rebuild
          path: requirements.txt
"""


def test_a_failed_rebuild_shows_the_steps_last_lines(project_dir, engine):
    """A rebuild that fails says so under the service, with the failing step's own lines;
    the running container is left as it is."""
    dockerfile = (
        f"FROM {IMAGE}\nCOPY requirements.txt /r.txt\n"
        "RUN for i in $(seq 1 25); do echo step $i; done; ! grep -q broken /r.txt\n"
    )
    root = project_dir(FAILING_REBUILD, {"Dockerfile": dockerfile, "requirements.txt": "one\n"})
    stack = Stack.load(root / "compose.yaml", client=engine)
    with Watching(stack) as w:
        before = stack.container_id("app")
        (root / "requirements.txt").write_text("broken\n")
        until(lambda: [e for e in w.actions("app", "warning") if "rebuild failed" in e.detail])
        until(lambda: len(w.actions("app", "output")) == 20, what="the step's lines")
        assert [e.detail for e in w.actions("app", "output")] == [f"step {i}" for i in range(6, 26)]
        assert w.actions("app", "output")[0].line() == "app | step 6"
        assert stack.container_id("app") == before
