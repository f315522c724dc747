"""Which settings module: where projects say it when manage.py does not (issue 19, class 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.detection.detect import detect
from dockdjango.detection.django_settings.settings_sources import find_settings

from .conftest import Tree

NO_DEFAULT = (
    "import sys\nfrom django.core.management import execute_from_command_line\n"
    "execute_from_command_line(sys.argv)\n"
)
PROD = "proj.settings.production"
SPLIT = {
    "proj/__init__.py": "",
    "proj/settings/__init__.py": "",
    "proj/settings/base.py": "DEBUG = False\n",
    "proj/settings/development.py": "from .base import *\nDEBUG = True\n",
    "proj/settings/production.py": "from .base import *\n",
}


def settings_of(root: Path, app: str = ".") -> tuple[str, str] | None:
    manage = "manage.py" if app == "." else f"{app}/manage.py"
    found = find_settings(
        root,
        root / app,
        manage if (root / manage).is_file() else None,
        environ={},
        dotenv={},
        compose_env={},
        compose_file=None,
    )
    return (found.value, found.source) if found else None


def test_a_settings_package_without_a_default_gets_its_development_module(tree: Tree) -> None:
    root = tree({"manage.py": NO_DEFAULT, **SPLIT})
    p = detect(root, environ={})
    assert p.settings_module == "proj.settings.development"
    note = next(a for a in p.assumptions if a.startswith("settings "))
    assert "development settings chosen over base and production" in note
    assert "override: --settings" in note


@pytest.mark.parametrize(
    ("names", "chosen"),
    [
        (("base", "dev", "prod"), "dev"),
        (("base", "local", "production", "test"), "local"),
        (("common", "staging", "production"), "common"),
        (("base", "docker_dev", "production"), "docker_dev"),
        (("base", "production"), "base"),
        (("production",), "production"),
    ],
)
def test_development_first_production_last(tree: Tree, names: tuple[str, ...], chosen: str) -> None:
    files = {f"proj/settings/{n}.py": "DEBUG = True\n" for n in names}
    root = tree({"manage.py": NO_DEFAULT, "proj/settings/__init__.py": "", **files})
    assert settings_of(root)[0] == f"proj.settings.{chosen}"  # type: ignore[index]


def test_manage_py_naming_an_empty_package_means_one_of_its_modules(tree: Tree) -> None:
    manage = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
    root = tree({"manage.py": manage, **SPLIT})
    value, source = settings_of(root)  # type: ignore[misc]
    assert value == "proj.settings.development"
    assert source.startswith("manage.py names the package; proj/settings/ holds development.py")


def test_a_package_whose_init_imports_its_modules_is_the_settings(tree: Tree) -> None:
    manage = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
    init = "try:\n    from .development import *\nexcept ImportError:\n    pass\n"
    root = tree({"manage.py": manage, **SPLIT, "proj/settings/__init__.py": init})
    assert settings_of(root) == ("proj.settings", "manage.py")


@pytest.mark.parametrize(
    ("files", "source"),
    [
        (
            {"pytest.ini": f"[pytest]\nDJANGO_SETTINGS_MODULE = {PROD}\n"},
            "pytest.ini",
        ),
        (
            {"pyproject.toml": f'[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "{PROD}"\n'},
            "pyproject.toml",
        ),
        (
            {"tox.ini": f"[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE={PROD}\n"},
            "tox.ini",
        ),
        (
            {"setup.cfg": f"[tool:pytest]\nDJANGO_SETTINGS_MODULE = {PROD}\n"},
            "setup.cfg",
        ),
        (
            {
                ".devcontainer/devcontainer.json": '{\n  // the dev container\n  "image": "x",\n'
                '  "containerEnv": {"DJANGO_SETTINGS_MODULE": "' + PROD + '",},\n}\n'
            },
            ".devcontainer/devcontainer.json",
        ),
        (
            {".env.example": f'export DJANGO_SETTINGS_MODULE="{PROD}"\n'},
            ".env.example",
        ),
        ({"Procfile": f"web: gunicorn proj.wsgi --settings={PROD}\n"}, "Procfile"),
        (
            {"app.json": '{"env": {"DJANGO_SETTINGS_MODULE": {"value": "' + PROD + '"}}}'},
            "app.json",
        ),
    ],
)
def test_the_module_a_project_file_names_wins_over_the_guess(
    tree: Tree, files: dict[str, str], source: str
) -> None:
    root = tree({"manage.py": NO_DEFAULT, **SPLIT, **files})
    assert settings_of(root) == (PROD, source)


def test_config_files_beside_a_manage_py_in_a_subfolder(tree: Tree) -> None:
    nested = {f"backend/{k}": v for k, v in SPLIT.items()}
    cfg = f"[tool:pytest]\nDJANGO_SETTINGS_MODULE = {PROD}\n"
    root = tree({"backend/manage.py": NO_DEFAULT, **nested, "backend/setup.cfg": cfg})
    assert settings_of(root, "backend") == (PROD, "backend/setup.cfg")


def test_test_settings_and_missing_modules_are_no_answer(tree: Tree) -> None:
    root = tree(
        {
            "manage.py": NO_DEFAULT,
            **SPLIT,
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = proj.settings.test\n",
            "proj/settings/test.py": "from .base import *\n",
            # named by the example env file, but made only by copying an example first
            ".env.example": "DJANGO_SETTINGS_MODULE=proj.settings.local\n",
        }
    )
    assert settings_of(root)[0] == "proj.settings.development"  # type: ignore[index]


def test_manage_py_that_runs_a_package_with_runpy(tree: Tree) -> None:
    main = (
        "import os\nfrom django.core.management import execute_from_command_line\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n"
    )
    root = tree(
        {
            "manage.py": 'import runpy\nrunpy.run_module("app", run_name="__main__")\n',
            "app/__init__.py": "",
            "app/__main__.py": main,
            "app/settings.py": "DEBUG = True\n",
            "app/wsgi.py": "",
        }
    )
    p = detect(root, environ={})
    assert p.manage_py == "manage.py" and p.settings_module == "app.settings"
    assert "settings app.settings (from app/__main__.py; override: --settings)" in p.assumptions
