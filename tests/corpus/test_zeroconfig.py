"""Zero-config on a project `django-admin startproject` made: no compose file, no Dockerfile.

Pure: the compose file init writes is Compose's (``docker compose config`` accepts it).
Engine: ``dockdjango up`` brings it up with migrations run and its SQLite database made in
the checkout -- which belongs to a non-root uid, and the files Django writes there belong
to that uid too (as Dev Containers' updateRemoteUserUID does).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dockdjango.api.stack.zeroconfig import describe, detect_only
from dockdjango.images.stackfile import compose_file

from .recipes import Recipe, dockdjango, first_answer, free_port, remove_project

OWNER = 4321  # a uid and gid nobody on this machine has


def startproject(dest: Path) -> Path:
    """``django-admin startproject mysite`` with Django pinned in requirements.txt."""
    dest.mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(dest)],
        check=True,
        capture_output=True,
    )
    (dest / "requirements.txt").write_text("Django>=5.2,<5.3\n")
    return dest


def test_detection_of_a_startproject_layout(tmp_path: Path) -> None:
    root = startproject(tmp_path / "p")
    found = describe(detect_only(root))
    assert found["settings"] == "mysite.settings" and found["wsgi"] == "mysite.wsgi:application"
    assert found["database"] == "sqlite" and found["services"] == []
    assert any(
        "SQLite: the settings fix the database file's path" in a for a in found["assumptions"]
    )


def test_the_written_compose_file_is_composes(tmp_path: Path, compose_binary: str) -> None:
    root = startproject(tmp_path / "p")
    (root / "compose.yaml").write_text(compose_file(detect_only(root)).text)
    ran = subprocess.run(
        [compose_binary, "config", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKDJANGO_UID": "1234", "DOCKDJANGO_GID": "99", "WEB_PORT": "9"},
    )
    assert ran.returncode == 0, ran.stderr
    import json

    web = json.loads(ran.stdout)["services"]["web"]
    assert web["user"] == "1234:99" and web["build"]["target"] == "dev"
    assert web["ports"][0]["host_ip"] == "127.0.0.1" and web["ports"][0]["published"] == "9"


@pytest.mark.engine
@pytest.mark.slow
def test_files_django_makes_in_the_checkout_belong_to_its_owner(tmp_path: Path) -> None:
    root = startproject(tmp_path / "checkout")
    for path in [root, *root.rglob("*")]:
        os.chown(path, OWNER, OWNER)
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    port = free_port()
    try:
        up = dockdjango(
            ["-p", project, "up", "-d", "--wait", "--timeout", "900"],
            root,
            env={"WEB_PORT": str(port)},
        )
        assert up.returncode == 0, up.stderr[-3000:]
        assert "no compose file: running what dockdjango detects" in up.stderr
        path, status = first_answer(Recipe("startproject", paths=("/admin/login/",)), port)
        assert status == 200, (path, status)
        # migrate made the SQLite file where the settings put it: in the checkout
        database = root / "db.sqlite3"
        assert database.is_file() and (database.stat().st_uid, database.stat().st_gid) == (
            OWNER,
            OWNER,
        )
        made = dockdjango(
            ["-p", project, "exec", "-T", "web", "python", "manage.py", "startapp", "notes"],
            root,
        )
        assert made.returncode == 0, made.stderr
        for created in [root / "notes", *(root / "notes").rglob("*")]:
            assert created.stat().st_uid == OWNER, created
    finally:
        remove_project(root, project)  # down -v, and the image built for it


def monorepo(dest: Path) -> Path:
    """A startproject site in backend/ of a repository with a front end and a tooling-only
    pyproject at the root, its settings split into a package whose manage.py names none."""
    dest.mkdir()
    backend = startproject(dest / "backend")
    package = backend / "mysite" / "settings"
    package.mkdir()
    base = (backend / "mysite" / "settings.py").read_text()
    # the package is one level deeper than settings.py was: BASE_DIR stays backend/
    (package / "base.py").write_text(base.replace(".parent.parent", ".parent.parent.parent"))
    (backend / "mysite" / "settings.py").unlink()
    (package / "__init__.py").write_text("")
    (package / "development.py").write_text(
        "from .base import *  # noqa\nDEBUG = True\nALLOWED_HOSTS = ['*']\n"
    )
    (package / "production.py").write_text(
        "from .base import *  # noqa\nDEBUG = False\nALLOWED_HOSTS = ['shop.example']\n"
    )
    manage = (backend / "manage.py").read_text()
    (backend / "manage.py").write_text(
        "\n".join(line for line in manage.splitlines() if "DJANGO_SETTINGS_MODULE" not in line)
    )
    (dest / "frontend").mkdir()
    (dest / "frontend" / "package.json").write_text("{}\n")
    (dest / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    return dest


def test_detection_of_a_monorepo_with_a_settings_package(tmp_path: Path) -> None:
    found = detect_only(monorepo(tmp_path / "repo"))
    assert (found.manage_py, found.app_dir, found.dependency_dir) == (
        "backend/manage.py",
        "backend",
        "backend",
    )
    assert found.requirements_file == "backend/requirements.txt"
    assert found.settings_module == "mysite.settings.development"


@pytest.mark.engine
def test_up_serves_a_monorepo_whose_settings_package_names_no_default(tmp_path: Path) -> None:
    """Issue 19 (class 3 and layouts): from the repository's root, `up` alone installs
    backend/requirements.txt and runs the development settings (production's
    ALLOWED_HOSTS would answer 400 here)."""
    root = monorepo(tmp_path / "repo")
    project = f"ddtest-{uuid.uuid4().hex[:8]}"
    port = free_port()
    try:
        up = dockdjango(
            ["-p", project, "up", "-d", "--wait", "--timeout", "900"],
            root,
            env={"WEB_PORT": str(port)},
        )
        assert up.returncode == 0, up.stderr[-3000:]
        assert "Django runs from backend/" in up.stderr
        assert "development settings chosen over base and production" in up.stderr
        path, status = first_answer(Recipe("monorepo", paths=("/admin/login/",)), port)
        assert status == 200, (path, status)
    finally:
        remove_project(root, project)  # down -v, and the image built for it
