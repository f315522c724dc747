"""Stand-ins for backing services by image name: which one, and that it serves.

Pure: the table (asked -> given, said in one line). Engine (slow: each stand-in is built
once from Debian's packages, then cached): the server inside answers on a port published
on 127.0.0.1 and is the version the line says.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dockdjango.images.standins import stand_in_for

TEST_LABEL = "org.dockdjango.test"


@pytest.mark.parametrize(
    ("asked", "given"),
    [
        ("postgres:16", "dockdjango/postgres:15-bookworm"),  # nearest older: 15
        ("postgres:17-trixie", "dockdjango/postgres:17-trixie"),
        ("postgres:18.1", "dockdjango/postgres:18-sid"),
        ("postgres:12", "dockdjango/postgres:15-bookworm"),  # nothing older: nearest newer
        ("postgres", "dockdjango/postgres:18-sid"),  # latest: the newest Debian has
        ("docker.io/library/postgres:15.1", "dockdjango/postgres:15-bookworm"),
        ("postgis/postgis:17-3.5", "dockdjango/postgis:17-trixie"),
        ("redis:6", "dockdjango/redis:7.0-bookworm"),
        ("redis:7-alpine", "dockdjango/redis:7.0-bookworm"),
        ("redis:8.4", "dockdjango/redis:8.0-trixie"),
        ("memcached:1.6", "dockdjango/memcached:1.6-bookworm"),
    ],
)
def test_stand_in_table(asked: str, given: str) -> None:
    stand_in = stand_in_for(asked)
    assert stand_in is not None and stand_in.ref == given


def test_no_stand_in_for_other_images() -> None:
    for ref in ("nginx:1", "pub.kiwitcms.eu/kiwitcms/kiwi", "mariadb:11", "mysql:8"):
        assert stand_in_for(ref) is None


def test_the_line_says_what_was_asked_and_what_is_given() -> None:
    redis = stand_in_for("redis:8.4")
    assert redis is not None
    assert redis.summary("8.0.2", "offline") == (
        "redis:8.4 not reachable (offline) → dockdjango/redis:8.0-trixie, Redis 8.0.2 "
        "(Debian trixie); 8.4 is not in Debian (ships 7.0, 8.0)"
    )


# --- engine: each stand-in serves ------------------------------------------------------


@pytest.fixture
def started(engine) -> Iterator[list[Any]]:
    objects: list[Any] = []
    yield objects
    for obj in reversed(objects):
        try:
            obj.remove(force=True, v=True)
        except Exception:
            pass


def _run(engine, ref: str, port: int, started: list[Any], env: dict[str, str] | None = None):
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run(
        ref,
        name=name,
        detach=True,
        environment=env or {},
        labels={TEST_LABEL: name},
        ports={f"{port}/tcp": ("127.0.0.1", None)},
    )
    started.append(container)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        container.reload()
        health = (container.attrs["State"].get("Health") or {}).get("Status")
        if health == "healthy" or (health is None and container.status == "running"):
            return container, int(container.ports[f"{port}/tcp"][0]["HostPort"])
        if container.status == "exited":
            break
        time.sleep(0.3)
    raise AssertionError(container.logs().decode()[-2000:])


def _ask(port: int, data: bytes) -> bytes:
    # The engine's port proxy accepts (and then closes) connections before the server in
    # the container listens: an empty answer means "not yet", like a refused connection.
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(data)
                answer = sock.recv(4096)
            if answer:
                return answer
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answers on 127.0.0.1:{port}")


@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize("asked", ["postgres:17", "postgres:18", "postgis/postgis:17-3.5"])
def test_postgres_stand_ins_serve_the_version_they_say(engine, started, asked) -> None:
    import psycopg

    from dockdjango.api.stack.service_images import resolve_service_image

    image = resolve_service_image(asked, engine, offline=True)
    assert image is not None and not image.official
    assert image.version.split(".")[0] == asked.split(":")[1].split("-")[0]
    env = {"POSTGRES_PASSWORD": "pw"}
    container, port = _run(engine, image.ref, 5432, started, env)
    with psycopg.connect(f"postgresql://postgres:pw@127.0.0.1:{port}/postgres") as conn:
        assert conn.execute("SHOW server_version").fetchone()[0].startswith(image.version)
        if asked.startswith("postgis"):
            conn.execute("CREATE EXTENSION postgis")
            assert conn.execute("SELECT postgis_lib_version()").fetchone()[0]


@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize("asked", ["redis:7", "redis:8"])
def test_redis_stand_ins_answer_from_outside_the_container(engine, started, asked) -> None:
    from dockdjango.api.stack.service_images import resolve_service_image

    image = resolve_service_image(asked, engine, offline=True)
    assert image is not None and image.version.startswith(
        image.stand_in.version if image.stand_in else "?"
    )
    container, port = _run(engine, image.ref, 6379, started)
    # protected mode is off, as in the official image: a client from outside is served
    assert _ask(port, b"PING\r\n") == b"+PONG\r\n"
    info = _ask(port, b"INFO server\r\n").decode()
    assert f"redis_version:{image.version}" in info
    top = container.top(ps_args="-o pid,uid,comm")["Processes"]  # uid 999, as official
    assert ["999", "redis-server"] in [p[1:3] for p in top]


@pytest.mark.engine
@pytest.mark.slow
def test_memcached_stand_in_serves(engine, started) -> None:
    from dockdjango.api.stack.service_images import resolve_service_image

    image = resolve_service_image("memcached:1.6", engine, offline=True)
    assert image is not None and image.version.startswith("1.6")
    _, port = _run(engine, image.ref, 11211, started)
    assert _ask(port, b"version\r\n").decode().startswith(f"VERSION {image.version}")


@pytest.mark.engine
def test_a_plain_image_name_gets_its_stand_in_through_the_cli(engine, tmp_path, unique_name):
    """`image: postgres:16` and `image: redis:7`, no registry, offline: `dockdjango up`
    says what stands in for each and runs it; `down -v` leaves nothing behind."""
    import os
    import subprocess
    import sys

    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: pw\n"
        "  cache:\n    image: redis:7\n"
    )
    env = {**os.environ, "DOCKDJANGO_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "dockdjango", "-p", unique_name]
    try:
        up = subprocess.run(
            [*cmd, "up", "-d", "--wait"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert up.returncode == 0, up.stderr
        assert (
            "postgres:16 not reachable (offline) → dockdjango/postgres:15-bookworm, PostgreSQL 15."
            in up.stderr
        )
        assert (
            "redis:7 not reachable (offline) → dockdjango/redis:7.0-bookworm, Redis 7.0."
            in up.stderr
        )
        images = {
            c.labels["com.docker.compose.service"]: c.attrs["Config"]["Image"]
            for c in engine.containers.list(
                filters={"label": f"com.docker.compose.project={unique_name}"}
            )
        }
        assert images == {
            "db": "dockdjango/postgres:15-bookworm",
            "cache": "dockdjango/redis:7.0-bookworm",
        }
    finally:
        subprocess.run(
            [*cmd, "down", "-v"], cwd=tmp_path, env=env, capture_output=True, timeout=300
        )
    assert not engine.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={unique_name}"}
    )
