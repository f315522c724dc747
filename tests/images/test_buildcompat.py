"""Old sdists build with the setuptools they were written for; newer projects are untouched."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from dockdjango.detection.buildcompat import build_constraints
from dockdjango.detection.detect import detect
from dockdjango.images.dockerfile import generate_dockerfile
from dockdjango.images.installs import BUILD_CONSTRAINTS_FILE

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
    project = dataclasses.replace(project, resolve_before="")  # tested on its own below
    assert project.build_constraints == ("setuptools<70",)
    said = [a for a in project.assumptions if "setuptools<70" in a]
    assert len(said) == 1 and "Django 3.2 (pinned in requirements.txt)" in said[0]
    text = generate_dockerfile(project)
    installs = [run for run in _runs(text) if any(_installs_requirements(s) for s in run)]
    assert len(installs) == 2  # the runtime install and the dev target's
    for run in installs:
        steps = [s.strip(" \\") for s in run]
        write = steps.index(f"&& printf '%s\\n' 'setuptools<70' > {BUILD_CONSTRAINTS_FILE}")
        export = steps.index(f"&& export UV_BUILD_CONSTRAINT={BUILD_CONSTRAINTS_FILE}")
        install = next(i for i, s in enumerate(steps) if _installs_requirements(s))
        assert write < export < install
        assert steps[install + 1] == f"&& rm {BUILD_CONSTRAINTS_FILE}"  # not left in the image
        assert steps[-1] == steps[install + 1]
    assert "# Packages built from source (no wheel) use setuptools<70" in text


def _installs_requirements(step: str) -> bool:
    """The step installing a requirements file (not the seed's setuptools hold)."""
    return "uv pip install" in step and " -r " in step


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
    project = dataclasses.replace(detect(_project(tmp_path, "Django==3.2.25\n")), resolve_before="")
    plain = generate_dockerfile(dataclasses.replace(project, build_constraints=()))
    constrained = generate_dockerfile(project)
    removed = re.sub(r" \\\n    && rm /tmp/build-constraints\.txt\n", "\n", constrained)
    assert sum(map(_installs_requirements, removed.splitlines())) == 2
    assert "&& rm /tmp/build" not in removed
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


@pytest.mark.parametrize(
    ("django", "python", "locked", "before"),
    [
        ("4.0.4", "3.11", False, "2023-05-01T00:00:00Z"),  # support ended 2023-04
        ("4.1.13", "3.11", False, "2024-01-01T00:00:00Z"),  # ended 2023-12: next January
        ("2.2", "3.11", False, "2022-11-01T00:00:00Z"),  # 3.11 (2022-10) came out later
        ("3.2.25", "3.13", False, "2024-11-01T00:00:00Z"),
        ("3.2.25", None, False, "2024-05-01T00:00:00Z"),
        ("3.2.25", "3.11", True, ""),  # a lock file pins everything
        ("5.2", "3.11", False, ""),  # supported
        ("7.0", "3.11", False, ""),  # newer than the table
        ("1.4.22", "3.11", False, ""),  # older than the table: no known date
        (None, "3.11", False, ""),
    ],
)
def test_unpinned_dependencies_resolve_as_of_the_end_of_support(
    django: str | None, python: str | None, locked: bool, before: str
) -> None:
    got = build_constraints(django, python=python, locked=locked)
    assert got.resolve_before == before
    assert (got.resolve_note is not None) is bool(before)
    if got.resolve_note:
        assert got.resolve_note.startswith(
            f"dependencies not pinned with == resolve as of {before[:10]}"
        )
        assert "--exclude-newer" in got.resolve_note


def test_the_note_names_the_python_when_it_sets_the_date() -> None:
    note = build_constraints("2.2.28", python="3.11").resolve_note
    assert note is not None and "Python 3.11, the image's, came out in 2022-10" in note
    note = build_constraints("4.0.4", python="3.11").resolve_note
    assert note is not None and "Django 4.0 was out of support after 2023-04" in note


def test_the_install_resolves_as_of_the_date_and_exempts_every_pin(tmp_path: Path) -> None:
    project = detect(_project(tmp_path, "Django==4.0.4\nenvirons[django]==9.5.0\nrequests\n"))
    assert project.resolve_before == "2023-05-01T00:00:00Z"
    assert project.pinned_names == ("django", "environs", "pytest")
    said = [a for a in project.assumptions if "--exclude-newer" in a]
    assert len(said) == 1 and "resolve as of 2023-05-01" in said[0]
    text = generate_dockerfile(project)
    installs = [run for run in _runs(text) if any(_installs_requirements(s) for s in run)]
    assert len(installs) == 2
    for run in installs:
        steps = [s.strip(" \\") for s in run]
        at = next(i for i, s in enumerate(steps) if _installs_requirements(s))
        assert steps[at + 1] == "--exclude-newer 2023-05-01T00:00:00Z"
        flags = " ".join(steps[at + 2 : at + 4]).split()
        assert flags == [
            "--exclude-newer-package", "django=false",
            "--exclude-newer-package", "environs=false",
            "--exclude-newer-package", "pytest=false",
        ]  # fmt: skip
        assert steps[at + 4] == f"&& rm {BUILD_CONSTRAINTS_FILE}"
    plain = generate_dockerfile(dataclasses.replace(project, resolve_before=""))
    added = [line for line in text.splitlines() if line not in plain.splitlines()]
    # the comment, and three lines in each install (the install line already continues to
    # the removal of the build constraints)
    assert len(added) == 2 + 2 * 3
    assert all("exclude-newer" in line or line.startswith("# ") for line in added)
    assert "exclude-newer" not in plain


def test_a_locked_or_current_project_gets_no_date(tmp_path: Path) -> None:
    current = detect(_project(tmp_path, "Django==5.2.8\nenvirons==9.5.0\n"))
    assert current.resolve_before == ""
    assert not any("exclude-newer" in a for a in current.assumptions)
    assert "exclude-newer" not in generate_dockerfile(current)
