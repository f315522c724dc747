"""Project detection: dependency files, locks, Python version, Django, system packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockdjango.detection.detect import detect, requirement_name, system_packages
from dockdjango.errors import DockdjangoError


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


MANAGE = """#!/usr/bin/env python
import os, sys
def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""


def test_requirements_with_include_and_django(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "-r requirements/base.txt\ngunicorn==22.0.0  # server\n",
            "requirements/base.txt": "Django>=5.2,<5.3\npsycopg2==2.9.9\n",
            "requirements-dev.txt": "pytest\n",
            "manage.py": MANAGE,
            "config/settings.py": "",
            "config/wsgi.py": "",
            "config/asgi.py": "",
        },
    )
    p = detect(tmp_path)
    assert p.kind == "requirements"
    assert p.requirements_file == "requirements.txt"
    assert p.dependency_files == ("requirements.txt", "requirements/base.txt")
    assert p.dependency_names == ("django", "psycopg2", "gunicorn")
    assert p.django and p.settings_module == "config.settings"
    assert p.wsgi_app == "config.wsgi:application"
    assert p.asgi_app == "config.asgi:application"
    assert "libpq-dev" in p.build_packages and p.runtime_packages == ("libpq5",)


def test_prefers_plain_requirements_over_dev_variants(tmp_path: Path) -> None:
    write(tmp_path, {"requirements-dev.txt": "pytest\n", "requirements-prod.txt": "six\n"})
    assert detect(tmp_path).requirements_file == "requirements-prod.txt"


def test_pyproject_without_lock_reads_project_dependencies(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.12"\n'
            'dependencies = ["requests>=2", "psycopg[binary]>=3.1"]\n',
            "main.py": "",
        },
    )
    p = detect(tmp_path)
    assert p.kind == "pyproject" and p.requirements_file is None
    assert p.requirements == ("requests>=2", "psycopg[binary]>=3.1")
    # 3.12 exists nowhere offline: the oldest Python on offer that satisfies >=3.12
    assert p.python_request.hard == ">=3.12" and p.python == "3.13"
    assert p.runtime_packages == ()  # the binary extra bundles libpq


def test_uv_lock_pins_and_skips_the_project_itself(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\ndependencies = ["six"]\n',
            "uv.lock": 'version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
            'source = { editable = "." }\ndependencies = [{ name = "six" }]\n'
            '[[package]]\nname = "six"\nversion = "1.16.0"\n'
            'source = { registry = "https://pypi.org/simple" }\n',
        },
    )
    p = detect(tmp_path)
    assert p.kind == "uv"
    assert p.requirements == ("six==1.16.0",)
    assert p.dependency_files == ("pyproject.toml", "uv.lock")
    # a requirements.txt exported from the lock without its markers (one name pinned
    # twice) does not outrank the lock it came from
    (tmp_path / "requirements.txt").write_text("six==1.15.0\nsix==1.16.0\n")
    p = detect(tmp_path)
    assert p.kind == "uv" and p.requirements == ("six==1.16.0",)
    assert "requirements.txt not used: uv.lock is this project's lock" in p.notes


def test_poetry_lock_keeps_main_group_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\n"
            "python = '^3.10'\ndjango = '^5.2'\n[tool.poetry.group.dev.dependencies]\n"
            "pytest = '*'\n",
            "poetry.lock": '[[package]]\nname = "django"\nversion = "5.2.1"\ngroups = ["main"]\n'
            '[[package]]\nname = "pytest"\nversion = "8.0.0"\ngroups = ["dev"]\n',
        },
    )
    p = detect(tmp_path)
    assert p.requirements == ("django==5.2.1",)
    assert p.dev_requirements == ("pytest==8.0.0",)


def test_pipfile_lock_default_section_with_markers(tmp_path: Path) -> None:
    lock = {
        "default": {
            "six": {"version": "==1.16.0"},
            "idna": {"version": "==3.7", "markers": "python_version >= '3.6'"},
        },
        "develop": {"pytest": {"version": "==8.0"}},
    }
    write(tmp_path, {"Pipfile": "", "Pipfile.lock": json.dumps(lock)})
    p = detect(tmp_path)
    assert p.kind == "pipenv"
    # markers are evaluated for the image's Python, not passed on
    assert p.requirements == ("idna==3.7", "six==1.16.0")
    assert p.dev_requirements == ("pytest==8.0",)


def test_python_version_file_is_a_soft_hint(tmp_path: Path) -> None:
    write(tmp_path, {".python-version": "3.12.4\n", "requirements.txt": ""})
    offline = detect(tmp_path)
    assert offline.python_request.soft == "3.12"
    assert offline.python == "3.13"  # the nearest newer Python on offer, and said so
    assert any("3.12 asked (.python-version)" in a for a in offline.assumptions)
    registry = detect(tmp_path, offers={"3.12": "official", "3.11": "bookworm"})
    assert registry.python == "3.12" and registry.python_choice is not None
    assert registry.python_choice.image_hint == "python:3.12-slim"


def test_unknown_layout_says_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi")
    with pytest.raises(DockdjangoError) as info:
        detect(tmp_path)
    message = str(info.value)
    for looked in ("requirements*.txt", "pyproject.toml", "uv.lock", "manage.py"):
        assert looked in message


def test_include_outside_the_project_is_an_error(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    write(tmp_path, {"shared.txt": "six\n", "p/requirements.txt": "-r ../shared.txt\n"})
    with pytest.raises(DockdjangoError, match="outside the project"):
        detect(proj)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Django>=5", "django"),
        ("zope.interface==6", "zope-interface"),
        ("psycopg[binary]>=3", "psycopg"),
        ("-e .", None),
        ("--index-url https://x", None),
        ("pkg @ https://example.com/pkg.whl", "pkg"),
    ],
)
def test_requirement_name(line: str, name: str | None) -> None:
    assert requirement_name(line) == name


def test_system_packages_for_psycopg_variants() -> None:
    assert system_packages(("psycopg[binary]",)) == ((), ())
    assert system_packages(("psycopg",)) == ((), ("libpq5",))
    build, run = system_packages(("psycopg[c]",))
    assert "libpq-dev" in build and run == ("libpq5",)
    assert system_packages(("psycopg2-binary",)) == ((), ())


def test_a_git_url_requirement_puts_git_in_the_build_stage(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "six==1.16.0\ndjango-push @ git+https://github.com/brutasse/django-push.git@22fda99\n"
    )
    project = detect(tmp_path)
    assert "git" in project.build_packages
    assert "git in the build stage: django-push installed from a Git URL" in project.assumptions
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    assert "git" not in detect(tmp_path).build_packages
