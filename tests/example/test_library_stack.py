"""The Library stack end to end through ``dockdjango.Stack``, on the real engine.

Up from nothing (the db image chosen by dockdjango, web built from the generated
Dockerfile), the site and API over HTTP, an authenticated write and a refused anonymous
one, ``down`` then ``up`` keeping the data, and ``down -v`` removing it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from dockdjango import Stack, postgres_environ

from .conftest import EXAMPLE, build_example_image

pytestmark = pytest.mark.engine

COMPOSE = EXAMPLE / "compose.yaml"
SUPERUSER = ("librarian", "a-long-test-password")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def stack(engine) -> Iterator[Stack]:
    """The example's stack (dev profile) under a project name of its own; removed after."""
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "POSTGRES_"))}
    environ.update(
        WEB_PORT=str(_free_port()),
        DJANGO_SUPERUSER_USERNAME=SUPERUSER[0],
        DJANGO_SUPERUSER_PASSWORD=SUPERUSER[1],
    )
    environ = postgres_environ([COMPOSE], environ, client=engine)
    stack = Stack.load(COMPOSE, project_name=project, environ=environ, client=engine)
    web_image = stack.project.image_ref("web")
    assert not engine.api.images(name=web_image)  # from nothing: `up` builds it
    try:
        yield stack
    finally:
        try:
            stack.down(volumes=True, remove_orphans=True)
        finally:
            try:
                engine.api.remove_image(web_image)
            except Exception:
                pass


def test_library_stack_up_write_restart_and_remove(engine, stack: Stack) -> None:
    stack.up(wait=True, timeout=300)
    site = stack.url("web", 8000)
    assert site.startswith("http://127.0.0.1:")

    home = requests.get(f"{site}/", timeout=10)
    assert home.status_code == 200 and "Django for APIs" in home.text
    listing = requests.get(f"{site}/api/", timeout=10).json()
    assert listing["count"] == 4  # the sample books, loaded into the empty database
    assert requests.get(f"{site}/health/", timeout=10).json()["database"] == "postgresql"

    book = {
        "title": "Fluent Python",
        "subtitle": "Clear, Concise, and Effective Programming",
        "author": "Luciano Ramalho",
        "isbn": "9781492056355",
    }
    refused = requests.post(f"{site}/api/", json=book, timeout=10)
    assert refused.status_code in (401, 403)
    made = requests.post(f"{site}/api/", json=book, auth=SUPERUSER, timeout=10)
    assert made.status_code == 201, made.text
    book_id = made.json()["id"]

    # Dev profile: the source is bind-mounted, so edits reach runserver's reloader.
    web = engine.containers.get(stack.container_id("web"))
    assert any(m["Destination"] == "/app" and m["Type"] == "bind" for m in web.attrs["Mounts"])

    # The example's own suite, in the running web container, on the stack's PostgreSQL.
    suite = stack.exec("web", "python manage.py test --noinput -v 2")
    assert suite.exit_code == 0, suite.output[-4000:]
    assert "alias 'default' ('test_library')" in suite.output  # PostgreSQL, not SQLite
    assert "\nOK\n" in suite.output

    # down, then up again without -v: the database volume, and the book, survive.
    stack.down()
    assert not engine.containers.list(all=True, filters={"label": _project_label(stack)})
    stack.up(wait=True, timeout=300)
    site = stack.url("web", 8000)
    kept = requests.get(f"{site}/api/{book_id}/", timeout=10)
    assert kept.status_code == 200 and kept.json()["title"] == "Fluent Python"
    assert requests.get(f"{site}/api/", timeout=10).json()["count"] == 5
    logs = "".join(str(line) for line in stack.logs("web"))
    assert "sample books not loaded" in logs

    # down -v: the data goes with the volume.
    volume = f"{stack.name}_pgdata"
    assert engine.volumes.list(filters={"name": volume})
    stack.down(volumes=True)
    assert not [v for v in engine.volumes.list(filters={"name": volume}) if v.name == volume]


def _project_label(stack: Stack) -> str:
    return f"com.docker.compose.project={stack.name}"


