"""dockdjango's Debian-built PostgreSQL image honours the official image's contract.

Real containers on the real engine: built from the package data, started with
``POSTGRES_*`` variables and a port on 127.0.0.1, reached with psycopg from the host.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from dockdjango.api.stack.postgres import (
    DEBIAN_REF,
    ENV_VAR,
    INPUTS_LABEL,
    OFFICIAL_REF,
    PostgresImage,
    build_postgres_image,
    postgres_environ,
    postgres_image_env,
    resolve_postgres_image,
)

TEST_LABEL = "org.dockdjango.test"
engine_test = pytest.mark.engine


# --- pure: the choice as people read it -------------------------------------------------


def test_summary_says_what_was_asked_and_what_is_given() -> None:
    built = PostgresImage(DEBIAN_REF, "built", "15.20", reason="offline")
    assert built.summary == (
        "postgres:16 not reachable (offline) → dockdjango/postgres:15-bookworm, PostgreSQL "
        "15.20 (Debian bookworm); 16 is not in Debian (ships 15, 17, 18)"
    )
    assert not built.official


def test_summary_of_the_official_image() -> None:
    assert PostgresImage(OFFICIAL_REF, "local", "16.4").summary == (
        "postgres:16 (official, cached), 16.4"
    )
    pulled = PostgresImage(OFFICIAL_REF, "pulled", "16.4")
    assert pulled.official and "pulled" in pulled.summary


def test_env_names_the_compose_variable() -> None:
    assert postgres_image_env(PostgresImage(DEBIAN_REF, "built", "15.20")) == {
        "DOCKDJANGO_POSTGRES_IMAGE": DEBIAN_REF
    }
    assert postgres_image_env("postgres:16") == {ENV_VAR: "postgres:16"}


def test_environ_left_alone_when_no_file_asks(tmp_path) -> None:
    plain = tmp_path / "compose.yaml"
    plain.write_text("services:\n  db:\n    image: postgres:16\n")
    # No engine is contacted: the client argument would be needed to resolve anything.
    assert postgres_environ([plain], {"A": "1"}) == {"A": "1"}


def test_environ_keeps_a_users_pin(tmp_path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}\n")
    pinned = {ENV_VAR: "postgres:16.4"}
    assert postgres_environ([compose], pinned) == pinned


def test_environ_keeps_a_pin_in_the_projects_dotenv(tmp_path, monkeypatch) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}\n")
    (tmp_path / ".env").write_text("DOCKDJANGO_POSTGRES_IMAGE=postgres:16.4\n")
    monkeypatch.chdir(tmp_path)
    # No files given: the ones Compose would use; the .env pin means nothing to resolve.
    assert postgres_environ(None, {"A": "1"}) == {"A": "1"}


@engine_test
def test_environ_resolves_the_variable_a_file_uses(engine, tmp_path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}\n")
    heard: list[PostgresImage] = []
    env = postgres_environ(
        [compose], {"A": "1"}, client=engine, offline=True, on_choice=heard.append
    )
    assert env == {"A": "1", ENV_VAR: heard[0].ref}
    assert heard[0].ref in (DEBIAN_REF, OFFICIAL_REF)


# --- engine: the image itself ------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_image(engine) -> Iterator[PostgresImage]:
    """The Debian PostgreSQL image under a tag of this module's own, untagged afterwards."""
    ref = f"ddtest-pg-{uuid.uuid4().hex[:8]}:15"
    try:
        yield build_postgres_image(engine, ref=ref)
    finally:
        try:
            engine.api.remove_image(ref)  # the tag only: the layers are shared and cached
        except Exception:
            pass


@pytest.fixture
def started(engine) -> Iterator[list[Any]]:
    """Containers and volumes appended here are removed after the test, even on failure."""
    objects: list[Any] = []
    yield objects
    for obj in reversed(objects):
        try:
            if hasattr(obj, "stop"):
                obj.remove(force=True, v=True)
            else:
                obj.remove(force=True)
        except Exception:
            pass


