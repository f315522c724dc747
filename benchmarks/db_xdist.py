"""``pytest -n 4`` on a project with 161 migrations (django-oscar): test databases made by
pytest-django's default, by testcontainers (a container per worker) and by dockdjango.

    .venv/bin/python benchmarks/db_xdist.py [--runs 1] [--workers 4] [--tests 16]

The project is django-oscar's sandbox from the corpus (``../shared/django-corpus``: 134
migrations of its own, 161 with contrib and thumbnail apps), run from a virtualenv made
once with its dependencies, pytest-xdist, testcontainers and this checkout
(``$DOCKDJANGO_CACHE/bench-oscar-venv``). The session is ``--tests`` tests that each
create a row and see only their own. Every variant is a real ``python -m pytest -n 4``
(wall clock, interpreter start included), on the same PostgreSQL image with the same
settings for speed (fsync off):

- ``pytest-django``: its default, pointed (``DATABASE_*``) at a PostgreSQL already
  running (started by the benchmark, not counted): every worker creates its test
  database and migrates it;
- ``testcontainers``: a ``PostgresContainer`` per worker (a session fixture: xdist
  workers are processes), tmpfs and fsync off, Ryuk disabled; every worker migrates;
- ``dockdjango``: ``dockdjango_django_db = postgres``, nothing running beforehand: one
  server for the run, the schema migrated once into a template, each worker's database a
  copy of it;
- ``dockdjango, kept server``: the same with ``--dockdjango-reuse`` after a run that
  kept the server and its template: no migration at all;
- ``dockdjango, kept, on disk``: the same with ``dockdjango_postgres_tmpfs = false``: the
  server's data directory in the container's overlay filesystem instead of on tmpfs.

Reported: the session (median), each worker's ``django_db_setup`` (the median of the
workers' medians: a worker's test database ready, and the slowest worker of any run),
ratios to pytest-django, and the load average after each session.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "django-corpus" / "django-oscar"
KEPT = "dev.dockdjango.keep=reuse"
#: The servers the sessions ran on (container host names), to remove only our kept one
SERVERS: set[str] = set()
CACHE = Path(os.environ.get("DOCKDJANGO_CACHE") or Path.home() / ".cache" / "dockdjango")
REQUIREMENTS = [
    "django>=5.2,<5.3", "django-environ", "django-extra-views>=0.13,<0.17", "django-haystack",
    "django-treebeard>=4.7", "Babel>=1,<3", "purl", "phonenumbers",
    "django-phonenumber-field>=4,<9", "factory-boy>=3.3.1,<4", "django-tables2>=2.3,<=2.7",
    "django-widget-tweaks", "pillow", "sorl-thumbnail", "easy-thumbnails", "Whoosh",
    "psycopg[binary]", "pytest", "pytest-django", "pytest-xdist", "testcontainers",
]  # fmt: skip

TESTS = """
import pytest

@pytest.mark.django_db
@pytest.mark.parametrize("i", range({tests}))
def test_own_rows_only(i):
    from oscar.apps.catalogue.models import ProductClass
    ProductClass.objects.create(name=f"class {{i}}")
    assert ProductClass.objects.count() == 1
"""
TIMING = """
import os, time, pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    started = time.perf_counter()
    yield
    if fixturedef.argname == "django_db_setup":
        took = time.perf_counter() - started
        from django.db import connection
        blocker = request.getfixturevalue("django_db_blocker")
        with blocker.unblock(), connection.cursor() as cur:  # the server's host name
            cur.execute("SELECT pg_read_file('/etc/hostname')")
            server = cur.fetchone()[0].strip()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with open(os.path.join(os.environ["BENCH_TIMES"], worker), "w") as f:
            f.write(f"{took} {server}")
"""
TESTCONTAINERS = """
import os
import pytest
from testcontainers.postgres import PostgresContainer

