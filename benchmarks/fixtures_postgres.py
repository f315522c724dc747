"""A small test session that needs PostgreSQL: dockdjango's fixture vs testcontainers-python.

    .venv/bin/python benchmarks/fixtures_postgres.py [--runs 3] [--tests 5]

Each variant is a real ``python -m pytest`` run (wall-clock, interpreter start included) of
the same test module -- ``--tests`` tests that create a table, insert and query -- against
the same image (``ensure_postgres_image``: the official postgres:16 where a registry
serves it, else dockdjango's Debian-built one):

- ``dockdjango first use``: the very first session on a machine, which also prepares the
  image (initialises a data directory once and commits it); measured once.
- ``dockdjango cold``: the ``postgres`` fixture, no server running beforehand (the
  prepared image exists).
- ``dockdjango reuse``: ``--dockdjango-reuse``, the server kept by the previous run.
- ``testcontainers``: ``PostgresContainer(image)`` in a session fixture, Ryuk disabled
  (``TESTCONTAINERS_RYUK_DISABLED=true``). testcontainers-python has no reuse, so its
  second run costs what its first did; it is measured cold each time.
- ``testcontainers tuned``: the same plus what dockdjango's fixture does for speed (data
  directory on tmpfs, fsync off), to show how much of the gap is settings and how much is
  waiting strategy.

The median of ``--runs`` runs is reported, with the ratio to dockdjango.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

TEST_MODULE = """
import psycopg
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_roundtrip(database_url, n):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"create table if not exists t{{n}} (x int)")
        conn.execute(f"insert into t{{n}} values (%s)", (n,))
        assert conn.execute(f"select sum(x) from t{{n}}").fetchone()[0] >= n
"""

DOCKDJANGO_CONFTEST = """
import time
import pytest

@pytest.fixture(scope="session")
def database_url(request):
    started = time.perf_counter()
    url = request.getfixturevalue("postgres")
    with open("setup-seconds", "w") as f:
        f.write(str(time.perf_counter() - started))
    return url
"""

TESTCONTAINERS_CONFTEST = """
import os
import time
import pytest
from testcontainers.community.postgres import PostgresContainer

@pytest.fixture(scope="session")
def database_url():
    started = time.perf_counter()
    pg = PostgresContainer(os.environ["BENCH_IMAGE"], driver=None)
    if os.environ.get("BENCH_TUNED"):
        pg.with_command("postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        pg.with_tmpfs_mount("/var/lib/postgresql/data", "size=512m")
    with pg:
        url = pg.get_connection_url()
        with open("setup-seconds", "w") as f:
            f.write(str(time.perf_counter() - started))
        yield url
"""


def write_project(root: Path, conftest: str, tests: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "conftest.py").write_text(textwrap.dedent(conftest).format())
    (root / "test_pg.py").write_text(TEST_MODULE.format(tests=tests))
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider -q\n")
    return root


def run_session(root: Path, *args: str, **env: str) -> tuple[float, float]:
    """(wall-clock seconds of one pytest session, of its database fixture's set-up)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    full_env.update(env)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"session in {root} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, float((root / "setup-seconds").read_text())


def kept_containers(client: object) -> set[str]:
    from dockdjango.api.testing.testpostgres import REUSE_KEY

    rows = client.api.containers(all=True, filters={"label": REUSE_KEY})  # type: ignore[attr-defined]
    return {str(r["Id"]) for r in rows}


def drop_prepared_image(client: object, image: str) -> None:
    """Remove the prepared image for the fixture's default settings, if no container uses it."""
    from dockdjango.api.testing.testpostgres import PREPARED_REPOSITORY, reuse_key
    from dockdjango.engine.image_store import image_id

    env = {"POSTGRES_USER": "test", "POSTGRES_PASSWORD": "test", "POSTGRES_DB": "test"}
    key = reuse_key("prepared", image_id(client, image), sorted(env.items()))  # type: ignore[arg-type]
    try:
        client.api.remove_image(f"{PREPARED_REPOSITORY}:{key}")  # type: ignore[attr-defined]
    except Exception:  # absent, or in use by someone's running test: measure as it is
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="sessions per variant (median)")
    parser.add_argument("--tests", type=int, default=5, help="tests in the session")
    parser.add_argument(
        "--image",
        help="the PostgreSQL image both use (default: what ensure_postgres_image chooses, "
        "which may build one first)",
    )
    args = parser.parse_args()

    from dockdjango.api.stack.postgres import ensure_postgres_image
    from dockdjango.engine.client import connect

    client = connect()
    image = args.image or ensure_postgres_image(client)
    print(f"image: {image}; {args.tests} tests per session; median of {args.runs} runs")
    kept_before = kept_containers(client)

    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="dd-bench-") as tmp:
        dd = write_project(Path(tmp) / "dd", DOCKDJANGO_CONFTEST, args.tests)
        tc = write_project(Path(tmp) / "tc", TESTCONTAINERS_CONFTEST, args.tests)
        common = {"DOCKDJANGO_POSTGRES_IMAGE": image, "TESTCONTAINERS_RYUK_DISABLED": "true"}
        try:
            drop_prepared_image(client, image)
            results["dockdjango first use"] = [run_session(dd, **common)]
            for _ in range(args.runs):
                results.setdefault("dockdjango cold", []).append(run_session(dd, **common))
                results.setdefault("testcontainers", []).append(
                    run_session(tc, BENCH_IMAGE=image, **common)
                )
                results.setdefault("testcontainers tuned", []).append(
                    run_session(tc, BENCH_IMAGE=image, BENCH_TUNED="1", **common)
                )
            run_session(dd, "--dockdjango-reuse", **common)  # leaves the server running
            for _ in range(args.runs):
                results.setdefault("dockdjango reuse", []).append(
                    run_session(dd, "--dockdjango-reuse", **common)
                )
        finally:
            for cid in kept_containers(client) - kept_before:
                client.api.remove_container(cid, force=True, v=True)

    names = (
        "dockdjango first use",
        "dockdjango cold",
        "dockdjango reuse",
        "testcontainers",
        "testcontainers tuned",
    )
    session = {n: statistics.median(t[0] for t in results[n]) for n in names}
    setup = {n: statistics.median(t[1] for t in results[n]) for n in names}
    print(f"\n{'variant':<22}{'session s':>10}{'fixture set-up s':>18}   sessions")
    for name in names:
        runs = ", ".join(f"{t[0]:.2f}" for t in results[name])
        print(f"{name:<22}{session[name]:>10.2f}{setup[name]:>18.2f}   {runs}")
    print()
    for other, base in (
        ("testcontainers", "dockdjango cold"),
        ("testcontainers", "dockdjango reuse"),
        ("testcontainers tuned", "dockdjango cold"),
    ):
        print(
            f"{other} / {base}: session {session[other] / session[base]:.2f}x, "
            f"fixture set-up {setup[other] / setup[base]:.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
