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

from dockdjango.images.standins import no_stand_in_reason, on_docker_hub, stand_in_for

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
        # PostgreSQL under other names and on other registries
        ("pgautoupgrade/pgautoupgrade:17-bookworm", "dockdjango/postgres:17-trixie"),
        ("public.ecr.aws/docker/library/postgres:15", "dockdjango/postgres:15-bookworm"),
        ("bitnami/postgresql:16.2.0-debian-12-r5", "dockdjango/postgres:15-bookworm-bitnami"),
        ("timescale/timescaledb:latest-pg16", "dockdjango/timescaledb:17-trixie"),
        ("timescale/timescaledb-ha:pg17", "dockdjango/timescaledb:17-trixie"),
        ("pgvector/pgvector:pg18", "dockdjango/pgvector:18-sid"),
        ("pgvector/pgvector:0.8.0-pg16", "dockdjango/pgvector:17-trixie"),  # none older
        # MariaDB, and for MySQL the newest MariaDB
        ("mariadb:latest", "dockdjango/mariadb:11.8-trixie"),
        ("mariadb:10.6", "dockdjango/mariadb:10.11-bookworm"),
        ("mariadb:11", "dockdjango/mariadb:11.8-trixie"),
        ("mysql:8.0.32", "dockdjango/mariadb:11.8-trixie"),
        ("rabbitmq:3-management", "dockdjango/rabbitmq:3.10-bookworm-management"),
        ("rabbitmq:3.12.0", "dockdjango/rabbitmq:3.10-bookworm"),
        ("rabbitmq:4", "dockdjango/rabbitmq:4.0-trixie"),
    ],
)
def test_stand_in_table(asked: str, given: str) -> None:
    stand_in = stand_in_for(asked)
    assert stand_in is not None and stand_in.ref == given


def test_no_stand_in_for_other_images() -> None:
    for ref in ("nginx:1", "pub.kiwitcms.eu/kiwitcms/kiwi", "grafana/oncall", "elasticsearch:8"):
        assert stand_in_for(ref) is None


def test_the_engine_mirrors_are_named_for_docker_hub_images_only() -> None:
    from dockdjango.api.stack.service_images import short_reason

    assert on_docker_hub("postgres:16") and on_docker_hub("docker.io/library/redis")
    assert on_docker_hub("grafana/oncall") and not on_docker_hub("ghcr.io/astral-sh/uv")
    assert not on_docker_hub("localhost:5000/app") and not on_docker_hub("pub.kiwitcms.eu/k")
    failed = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io'
    assert short_reason(failed) == "no registry answers"
    assert short_reason(failed, ["https://mirror.example"]) == (
        "no registry answers, nor the engine's mirror https://mirror.example"
    )


def test_elasticsearch_is_known_and_refused_with_the_reason() -> None:
    for ref in (
        "docker.elastic.co/elasticsearch/elasticsearch:7.14.0",
        "bbilly1/tubearchivist-es",
        "opensearchproject/opensearch:2",
    ):
        assert "Debian packages no Elasticsearch" in str(no_stand_in_reason(ref))
    assert no_stand_in_reason("nginx") is None and no_stand_in_reason("postgres:16") is None


def test_extensions_and_flavours_are_built_in() -> None:
    timescale = stand_in_for("timescale/timescaledb:2.14.2-pg16")
    assert timescale is not None and timescale.buildargs == {
        "PACKAGE": "postgresql-17",
        "MAJOR": "17",
        "EXTRA_PACKAGES": "postgresql-17-timescaledb",
        "PRELOAD": "timescaledb",
    }
    bitnami = stand_in_for("bitnami/postgresql:15")
    assert bitnami is not None and bitnami.buildargs["PGDATA"] == "/bitnami/postgresql/data"
    assert bitnami.buildargs["PGVOLUME"] == "/bitnami/postgresql"
    management = stand_in_for("rabbitmq:3.12-management-alpine")
    assert management is not None and management.buildargs["PLUGINS"] == "rabbitmq_management"
    mysql = stand_in_for("mysql:8")
    assert mysql is not None and mysql.version_env == "MYSQL_VERSION"


def test_mysql_and_renamed_images_say_what_differs() -> None:
    mysql = stand_in_for("mysql:8.0.32")
    assert mysql is not None
    assert mysql.summary("11.8.3", "no registry answers") == (
        "mysql:8.0.32 not reachable (no registry answers) → dockdjango/mariadb:11.8-trixie, "
        "MariaDB 11.8.3 (Debian trixie); Debian ships no MySQL server, MariaDB is close to it"
    )
    upgrade = stand_in_for("pgautoupgrade/pgautoupgrade:16-alpine")
    assert upgrade is not None
    assert upgrade.summary("15.20", "offline").endswith(
        "; data of another major version is refused, not upgraded; 16 is not in Debian "
        "(ships 15, 17, 18)"
    )


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


