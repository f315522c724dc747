"""`dockdjango compare` through the real CLI, on a tiny project, against the real engine.

Each number must be measured: adding a dependency makes the venv and the image bigger and
the package count go up; a failing test shows up as a failure in both environments; the
Python versions are the interpreters' own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

TEST_OK = """import unittest

import six


class SixTest(unittest.TestCase):
    def test_six_is_installed(self):
        self.assertTrue(six.PY3)
"""

TEST_FAILS = """import unittest


class Broken(unittest.TestCase):
    def test_fails_on_purpose(self):
        self.assertEqual(1, 2)
"""


def _project(root: Path, requirements: list[str], *, failing: bool = False) -> Path:
    root.mkdir()
    (root / "requirements.txt").write_text("\n".join(requirements) + "\n")
    (root / "test_six.py").write_text(TEST_OK)
    if failing:
        (root / "test_broken.py").write_text(TEST_FAILS)
    return root


def _compare(project: Path, tag: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", "compare", str(project), "--tag", tag, *extra],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CI": "1"},
    )


@pytest.fixture
def tags(engine, unique_name):
    """Image tags for the test; removed afterwards (compare removes its build's other images)."""
    made = [f"dockdjango-test/{unique_name}:one", f"dockdjango-test/{unique_name}:two"]
    yield made
    for tag in made:
        try:
            engine.api.remove_image(tag, force=True)
        except Exception:  # never built (the test failed early)
            pass


def test_each_number_is_measured(tmp_path, tags, base_image, engine) -> None:
    small = _project(tmp_path / "small", ["six==1.16.0"])
    bigger = _project(tmp_path / "bigger", ["six==1.16.0", "idna==3.7"], failing=True)

    first = _compare(small, tags[0], "--json", "--plot", str(tmp_path / "chart.svg"))
    assert first.returncode == 0, first.stderr
    second = _compare(bigger, tags[1], "--json")
    assert second.returncode == 0, second.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)

    # Disk and package counts follow the requirements.
    assert a["venv"]["packages"] == 1 and b["venv"]["packages"] == 2
    # The image's venv is seeded (pip, setuptools, wheel and wheel's own dependency,
    # packaging, which pip freeze lists): one requirement more is one package more.
    assert a["docker"]["packages"] >= 1 and b["docker"]["packages"] - a["docker"]["packages"] == 1
    assert b["venv"]["disk_bytes"] > a["venv"]["disk_bytes"] > 1_000_000
    assert b["docker"]["disk_bytes"] > a["docker"]["disk_bytes"] > a["base_bytes"]

    # Times are wall clock of real work: positive, and not the same figure twice.
    for side in ("venv", "docker"):
        for run in (a, b):
            assert run[side]["setup_cold_s"] > 0 and run[side]["setup_warm_s"] > 0
        assert a[side]["setup_cold_s"] != b[side]["setup_cold_s"]
    # (Which is faster is benchmarks' business: under load a warm build can lose to a cold
    # one, so no test compares two timings.)

    # Test suites really ran in each environment.
    for side in ("venv", "docker"):
        assert (a[side]["tests"]["ran"], a[side]["tests"]["failed"]) == (1, 0)
        assert (b[side]["tests"]["ran"], b[side]["tests"]["failed"]) == (2, 1)

    # Each environment reports its own interpreter.
    host = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert a["venv"]["probe"]["python"] == host
    image_python = engine.images.get(tags[0]).attrs["Config"]["Labels"]
    assert a["docker"]["probe"]["executable"] == "/opt/venv/bin/python"
    assert a["image_id"] == engine.images.get(tags[0]).id
    assert image_python.get("dev.dockdjango.compare") == "1"
    assert a["docker"]["probe"]["python"].startswith("3.")

    chart = (tmp_path / "chart.svg").read_text()
    assert chart.lstrip().startswith("<?xml") and "<svg" in chart


def test_table_output_is_plain_when_not_a_tty(tmp_path, tags, base_image) -> None:
    project = _project(tmp_path / "p", ["six==1.16.0"])
    run = _compare(project, tags[0], "--no-tests")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "virtualenv" in lines[1] and "docker (dockdjango)" in lines[1]
    labels = [line.split("  ")[0] for line in lines[2:]]
    assert labels[:4] == ["sets the project up", "set-up, cold", "set-up, warm", "disk"]
    assert lines[2].count("yes") == 2 and "no:" not in lines[2], lines[2]  # both sides can
    assert "\x1b[" not in run.stdout  # no terminal escapes in a pipe
    assert any(line.startswith("test suite") and "not run" in line for line in lines)


TEST_POSTGRES = """import os
import unittest


@unittest.skipUnless(os.environ.get("DATABASE_URL"), "no DATABASE_URL: no PostgreSQL here")
class PostgresTest(unittest.TestCase):
    def test_a_real_server_answers(self):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        print("server_version", version)
        self.assertTrue(version[:2].isdigit())
"""

COMPOSE = """services:
  db:
    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}
"""


def test_the_container_suite_runs_on_a_real_postgresql(tmp_path, tags, base_image) -> None:
    project = tmp_path / "pg"
    project.mkdir()
    (project / "requirements.txt").write_text("psycopg[binary]>=3.1,<4\n")
    (project / "test_pg.py").write_text(TEST_POSTGRES)
    (project / "compose.yaml").write_text(COMPOSE)
    run = _compare(project, tags[0], "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    # In the venv there is no server: the test is skipped. In the container it connects.
    assert (data["venv"]["tests"]["ran"], data["venv"]["tests"]["skipped"]) == (1, 1)
    docker = data["docker"]["tests"]
    assert (docker["ran"], docker["skipped"], docker["failed"], docker["errors"]) == (1, 0, 0, 0)
    assert docker["database"].startswith("PostgreSQL 1")
    assert data["docker"]["postgres"].startswith("yes: PostgreSQL")
    assert "service `db` in compose.yaml" in data["docker"]["postgres"]
