"""The Library example's own test suite, through the plugin, on the stack's PostgreSQL:
with two xdist workers and without xdist (the path that once failed with ``KeyError:
'NAME'``: the example's settings default to SQLite)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin.conftest import inner_env, session_objects

pytestmark = pytest.mark.engine

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "library"


@pytest.mark.parametrize("workers", [2, 0], ids=["n2", "no-xdist"])
def test_the_library_suite_runs_on_the_stacks_postgresql(
    tmp_path: Path, engine, base_image, pg_image, workers: int
) -> None:
    # Configuration by ini keys only (-o): the example's settings file and pytest.ini stay
    # as they are -- DATABASES there says SQLite unless DATABASE_URL is set.
    env = {
        k: v
        for k, v in inner_env(LIBRARY_PROBE_DIR=str(tmp_path), PYTHONPATH=str(HERE)).items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-n", str(workers), "-p", "library_probe",
            "-o", "dockdjango_compose_file=compose.yaml",
            "-o", "dockdjango_services=db",
            "-o", "dockdjango_django_db=db",
        ],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed.group(1)) >= 25, out

    probes = {p["worker"]: p for p in map(json.loads, map(Path.read_text, tmp_path.glob("*.json")))}
    if not workers:
        assert set(probes) == {"main"}, probes
        assert probes["main"]["seen"] == ["postgresql:test_library"], probes
        assert session_objects(engine, probes["main"]["session"]) == []
        return
    assert set(probes) == {"gw0", "gw1"}, probes
    # Each worker ran on PostgreSQL, in its own test database on the one shared server.
    assert probes["gw0"]["seen"] == ["postgresql:test_library_gw0"], probes
    assert probes["gw1"]["seen"] == ["postgresql:test_library_gw1"], probes
    session = probes["gw0"]["session"]
    assert probes["gw1"]["session"] == session
    assert session_objects(engine, session) == []  # the stack went down with the run