def _put(container: Any, folder: str, name: str, text: str) -> None:
    """A file put into a created container before it starts (an init script)."""
    import io
    import tarfile

    data = text.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))
    container.put_archive(folder, buffer.getvalue())


def _healthy(container: Any, within: float = 180) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        container.reload()
        health = (container.attrs["State"].get("Health") or {}).get("Status")
        if health == "healthy":
            return
        if container.status == "exited":
            break
        time.sleep(0.5)
    raise AssertionError(container.logs().decode()[-3000:])


@pytest.mark.engine
@pytest.mark.slow
def test_mariadb_stands_in_for_mysql_with_the_official_contract(engine, started) -> None:
    """mysql:8.0 compose files work on MariaDB: MYSQL_* variables, a MySQL-only server
    option, an init script, the official healthcheck.sh, uid 999, and a client from
    outside the container is greeted by the server it says."""
    from dockdjango.api.stack.service_images import resolve_service_image

    image = resolve_service_image("mysql:8.0", engine, offline=True)
    assert image is not None and image.ref == "dockdjango/mariadb:11.8-trixie"
    assert image.version.startswith("11.8.")
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    container = engine.containers.create(
        image.ref,
        ["--default-authentication-plugin=mysql_native_password", "--character-set-server=utf8mb4"],
        name=name,
        environment={
            "MYSQL_ROOT_PASSWORD": "r'oot",
            "MYSQL_DATABASE": "app",
            "MYSQL_USER": "django",
            "MYSQL_PASSWORD": "secret",
        },
        labels={TEST_LABEL: name},
        ports={"3306/tcp": ("127.0.0.1", None)},
    )
    started.append(container)
    _put(container, "/docker-entrypoint-initdb.d", "10-books.sql", "CREATE TABLE books (t TEXT);")
    container.start()
    _healthy(container)  # the image's own healthcheck.sh --connect --innodb_initialized
    query = "SELECT COUNT(*), @@character_set_server FROM books"
    ran = container.exec_run(
        ["mariadb", "-udjango", "-psecret", "-h127.0.0.1", "app", "-Ne", query]
    )
    assert ran.exit_code == 0 and ran.output.decode().split() == ["0", "utf8mb4"], ran.output
    top = container.top(ps_args="-o pid,uid,comm")["Processes"]
    assert ["999", "mariadbd"] in [p[1:3] for p in top]
    container.reload()
    port = int(container.ports["3306/tcp"][0]["HostPort"])
    greeting = _ask(port, b"")  # the server speaks first: protocol 10, then its version
    assert greeting[4] == 10 and f"{image.version}".encode() in greeting


@pytest.mark.engine
@pytest.mark.slow
def test_rabbitmq_stand_in_takes_the_default_user_and_vhost(engine, started) -> None:
    from dockdjango.api.stack.service_images import resolve_service_image

    image = resolve_service_image("rabbitmq:3", engine, offline=True)
    assert image is not None and image.ref == "dockdjango/rabbitmq:3.10-bookworm"
    env = {"RABBITMQ_DEFAULT_USER": "taiga", "RABBITMQ_DEFAULT_PASS": "pw"}
    container, port = _run(engine, image.ref, 5672, started, {**env, "RABBITMQ_DEFAULT_VHOST": "t"})
    # AMQP 0-9-1: the broker answers the protocol header with Connection.Start (frame 1)
    assert _ask(port, b"AMQP\x00\x00\x09\x01")[:1] == b"\x01"
    users = container.exec_run(["rabbitmqctl", "-q", "list_users"]).output.decode()
    assert "taiga" in users and "guest" not in users
    vhosts = container.exec_run(["rabbitmqctl", "-q", "list_vhosts"]).output.decode()
    assert vhosts.split()[-1] == "t"


@pytest.mark.engine
@pytest.mark.slow
def test_postgres_18_style_volume_keeps_the_data(engine, tmp_path, unique_name) -> None:
    """A compose file written for postgres:18 mounts /var/lib/postgresql (not .../data):
    the stand-in's data lands in that named volume, so `down` and `up` keep it."""
    import os
    import subprocess
    import sys

    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: postgres:18\n"
        "    environment:\n      POSTGRES_PASSWORD: pw\n"
        "    volumes:\n      - pgdata:/var/lib/postgresql\nvolumes:\n  pgdata:\n"
    )
    env = {**os.environ, "DOCKDJANGO_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "dockdjango", "-p", unique_name]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cmd, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
        )

    try:
        assert run("up", "-d", "--wait").returncode == 0
        made = run("exec", "-T", "db", "psql", "-U", "postgres", "-c", "CREATE TABLE kept (x int)")
        assert made.returncode == 0, made.stderr
        assert run("down").returncode == 0
        up = run("up", "-d", "--wait")
        assert up.returncode == 0, up.stderr
        found = run(
            "exec", "-T", "db", "psql", "-U", "postgres", "-tAc", "SELECT to_regclass('kept')"
        )
        assert found.stdout.strip() == "kept", found.stdout + found.stderr
    finally:
        run("down", "-v")
