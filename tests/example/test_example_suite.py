"""The Library example's own test suite, run as a reader would run it in a virtualenv.

No Docker here: ``python manage.py test`` and ``python -m pytest`` (pytest-django) in
``examples/library`` on SQLite, each in a fresh interpreter so Django's settings never
leak into this process.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library"
# Scripts beside the project that drive it from outside; the Django project itself is plain.
NOT_PART_OF_THE_PROJECT = {"spin_up.py"}


def _venv_env(**extra: str) -> dict[str, str]:
    """The environment of a fresh shell: none of the stack's variables, so SQLite is used."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("PYTEST_")
    }
    env.update(extra)
    return env


def _run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=EXAMPLE,
        env=_venv_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def manage_py_test() -> subprocess.CompletedProcess[str]:
    return _run("manage.py", "test", "--noinput")


def test_manage_py_test_passes_on_sqlite(manage_py_test: subprocess.CompletedProcess[str]) -> None:
    out = manage_py_test.stdout + manage_py_test.stderr
    assert manage_py_test.returncode == 0, out
    ran = re.search(r"^Ran (\d+) tests?", out, re.MULTILINE)
    assert ran, out
    assert int(ran.group(1)) >= 25, out
    assert re.search(r"^OK$", out, re.MULTILINE), out
    assert "Warning" not in out, out  # a clean run: no deprecation or configuration noise


def test_pytest_django_runs_the_same_suite(
    manage_py_test: subprocess.CompletedProcess[str],
) -> None:
    result = _run("-m", "pytest", "-q")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    passed = re.search(r"(\d+) passed", out)
    ran = re.search(r"^Ran (\d+) tests?", manage_py_test.stderr, re.MULTILINE)
    assert passed and ran, out
    # Both runners discover the same tests: nothing hides from either.
    assert int(passed.group(1)) == int(ran.group(1)), out


def test_migrations_match_the_models() -> None:
    result = _run("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_demand_a_secret_key() -> None:
    result = _run("manage.py", "check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_check() -> None:
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
        DEBUG="0",
        SECRET_KEY="a-test-key-" + "x" * 50,
        ALLOWED_HOSTS="library.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_project_imports_nothing_from_dockdjango() -> None:
    offenders = []
    for path in EXAMPLE.rglob("*.py"):
        if path.name in NOT_PART_OF_THE_PROJECT and path.parent == EXAMPLE:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] == "dockdjango"]
    assert offenders == []
