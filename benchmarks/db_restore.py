"""Restoring a database of about 1 GB: dockdjango's snapshots vs ``pg_dump -Fc`` + ``pg_restore``.

    .venv/bin/python benchmarks/db_restore.py [--rows 6000000] [--rounds 3]

One stack, one PostgreSQL (the image ``ensure_postgres_image`` picks), a table of
generated rows (6,000,000 rows: ~1.1 GB with its index). Each round, interleaved, after
the same experiment (10,000 rows updated):

- ``dockdjango (ready copy)``: ``dockdjango db restore base`` when the spare of ``base``
  is there (as it is seconds after a snapshot or a restore): a rename;
- ``dockdjango (copy)``: the same restore of a snapshot without a spare: a template copy
  (``CREATE DATABASE ... TEMPLATE``), then the rename;
- ``pg_dump + pg_restore``: what people script: ``dropdb --force``, ``createdb``,
  ``pg_restore`` of a ``pg_dump -Fc`` archive, run in the database container.

dockdjango is timed twice: through the API (``stack.db.restore``: the restore itself)
and as the command a person types (interpreter start-up and imports included). Every
restore is checked: the rows the experiment changed are back. Snapshot times (``db
snapshot`` vs ``pg_dump -Fc``) are printed too. Medians, and pg_restore's time divided by
dockdjango's.

The copy a restore without a ready copy makes is also timed alone, in each round, with
both of PostgreSQL 15's strategies (``CREATE DATABASE ... TEMPLATE <snapshot> STRATEGY
FILE_COPY`` / ``WAL_LOG``, psql's own timing, the copy dropped after): the one dockdjango
uses for large databases is the faster one here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMPOSE = """\
name: {name}
services:
  db:
    image: {image}
    environment: {{POSTGRES_USER: app, POSTGRES_PASSWORD: app, POSTGRES_DB: app}}
    volumes: [pgdata:/var/lib/postgresql/data]
    shm_size: 256mb
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U app -d app"]
      interval: 1s
      retries: 120
volumes:
  pgdata:
"""
GENERATE = """
SET max_parallel_maintenance_workers = 0;
CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL,
                    created timestamptz NOT NULL, payload text NOT NULL);
INSERT INTO items SELECT g, 'item ' || g, (g % 100000) / 100.0,
       timestamptz '2024-01-01' + g * interval '1 second', md5(g::text) || md5((g * 7)::text)
  FROM generate_series(1, {rows}) AS g;