@pytest.fixture(scope="session")
def _worker_postgres():
    pg = PostgresContainer(os.environ["BENCH_IMAGE"], username="test", password="test",
                           dbname="test", driver=None)
    pg.with_command("postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    pg.with_tmpfs_mount("/var/lib/postgresql/data", "size=512m")
    with pg:
        yield pg

@pytest.fixture(scope="session")
def _point_at_worker_postgres(_worker_postgres):
    from django.conf import settings
    from django.db import connections
    db = settings.DATABASES["default"]
    db.update(ENGINE="django.db.backends.postgresql", NAME="test", USER="test",
              PASSWORD="test", HOST=_worker_postgres.get_container_host_ip(),
              PORT=str(_worker_postgres.get_exposed_port(5432)), OPTIONS={})
    db["TEST"] = {**db.get("TEST", {}), "NAME": None}
    for conn in connections.all(initialized_only=True):
        conn.close()
        del connections[conn.alias]

@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    _point_at_worker_postgres, django_db_modify_db_settings_parallel_suffix
):
    pass
"""
#: ``-p bench_tc``: a module given to ``-p`` is registered before pytest-django's entry
#: point, whose ``django_db_modify_db_settings`` would then win over the one above and leave
#: the session on the sandbox's SQLite; registered at configure time, the fixtures come last
TC_PLUGIN = """
def pytest_configure(config):
    config.pluginmanager.import_plugin("bench_tc_fixtures")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tests", type=int, default=16)
    parser.add_argument("--oscar", type=Path, default=CORPUS, help="django-oscar's checkout")
    args = parser.parse_args()
    python = bench_venv()
    sys.path.insert(0, str(ROOT))
    from dockdjango import connect
    from dockdjango.api.stack.postgres import ensure_postgres_image
    from dockdjango.engine.testing.sessions import PREPARED_FROM, remove_images

    client = connect()
    # a tag of its own: the kept server's reuse key holds the image reference, so this
    # benchmark neither uses nor removes a server another run keeps
    image = f"ddbench-pg-{uuid.uuid4().hex[:8]}:pg"
    client.api.tag(ensure_postgres_image(client), *image.split(":"))
    work = Path(tempfile.mkdtemp(prefix="ddbench-oscar-"))
    (work / "test_shop.py").write_text(TESTS.format(tests=args.tests))
    (work / "bench_timing.py").write_text(TIMING)
    (work / "bench_tc.py").write_text(TC_PLUGIN)
    (work / "bench_tc_fixtures.py").write_text(TESTCONTAINERS)
    (work / "pytest.ini").write_text(
        "[pytest]\nDJANGO_SETTINGS_MODULE = settings\n"
        f"pythonpath = {args.oscar / 'src'} {args.oscar / 'sandbox'} .\n"
        "addopts = -p no:cacheprovider -p bench_timing\n"
    )
    server = start_server(client, image)
    try:
        return measure(python, work, image, server, args)
    finally:
        client.api.remove_container(server["id"], force=True, v=True)
        for found in client.api.containers(all=True, filters={"label": KEPT}):
            if found["Id"][:12] in SERVERS:  # the server the kept runs used: ours
                client.api.remove_container(found["Id"], force=True, v=True)
        # the server image dockdjango prepared from our tag (a commit of the initialised
        # server): only these sessions could use it, and it would outlive the tag
        prepared = {"label": f"{PREPARED_FROM}={image}"}
        remove_images(client, [*client.api.images(filters=prepared, quiet=True), image])


