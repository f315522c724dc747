"""Where the Django project and its dependencies are: monorepos, sandboxes of a package,
code that needs its own package installed (issue 19, layouts)."""

from __future__ import annotations

import json

from dockdjango.detection.detect import detect

from .conftest import Tree

MANAGE = (
    "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(sys.argv)\n"
)
SITE = {"manage.py": MANAGE, "proj/__init__.py": "", "proj/settings.py": "DEBUG = True\n"}


def under(folder: str, files: dict[str, str]) -> dict[str, str]:
    return {f"{folder}/{name}": text for name, text in files.items()}


UV_BACKEND = {
    "pyproject.toml": '[project]\nname = ""\nrequires-python = ">=3.13"\n'
    'dependencies = ["django"]\n[tool.uv]\npackage = false\n',
    "uv.lock": 'version = 1\n[[package]]\nname = ""\nversion = "0"\n'
    'source = { virtual = "." }\ndependencies = [{ name = "django" }]\n'
    '[[package]]\nname = "django"\nversion = "6.0.1"\n'
    'source = { registry = "https://pypi.org/simple" }\n',
}


def test_a_monorepo_lock_beside_manage_py(tree: Tree) -> None:
    root = tree(
        {
            **under("backend", {**SITE, **UV_BACKEND}),
            "frontend/package.json": "{}",
            ".devcontainer/devcontainer.json": "{}",
        }
    )
    p = detect(root, environ={})
    assert (p.kind, p.dependency_dir, p.app_dir) == ("uv", "backend", "backend")
    assert p.dependency_files == ("backend/pyproject.toml", "backend/uv.lock")
    assert p.requirements == ("django==6.0.1",)
    assert p.python == "3.13"  # backend/pyproject.toml's requires-python
    assert p.python_request.hard_source == "backend/pyproject.toml requires-python"
    assert "dependencies from backend/uv.lock (beside backend/manage.py, not at the root)" in (
        p.assumptions
    )


def test_an_empty_root_pipfile_does_not_hide_the_real_one(tree: Tree) -> None:
    lock = {"default": {"django": {"version": "==5.0.2"}}, "develop": {}}
    root = tree(
        {
            "Pipfile": "[packages]\n\n[requires]\npython_version = '3.11'\n",
            **under("backend", {**SITE, "Pipfile": "", "Pipfile.lock": json.dumps(lock)}),
        }
    )
    p = detect(root, environ={})
    assert (p.kind, p.dependency_source) == ("pipenv", "backend/Pipfile.lock")
    assert p.requirements == ("django==5.0.2",)


def test_requirements_beside_manage_py_and_a_root_dev_file(tree: Tree) -> None:
    root = tree(
        {
            **under("engine", {**SITE, "requirements.txt": "django==5.2\n"}),
            "requirements-dev.txt": "-r engine/requirements.txt\npytest\n",
        }
    )
    p = detect(root, environ={})
    assert (p.requirements_file, p.dev_requirements_file) == (
        "engine/requirements.txt",
        "requirements-dev.txt",
    )
    assert p.requirements == ("django==5.2",) and p.dev_requirements == ("pytest",)
    assert p.dependency_source == "engine/requirements.txt"


def test_a_root_pyproject_serves_a_django_project_in_a_subfolder(tree: Tree) -> None:
    root = tree({**under("site", SITE), **UV_BACKEND})
    p = detect(root, environ={})
    assert (p.kind, p.dependency_dir, p.app_dir) == ("uv", ".", "site")
    assert p.dependency_files == ("pyproject.toml", "uv.lock")


PACKAGE = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools", "setuptools-scm"]\n'
    'build-backend = "setuptools.build_meta"\n'
    '[project]\nname = "django-shop"\ndependencies = ["Django>=5.2"]\n'
    "[project.optional-dependencies]\n"
    'docs = ["sphinx"]\n'
    'test = ["pytest", "django-environ", "whitenoise"]\n',
    "setup.py": "from setuptools import setup\nsetup()\n",
    "src/shop/__init__.py": "",
    "sandbox/manage.py": MANAGE.replace("proj.settings", "settings"),
    "sandbox/settings.py": "import environ\nfrom shop.defaults import *\n"
    "MIDDLEWARE = ['whitenoise.middleware.WhiteNoiseMiddleware']\n"
    "INSTALLED_APPS = ['shop', 'black']\n",
}


def test_a_sandbox_site_of_a_package_gets_the_package_installed(tree: Tree) -> None:
    root = tree(PACKAGE)
    p = detect(root, environ={})
    assert (p.app_dir, p.settings_module, p.kind) == ("sandbox", "settings", "pyproject")
    install = p.project_install
    assert install is not None
    assert (install.name, install.manifest, install.packages) == (
        "django-shop",
        "pyproject.toml",
        ("shop",),
    )
    # the extra that brings environ and whitenoise, not docs; "black" is only a string
    assert install.extras == ("test",) and install.scm_version
    assert {"django", "django-environ", "whitenoise"} <= set(p.dependency_names)
    assert "sphinx" not in p.dependency_names
    assert any("the site in sandbox/ imports shop" in a for a in p.assumptions)


def test_a_setup_py_package_with_a_requirements_file_for_its_example_site(tree: Tree) -> None:
    root = tree(
        {
            "setup.py": "from setuptools import setup\nsetup(name='django-prof', "
            "packages=['prof'], install_requires=['Django>=5.2', 'sqlparse'])\n",
            "requirements.txt": "pillow\npytest-django\n",
            "prof/__init__.py": "",
            "project/manage.py": MANAGE.replace("proj.settings", "project.settings"),
            "project/project/__init__.py": "",
            "project/project/settings.py": "INSTALLED_APPS = ['prof', 'example_app']\n",
        }
    )
    p = detect(root, environ={})
    assert p.kind == "setup.py" and p.dependency_files == ("setup.py", "requirements.txt")
    assert p.requirements == ("Django>=5.2", "sqlparse", "pillow", "pytest-django")
    assert p.project_install is not None and p.project_install.packages == ("prof",)


def test_a_site_importing_only_its_own_folder_installs_nothing(tree: Tree) -> None:
    root = tree({**PACKAGE, "sandbox/settings.py": "INSTALLED_APPS = ['django.contrib.admin']\n"})
    p = detect(root, environ={})
    assert p.project_install is None


def test_settings_reading_their_own_package_metadata(tree: Tree) -> None:
    root = tree(
        {
            **SITE,
            "proj/settings.py": "from importlib.metadata import version\n"
            "RELEASE = version('proj')\n",
            "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n'
            'build-backend = "hatchling.build"\n'
            '[project]\nname = "proj"\ndependencies = ["django"]\n',
        }
    )
    p = detect(root, environ={})
    install = p.project_install
    assert install is not None and install.packages == () and not install.scm_version
    assert "the settings read the metadata of proj" in install.reason
    # a project that is not a package ([tool.uv] package = false) has nothing to install
    (root / "pyproject.toml").write_text(
        '[project]\nname = "proj"\ndependencies = ["django"]\n[tool.uv]\npackage = false\n'
    )
    assert detect(root, environ={}).project_install is None