def _tar(files: dict[str, tuple[bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _create(engine, image: PostgresImage, started: list[Any], *, env, init=None, volume=None):
    hc = engine.api.inspect_image(image.ref)["Config"]["Healthcheck"]
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    container = engine.containers.create(
        image.ref,
        name=name,
        environment=env,
        labels={TEST_LABEL: name},
        ports={"5432/tcp": ("127.0.0.1", None)},
        volumes={volume: {"bind": "/var/lib/postgresql/data", "mode": "rw"}} if volume else None,
        # The image's own check, polled faster than its 5 s so the test is quick.
        healthcheck={
            "test": hc["Test"],
            "interval": 300_000_000,
            "timeout": 5_000_000_000,
            "retries": 200,
        },
    )
    started.append(container)
    if init:
        assert container.put_archive("/docker-entrypoint-initdb.d", _tar(init))
    container.start()
    return container


def _wait(container, want: str = "healthy", timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs["State"]
        if want == "exited" and state["Status"] == "exited":
            return
        if want == "healthy" and (state.get("Health") or {}).get("Status") == "healthy":
            return
        if want == "healthy" and state["Status"] == "exited":
            raise AssertionError(container.logs().decode()[-3000:])
        time.sleep(0.2)
    raise AssertionError(f"not {want} after {timeout}s:\n{container.logs().decode()[-3000:]}")


def _dsn(container, user: str, password: str, db: str) -> str:
    container.reload()
    port = container.ports["5432/tcp"][0]["HostPort"]
    return f"postgresql://{user}:{password}@127.0.0.1:{port}/{db}"


ENV = {"POSTGRES_USER": "lib", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "library"}
INIT = {
    "01-schema.sql": (
        b"CREATE TABLE seen (source text);\nINSERT INTO seen VALUES ('sql');\n",
        0o644,
    ),
    "02-exec.sh": (
        b'#!/bin/bash\nset -e\npsql -v ON_ERROR_STOP=1 -c "INSERT INTO seen VALUES '
        b"('sh as ' || current_user || ' in ' || current_database() || ' by $(id -u)')\"\n",
        0o755,
    ),
    # Not executable: sourced by the entry point, so it sees the entry point's helpers.
    "03-sourced.sh": (
        b'psql_init --dbname "$POSTGRES_DB" -c "INSERT INTO seen VALUES (\'sourced\')"\n',
        0o644,
    ),
    "04-data.sql.gz": (gzip.compress(b"INSERT INTO seen VALUES ('gz');\n"), 0o644),
    "05-notes.txt": (b"ignored\n", 0o644),
}


@engine_test
def test_image_declares_the_official_contract(engine, pg_image: PostgresImage) -> None:
    assert pg_image.source == "built"
    assert pg_image.version.startswith("15.")
    config = engine.api.inspect_image(pg_image.ref)["Config"]
    assert config["Entrypoint"] == ["docker-entrypoint.sh"]
    assert config["Cmd"] == ["postgres"]
    assert config["StopSignal"] == "SIGINT"
    assert "5432/tcp" in config["ExposedPorts"]
    assert "PGDATA=/var/lib/postgresql/data" in config["Env"]
    assert "/var/lib/postgresql/data" in config["Volumes"]
    assert "pg_isready" in " ".join(config["Healthcheck"]["Test"])
    assert config["Labels"][INPUTS_LABEL]


@engine_test
def test_first_start_runs_init_scripts_and_serves_on_the_port(engine, pg_image, started) -> None:
    container = _create(engine, pg_image, started, env=ENV, init=INIT)
    _wait(container)
    with psycopg.connect(_dsn(container, "lib", "s3cret", "library")) as conn:
        rows = [r[0] for r in conn.execute("SELECT source FROM seen ORDER BY source")]
        assert rows == ["gz", "sh as lib in library by 999", "sourced", "sql"]
        assert conn.execute("SELECT current_user").fetchone() == ("lib",)
        version = conn.execute("SHOW server_version").fetchone()[0]
        assert version.startswith(pg_image.version)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(_dsn(container, "lib", "wrong", "library")).close()
    # The server runs as postgres (uid 999, as in the official image).
    status = container.exec_run(
        ["sh", "-c", 'cat /proc/$(head -n 1 "$PGDATA/postmaster.pid")/status']
    ).output.decode()
    assert status.startswith("Name:\tpostgres\n"), status
    assert "\nUid:\t999\t999\t999\t999\n" in status
    logs = container.logs().decode()
    assert "ignoring /docker-entrypoint-initdb.d/05-notes.txt" in logs
    assert "s3cret" not in logs


@engine_test
def test_data_persists_in_a_named_volume_and_init_runs_once(engine, pg_image, started) -> None:
    volume = engine.volumes.create(
        f"ddtest-{uuid.uuid4().hex[:8]}", labels={TEST_LABEL: "postgres-image"}
    )
    started.append(volume)
    first = _create(engine, pg_image, started, env=ENV, init=INIT, volume=volume.name)
    _wait(first)
    idle = psycopg.connect(_dsn(first, "lib", "s3cret", "library"), autocommit=True)
    idle.execute("INSERT INTO seen VALUES ('kept')")
    # SIGTERM with an idle client still connected: PostgreSQL's own SIGTERM would wait for
    # that client for ever; the entry point makes it the fast shutdown.
    first.kill(signal="SIGTERM")
    _wait(first, "exited", timeout=30)  # a smart shutdown would still be waiting
    idle.close()
    assert first.attrs["State"]["ExitCode"] == 0, first.logs().decode()[-2000:]
    assert "fast shutdown request" in first.logs().decode()
    first.remove(v=True)

    # A new container on the same volume, with no password set: the data is there, so
    # nothing is initialised again and no password is demanded.
    second = _create(
        engine, pg_image, started, env={"POSTGRES_USER": "lib"}, init=INIT, volume=volume.name
    )
    _wait(second)
    with psycopg.connect(_dsn(second, "lib", "s3cret", "library")) as conn:
        rows = sorted(r[0] for r in conn.execute("SELECT source FROM seen"))
    assert rows == sorted(["gz", "sh as lib in library by 999", "sourced", "sql", "kept"])
    assert "skipping initialisation" in second.logs().decode()
    # `docker stop` (the image's STOPSIGNAL, SIGINT) is as quick, and as clean.
    idle = psycopg.connect(_dsn(second, "lib", "s3cret", "library"))
    second.stop(timeout=30)
    idle.close()
    second.reload()
    # 0, not 137: it stopped by itself, not killed when the timeout ran out.
    assert second.attrs["State"]["ExitCode"] == 0


@engine_test
def test_missing_password_is_refused_with_the_fix(engine, pg_image, started) -> None:
    container = _create(engine, pg_image, started, env={"POSTGRES_DB": "library"})
    _wait(container, "exited", timeout=30)
    assert container.attrs["State"]["ExitCode"] == 1
    assert "POSTGRES_PASSWORD is not set" in container.logs().decode()


@engine_test
def test_trust_auth_needs_no_password(engine, pg_image, started) -> None:
    env = {"POSTGRES_HOST_AUTH_METHOD": "trust"}
    container = _create(engine, pg_image, started, env=env)
    _wait(container)
    with psycopg.connect(_dsn(container, "postgres", "", "postgres")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)


@engine_test
def test_a_stale_image_is_rebuilt(engine, base_image, started) -> None:
    ref = f"ddtest-pg-{uuid.uuid4().hex[:8]}:stale"
    repo, tag = ref.split(":")
    engine.api.tag(base_image, repo, tag)  # an image under our tag without our inputs label
    try:
        rebuilt = build_postgres_image(engine, ref=ref)
        assert rebuilt.source == "built"
        again = build_postgres_image(engine, ref=ref)
        assert again.source == "existing"
        assert again.version == rebuilt.version
    finally:
        engine.api.remove_image(ref)


@engine_test
def test_offline_resolution_uses_the_debian_image(engine) -> None:
    if engine.api.images(name=OFFICIAL_REF):
        pytest.skip("the official postgres:16 is present locally, so it is chosen")
    choice = resolve_postgres_image(engine, offline=True)
    assert choice.ref == DEBIAN_REF
    assert choice.source in ("built", "existing")
    assert "offline" in choice.reason
    assert choice.version.startswith("15.")
    assert resolve_postgres_image(engine, offline=True).source == "existing"
