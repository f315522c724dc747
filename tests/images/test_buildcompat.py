"""Old sdists build with the setuptools they were written for; newer projects are untouched."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from dockdjango.images.buildcompat import build_constraints
from dockdjango.images.detect import detect
from dockdjango.images.dockerfile import BUILD_CONSTRAINTS_FILE, generate_dockerfile

MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n'


def _project(root: Path, requirements: str) -> Path:
    files = {
        "manage.py": MANAGE,
        "site_cfg/settings.py": "",
        "site_cfg/wsgi.py": "",
        "requirements.txt": requirements,
        "requirements-dev.txt": "-r requirements.txt\npytest==5.4.3\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("django", "constrained"),
    [
        ("3.2.14", True),  # support ended 2024-04, before setuptools 70 (2024-05)
        ("4.1.13", True),
        ("2.2", True),
        ("1.4.22", True),  # older than the table: older still
        ("4.2.11", False),  # supported past setuptools 70
        ("5.0.4", False),
        ("6.1", False),
        ("7.0", False),  # newer than the table
        (None, False),
        ("not a version", False),
    ],
)
def test_the_decision_follows_the_django_series(django: str | None, constrained: bool) -> None:
    got = build_constraints(django, "poetry.lock")
    assert (got.lines == ("setuptools<70",)) is constrained
    assert (got.note is not None) is constrained
    if got.note:
        assert got.note.startswith("packages built from source use setuptools<70: Django ")
        assert "(pinned in poetry.lock)" in got.note and "UV_BUILD_CONSTRAINT" in got.note


def test_an_old_django_project_says_so_and_its_installs_are_constrained(tmp_path: Path) -> None:
    project = detect(_project(tmp_path, "Django==3.2.25\ndjango-allauth==0.48.0\n"))
    assert project.build_constraints == ("setuptools<70",)
    said = [a for a in project.assumptions if "setuptools<70" in a]
    assert len(said) == 1 and "Django 3.2 (pinned in requirements.txt)" in said[0]
    text = generate_dockerfile(project)
    installs = [run for run in _runs(text) if any("uv pip install" in s for s in run)]
    assert len(installs) == 2  # the runtime install and the dev target's
    for run in installs:
        steps = [s.strip(" \\") for s in run]
        write = steps.index(f"&& printf '%s\\n' 'setuptools<70' > {BUILD_CONSTRAINTS_FILE}")
        export = steps.index(f"&& export UV_BUILD_CONSTRAINT={BUILD_CONSTRAINTS_FILE}")
        install = next(i for i, s in enumerate(steps) if "uv pip install" in s)
        assert write < export < install
        assert steps[install + 1] == f"&& rm {BUILD_CONSTRAINTS_FILE}"  # not left in the image
        assert steps[-1] == steps[install + 1]
    assert "# Packages built from source (no wheel) use setuptools<70" in text


def _runs(text: str) -> list[list[str]]:
    """Each RUN instruction as its lines (continuations included)."""
    runs: list[list[str]] = []
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("RUN "):
            runs.append([line])
            while runs[-1][-1].endswith("\\"):
                runs[-1].append(next(lines))
    return runs


def test_the_constraint_is_the_only_difference(tmp_path: Path) -> None:
    project = detect(_project(tmp_path, "Django==3.2.25\n"))
    plain = generate_dockerfile(dataclasses.replace(project, build_constraints=()))
    constrained = generate_dockerfile(project)
    removed = re.sub(r" \\\n    && rm /tmp/build-constraints\.txt\n", "\n", constrained)
    assert removed.count("uv pip install") == 2 and "&& rm /tmp/build" not in removed
    added = [line for line in removed.splitlines() if line not in plain.splitlines()]
    assert [line for line in removed.splitlines() if line not in added] == plain.splitlines()
    assert len(added) == 2 + 2 * 2  # the comment, and two lines in each of both installs
    assert all("setuptools" in a or "build-constraint" in a or a.startswith("#") for a in added)


def test_a_current_project_gets_no_constraint_and_no_new_text(tmp_path: Path) -> None:
    project = detect(_project(tmp_path, "Django==4.2.11\n"))
    assert project.build_constraints == ()
    assert not any("setuptools" in a for a in project.assumptions)
    text = generate_dockerfile(project)
    assert "UV_BUILD_CONSTRAINT" not in text and "build-constraints" not in text


def test_the_written_file_holds_exactly_the_constraint_lines(tmp_path: Path) -> None:
    project = detect(_project(tmp_path, "Django==2.2.28\n"))
    project = dataclasses.replace(project, build_constraints=("setuptools<70", "wheel<0.40"))
    line = next(
        s.strip(" \\").removeprefix("&& ")
        for s in generate_dockerfile(project).splitlines()
        if "printf" in s
    )
    target = tmp_path / "constraints.txt"
    subprocess.run(
        ["sh", "-c", line.replace(BUILD_CONSTRAINTS_FILE, str(target))], check=True, timeout=10
    )
    assert target.read_text() == "setuptools<70\nwheel<0.40\n"
