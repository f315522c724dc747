"""What the plugin costs a test run that uses none of its fixtures: pytest loads it in
every run of every project that has dockdjango installed, so loading it must import
neither the Docker SDK nor the models, only the options, hooks and fixture declarations.
``benchmarks/fixtures_postgres.py`` measures the sessions that do use it."""

from __future__ import annotations

import subprocess
import sys

HEAVY = {"docker", "requests", "pydantic", "yaml", "rich"}


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, json, pytest; before = set(sys.modules); "
        "import dockdjango.pytest_plugin.plugin; "
        "new = set(sys.modules) - before; "
        "print(json.dumps([sorted({m.split('.')[0] for m in new}), "
        "len([m for m in new if m.startswith('dockdjango')])]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    packages, ours = __import__("json").loads(run.stdout)
    assert HEAVY.isdisjoint(packages), packages
    assert ours <= 16, f"{ours} dockdjango modules for the plugin alone"