def bench_venv() -> Path:
    """The virtualenv with Oscar's dependencies and this checkout, made once."""
    venv = CACHE / "bench-oscar-venv"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        print(f"making {venv} (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *REQUIREMENTS, "-e", str(ROOT)], check=True)
        (venv / ".installed").touch()
    return python


def start_server(client, image: str) -> dict[str, str]:  # noqa: ANN001
    """The PostgreSQL pytest-django's default points at (as a developer's would run)."""
    name = f"ddbench-pg-{uuid.uuid4().hex[:8]}"
    created = client.api.create_container(
        image,
        command=["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off"],
        environment={"POSTGRES_USER": "test", "POSTGRES_PASSWORD": "test", "POSTGRES_DB": "test"},
        ports=[5432], name=name,
        host_config=client.api.create_host_config(port_bindings={5432: ("127.0.0.1", None)},
                                                  tmpfs={"/var/lib/postgresql/data": "size=1g"}),
    )  # fmt: skip
    client.api.start(created["Id"])
    port = client.api.inspect_container(created["Id"])["NetworkSettings"]["Ports"]["5432/tcp"]
    for _ in range(600):
        if _ready(client, created["Id"]):
            break
        time.sleep(0.2)
    return {"id": created["Id"], "port": port[0]["HostPort"]}


def _ready(client, cid: str) -> bool:  # noqa: ANN001
    exec_id = client.api.exec_create(cid, ["pg_isready", "-q", "-h", "127.0.0.1", "-U", "test"])
    client.api.exec_start(exec_id["Id"])
    return client.api.exec_inspect(exec_id["Id"])["ExitCode"] == 0


def session(
    python: Path, work: Path, env: dict[str, str], *extra: str
) -> tuple[float, list[float]]:
    """One ``pytest -n N`` session: its wall time and each worker's database set-up."""
    times = Path(tempfile.mkdtemp(prefix="times-", dir=work))
    started = time.perf_counter()
    proc = subprocess.run(
        [str(python), "-m", "pytest", "-q", *extra], cwd=work, capture_output=True, text=True,
        env={**os.environ, **env, "BENCH_TIMES": str(times)}, timeout=3600,
    )  # fmt: skip
    wall = time.perf_counter() - started
    setups = [p.read_text().split() for p in times.iterdir()]
    SERVERS.update(server for _took, server in setups)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    return wall, sorted(float(took) for took, _server in setups)


def measure(python: Path, work: Path, image: str, server: dict[str, str], args) -> int:  # noqa: ANN001
    n = ["-n", str(args.workers)]
    plain = {"TESTCONTAINERS_RYUK_DISABLED": "true", "BENCH_IMAGE": image}
    default_env = {"DATABASE_ENGINE": "django.db.backends.postgresql", "DATABASE_NAME": "test",
                   "DATABASE_USER": "test", "DATABASE_PASSWORD": "test",
                   "DATABASE_HOST": "127.0.0.1", "DATABASE_PORT": server["port"]}  # fmt: skip
    ours = ["-o", "dockdjango_django_db=postgres", "-o", f"dockdjango_postgres_image={image}"]
    on_disk = ["-o", "dockdjango_postgres_tmpfs=false"]
    variants = {
        "pytest-django": lambda: session(python, work, {**plain, **default_env}, *n),
        "testcontainers": lambda: session(python, work, plain, *n, "-p", "bench_tc"),
        "dockdjango": lambda: session(python, work, plain, *n, *ours),
        "dockdjango, kept server": lambda: session(
            python, work, plain, *n, *ours, "--dockdjango-reuse"
        ),
        # the same with the server's data in the container's filesystem, not on tmpfs
        "dockdjango, kept, on disk": lambda: session(
            python, work, plain, *n, *ours, *on_disk, "--dockdjango-reuse"
        ),
    }
    session(python, work, plain, *n, *ours, "--dockdjango-reuse")  # keeps server + template
    session(python, work, plain, *n, *ours, *on_disk, "--dockdjango-reuse")
    results: dict[str, list[tuple[float, list[float]]]] = {k: [] for k in variants}
    loads = [os.getloadavg()[0]]  # the 1-minute average, after each session
    for _ in range(args.runs):
        for name, run in variants.items():
            results[name].append(run())
            loads.append(os.getloadavg()[0])
            print(f"  {name}: {results[name][-1][0]:.1f} s", file=sys.stderr)
    base_wall = statistics.median(r[0] for r in results["pytest-django"])
    print(f"\npytest -n {args.workers}, {args.tests} tests, django-oscar (161 migrations), "
          f"median of {args.runs}; load average {loads[0]:.1f} at the start, "
          f"{min(loads[1:]):.1f}-{max(loads[1:]):.1f} after the sessions")  # fmt: skip
    print(f"  {'variant':<26}{'session':>10}{'worker db ready':>18}{'slowest':>10}"
          f"{'session ratio':>15}")  # fmt: skip
    for name, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        setup = statistics.median(statistics.median(r[1]) for r in rows)
        slowest = max(max(r[1]) for r in rows)
        print(f"  {name:<26}{wall:>8.1f} s{setup:>16.2f} s{slowest:>8.2f} s"
              f"{base_wall / wall:>14.1f}x")  # fmt: skip
    print(json.dumps({k: v for k, v in results.items()}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
