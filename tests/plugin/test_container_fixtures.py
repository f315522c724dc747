"""The ``container``, ``postgres`` and ``docker_client`` fixtures, in real inner test runs."""

from __future__ import annotations

import re

import pytest

from tests.plugin.conftest import BASE, session_objects

pytestmark = pytest.mark.engine


@pytest.mark.matrix
def test_scopes_container_per_test_postgres_per_session(
    pytester: pytest.Pytester, engine, base_image, pg_image
) -> None:
    pytester.makepyfile(
        f"""
        import json, os, urllib.request
        import psycopg
        from dockdjango.api.testing import wait_for

        SEEN = {{}}

        def serve(container):
            return container("{BASE}", command=["python3", "-m", "http.server", "8000"],
                             ports=[8000], wait=wait_for.http(8000, "/"), timeout=300)

        def test_one(container, postgres, docker_client, dockdjango_session):
            open("session-id", "w").write(dockdjango_session.id)
            web = serve(container)
            assert urllib.request.urlopen(web.url(8000)).status == 200
            assert web.address(8000)[0] == "127.0.0.1"
            labels = docker_client.api.inspect_container(web.id)["Config"]["Labels"]
            assert labels["dev.dockdjango.session"] == dockdjango_session.id
            assert labels["dev.dockdjango.owner-pid"] == str(os.getpid())
            SEEN["web"] = web.id
            SEEN["pg"] = postgres
            with psycopg.connect(postgres) as conn:
                conn.execute("create table t (x int)")

        def test_two_sees_the_first_container_gone_and_the_same_postgres(docker_client, postgres):
            assert not docker_client.api.containers(all=True, filters={{"id": SEEN["web"]}})
            assert postgres == SEEN["pg"]
            with psycopg.connect(postgres) as conn:
                conn.execute("select * from t")  # the session's server, same data

        def test_three_fails_but_its_container_is_still_removed(container):
            web = serve(container)
            open("failed-id", "w").write(web.id)
            assert False, "on purpose"
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-o", f"dockdjango_postgres_image={pg_image}"
    )
    result.assert_outcomes(passed=2, failed=1)
    failed_id = (pytester.path / "failed-id").read_text()
    assert not engine.api.containers(all=True, filters={"id": failed_id})
    # Nothing of the inner session survives it, its session-scoped postgres included.
    session = (pytester.path / "session-id").read_text()
    assert session.startswith("pytest-")
    assert session_objects(engine, session) == []


def test_a_failing_container_shows_its_last_log_lines(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    pytester.makepyfile(
        f"""
        from dockdjango.api.testing import wait_for

        def test_it(container):
            script = "echo starting up; echo marker-7f3a >&2; exit 3"
            container("{BASE}", command=["sh", "-c", script],
                      wait=wait_for.port(8000), ports=[8000], timeout=20)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(r"exited with code 3 before port 8000 open", out), out
    assert "marker-7f3a" in out and "starting up" in out


def test_a_timeout_names_the_condition_and_shows_logs(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    pytester.makepyfile(
        f"""
        def test_it(container):
            container("{BASE}", command=["sh", "-c", "echo almost-ready-91c; sleep 60"],
                      wait=r"^ready$", timeout=1.5)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "not ready after 1.5 s: waiting for log line /^ready$/" in out, out
    assert "almost-ready-91c" in out


@pytest.mark.matrix
def test_healthcheck_and_callable_conditions(pytester: pytest.Pytester, engine, base_image) -> None:
    pytester.makepyfile(
        f"""
        from dockdjango.api.testing import wait_for

        def test_healthy_then_callable(container):
            calls = []

            def file_is_there(c):
                calls.append(1)
                return c.exec(["test", "-f", "/tmp/made"])[0] == 0

            c = container(
                "{BASE}",
                command=["sh", "-c", "sleep 0.5; touch /tmp/made; exec sleep 300"],
                healthcheck={{"test": ["CMD", "test", "-f", "/tmp/made"], "interval": 200_000_000}},
                wait=[wait_for.healthy(), file_is_there],
                timeout=300,
            )
            assert calls == [1]  # healthy implies the file: the callable passed first time
            # ready may come from dockdjango's own run of the check; the engine's own
            # check, 200 ms apart, agrees soon after
            import time

            deadline = time.monotonic() + 10
            while c.state()["Health"]["Status"] == "starting" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert c.state()["Health"]["Status"] == "healthy"

        def test_no_healthcheck_is_a_clear_error(container):
            import pytest
            from dockdjango.errors import ServiceError

            with pytest.raises(ServiceError, match="has no healthcheck to wait for"):
                container("{BASE}", command=["sleep", "300"], wait=wait_for.healthy())
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_reuse_keeps_the_postgres_server_for_the_next_run(
    pytester: pytest.Pytester, engine, pg_image, unique_name, cleanup_images
) -> None:
    # A tag of our own: the reuse key includes the image reference, so no other run's kept
    # server (same image, same settings) is ever picked up -- or removed -- by this test.
    repository, tag = unique_name, "pg"
    engine.api.tag(pg_image, repository, tag)
    cleanup_images.append(f"{repository}:{tag}")
    pg_image = f"{repository}:{tag}"
    pytester.makepyfile(
        """
        import psycopg

        def test_it(postgres_server):
            with open("server.txt", "a") as f:
                f.write(f"{postgres_server.container.id}\\n")
            with psycopg.connect(postgres_server.url) as conn:
                assert conn.execute("select 1").fetchone() == (1,)
        """
    )
    args = ("-p", "no:cacheprovider", "-o", f"dockdjango_postgres_image={pg_image}")
    ids: list[str] = []
    started: list[str] = []
    try:
        for _ in range(2):
            pytester.runpytest_subprocess(*args, "--dockdjango-reuse").assert_outcomes(passed=1)
            ids = (pytester.path / "server.txt").read_text().split()
            started.append(engine.api.inspect_container(ids[-1])["State"]["StartedAt"])
        first, second = ids
        assert first == second  # the same server, not a new one ...
        assert started[0] == started[1]  # ... found running, not started again
        labels = engine.api.inspect_container(first)["Config"]["Labels"]
        assert labels["dev.dockdjango.keep"] == "reuse"
        assert engine.api.inspect_container(first)["State"]["Running"]
        # Without --dockdjango-reuse a run neither uses nor removes the kept server.
        pytester.runpytest_subprocess(*args).assert_outcomes(passed=1)
        third = (pytester.path / "server.txt").read_text().split()[2]
        assert third != first
        assert engine.api.inspect_container(first)["State"]["Running"]
    finally:
        for cid in set(ids):
            engine.api.remove_container(cid, force=True, v=True)