def test_docker_compose_runs_the_same_stack(engine) -> None:
    """The oracle: once the web image exists, Docker Compose brings the same file up."""
    compose_bin = EXAMPLE.parents[1] / ".venv" / "bin" / "docker-compose"
    if not compose_bin.exists():
        pytest.skip("docker-compose (the oracle) is not installed")
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "POSTGRES_"))}
    env = postgres_environ([COMPOSE], {**env, "WEB_PORT": str(port)}, client=engine)
    base = [str(compose_bin), "-p", project, "-f", str(COMPOSE)]
    build_example_image(engine, f"{project}-web", target="dev")  # Compose's name for it
    try:
        up = subprocess.run(
            [*base, "up", "-d", "--wait"],
            env=env,
            cwd=EXAMPLE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert up.returncode == 0, up.stderr[-3000:]
        listing = requests.get(f"http://127.0.0.1:{port}/api/", timeout=10).json()
        assert listing["count"] == 4
        # dockdjango sees Compose's stack as its own: same names and labels.
        stack = Stack.load(COMPOSE, project_name=project, environ=env, client=engine)
        assert {s.service for s in stack.ps()} == {"db", "web"}
    finally:
        subprocess.run(
            [*base, "down", "-v"], env=env, cwd=EXAMPLE, capture_output=True, timeout=300
        )
        try:
            engine.api.remove_image(f"{project}-web")
        except Exception:
            pass


def test_dev_profile_reloads_edited_source(engine, tmp_path) -> None:
    """Edits on the host reach the running dev server: a template, then Python code."""
    source = tmp_path / "library"
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3", ".*_cache")
    )
    source.chmod(0o755)  # the container's unprivileged user reads the bind mount
    compose = source / "compose.yaml"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "POSTGRES_"))}
    environ = postgres_environ([compose], {**environ, "WEB_PORT": str(_free_port())}, client=engine)
    stack = Stack.load(
        compose, project_name=f"ddtest-{uuid.uuid4().hex[:8]}", environ=environ, client=engine
    )
    try:
        stack.up(wait=True, timeout=300)
        site = stack.url("web", 8000)
        assert requests.get(f"{site}/", timeout=10).text.count("<li>") == 4

        template = source / "books" / "templates" / "books" / "book_list.html"
        template.write_text(template.read_text().replace("All books", "Every book we have"))
        _eventually(lambda: "Every book we have" in requests.get(f"{site}/", timeout=5).text)

        views = source / "books" / "views.py"
        views.write_text(views.read_text() + "    paginate_by = 2\n")
        _eventually(lambda: requests.get(f"{site}/", timeout=5).text.count("<li>") == 2)
    finally:
        stack.down(volumes=True)
        try:
            engine.api.remove_image(stack.project.image_ref("web"))
        except Exception:
            pass


def _eventually(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except requests.RequestException:  # the server is restarting
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the running server did not pick up the edit")
        time.sleep(0.3)


def test_up_says_when_the_reloader_never_watches(engine, tmp_path) -> None:
    """A dev server whose log says it reloads with watchman but that never subscribes:
    ``up --wait`` returns within its bound and warns that an edit may be missed."""
    tag = f"ddtest-reload-{uuid.uuid4().hex[:8]}:latest"
    build_example_image(engine, tag, target="dev")
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  web:\n"
        f"    image: {tag}\n"
        "    command: [sh, -c, 'echo Watching for file changes with WatchmanReloader;"
        " exec sleep 300']\n"
        "    healthcheck: {disable: true}\n"
        "    init: true\n"
    )
    stack = Stack.load(compose, project_name=f"ddtest-{uuid.uuid4().hex[:8]}", client=engine)
    events = []
    try:
        started = time.monotonic()
        stack.up(wait=True, timeout=3, on_progress=events.append)
        took = time.monotonic() - started
        warned = [e for e in events if e.action == "warning" and e.name == "web"]
        assert warned and "reloader was not watching" in warned[0].detail, events
        assert 2.5 < took < 30, took
    finally:
        stack.down()
        engine.api.remove_image(tag, force=True)