CREATE INDEX items_created ON items (created);
VACUUM (ANALYZE, PARALLEL 0) items;
"""
EXPERIMENT = "UPDATE items SET name = name || 'x' WHERE id % 600 = 0"
CHANGED = "SELECT count(*) FROM items WHERE id % 600 = 0 AND name LIKE '%x'"
VARIANTS = ("dockdjango (ready copy)", "dockdjango (copy)", "pg_dump + pg_restore")
STRATEGIES = ("FILE_COPY", "WAL_LOG")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from dockdjango import Stack, connect
    from dockdjango.api.stack.postgres import ensure_postgres_image

    client = connect()
    image = ensure_postgres_image(client)
    name = f"ddbench-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="ddbench-"))
    (work / "compose.yaml").write_text(COMPOSE.format(name=name, image=image))
    stack = Stack.load(work / "compose.yaml", client=client)
    try:
        stack.up(wait=True, timeout=300)
        return measure(stack, work, args)
    finally:
        stack.down(volumes=True)


def psql(stack, sql: str, database: str = "app") -> str:  # noqa: ANN001
    """The statements of ``sql`` run in the db container, one transaction each; the output."""
    argv = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", database]
    for statement in filter(None, (s.strip() for s in sql.split(";"))):
        argv += ["-c", statement]
    done = stack.exec("db", argv)
    assert done.exit_code == 0, done.output
    return done.stdout.strip()


def sh(stack, script: str) -> float:  # noqa: ANN001
    """Seconds ``script`` takes in the db container (a failure stops the benchmark)."""
    started = time.perf_counter()
    done = stack.exec("db", ["sh", "-c", script])
    assert done.exit_code == 0, done.output
    return time.perf_counter() - started


def cli(work: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dockdjango", *args], cwd=work, check=True,
                   capture_output=True, env={**os.environ, "CI": "1"})  # fmt: skip
    return time.perf_counter() - started


def copy_alone(stack, strategy: str) -> float:  # noqa: ANN001
    """Seconds the server takes to copy the snapshot ``nospare`` with ``strategy``."""
    from dockdjango.api.database.catalog import snapshot_db

    copy = f'CREATE DATABASE dd_bench_copy TEMPLATE "{snapshot_db("app", "nospare")}"'
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", "postgres",
            "-c", "\\timing on", "-c", f"{copy} STRATEGY {strategy}"]  # fmt: skip
    done = stack.exec("db", argv)
    assert done.exit_code == 0, done.output
    psql(stack, "DROP DATABASE dd_bench_copy", "postgres")
    return float(done.stdout.split("Time: ")[-1].split(" ms")[0]) / 1000


def wait_for_spare(stack, timeout: float = 300) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if psql(stack, "SELECT count(*) FROM pg_database WHERE datname = 'app__dd_spare'") == "1":
            return
        time.sleep(0.5)
    raise RuntimeError("the spare was not made")


def measure(stack, work: Path, args: argparse.Namespace) -> int:  # noqa: ANN001
    load = os.getloadavg()[0]
    started = time.perf_counter()
    psql(stack, GENERATE.format(rows=args.rows))
    size = int(psql(stack, "SELECT pg_database_size('app')"))
    print(f"data: {args.rows:,} rows, {size / 1e9:.2f} GB ({time.perf_counter() - started:.0f} s)")

    snap = {"dockdjango db snapshot": cli(work, "db", "snapshot", "base")}
    cli(work, "db", "snapshot", "nospare", "--no-spare")
    snap["pg_dump -Fc"] = sh(stack, "pg_dump -Fc -U app -d app -f /tmp/app.dump")
    api: dict[str, list[float]] = {v: [] for v in VARIANTS}
    typed: dict[str, list[float]] = {v: [] for v in VARIANTS[:2]}
    copies: dict[str, list[float]] = {s: [] for s in STRATEGIES}
    for _ in range(args.rounds):
        for strategy in STRATEGIES:
            copies[strategy].append(copy_alone(stack, strategy))
        for variant in VARIANTS:
            psql(stack, EXPERIMENT)
            if variant == VARIANTS[0]:
                wait_for_spare(stack)
                began = time.perf_counter()
                stack.db.restore("base")
            elif variant == VARIANTS[1]:
                began = time.perf_counter()
                stack.db.restore("nospare", spare=False)
            else:
                api[variant].append(sh(stack, "dropdb --force -U app app && createdb -U app app"
                                       " && pg_restore -U app -d app /tmp/app.dump"))  # fmt: skip
                assert psql(stack, CHANGED) == "0"
                continue
            api[variant].append(time.perf_counter() - began)
            assert psql(stack, CHANGED) == "0"
            psql(stack, EXPERIMENT)
            if variant == VARIANTS[0]:
                wait_for_spare(stack)
            typed[variant].append(
                cli(work, "db", "restore", "base" if variant == VARIANTS[0] else "nospare",
                    *([] if variant == VARIANTS[0] else ["--no-spare"]))
            )  # fmt: skip
            assert psql(stack, CHANGED) == "0"
    report(snap, api, typed, size, load)
    print(f"the copy alone, median of {args.rounds} (load average {os.getloadavg()[0]:.1f} "
          "at the end): " + ", ".join(f"{k} {statistics.median(v):.2f} s {sorted(v)}"
                                      for k, v in copies.items()))  # fmt: skip
    return 0


def report(
    snap: dict[str, float],
    api: dict[str, list[float]],
    typed: dict[str, list[float]],
    size: int,
    load: float,
) -> None:
    peer = statistics.median(api[VARIANTS[2]])
    print(
        f"\nsnapshot ({size / 1e9:.2f} GB): " + ", ".join(f"{k} {v:.2f} s" for k, v in snap.items())
    )
    print(f"restore, median of {len(api[VARIANTS[2]])} (load average {load:.1f} at the start):")
    print(f"  {'variant':<26}{'restore':>10}{'command':>10}  pg_restore / this")
    for variant in VARIANTS:
        mid = statistics.median(api[variant])
        command = f"{statistics.median(typed[variant]):.2f} s" if variant in typed else "-"
        ratios = f"{peer / mid:.1f}x" + (
            f" ({peer / statistics.median(typed[variant]):.1f}x typed)" if variant in typed else ""
        )
        print(f"  {variant:<26}{mid:>8.2f} s{command:>10}  {ratios}")


if __name__ == "__main__":
    raise SystemExit(main())
