"""The dev target's conventional requirements files, whatever declares the runtime ones.

A setup.py, setup.cfg or pyproject.toml project lists its runtime dependencies there and,
very often, what a developer installs in ``requirements/devel.txt`` or
``requirements-dev.txt`` (with ``-r`` to the runtime files): its dev settings may import
them. The dev target installs that file as pip would, chain and all; a source with dev
groups of its own keeps them.
"""

from __future__ import annotations

from pathlib import Path

from dockdjango.detection.detect import detect
from dockdjango.images.dockerfile import (
    DERIVED_DEV_REQUIREMENTS,
    DERIVED_REQUIREMENTS,
    derived_files,
    generate_dockerfile,
)

from .conftest import Tree

MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n'
SITE = {"manage.py": MANAGE, "site_cfg/__init__.py": "", "site_cfg/settings.py": ""}
SETUP_PY = """from setuptools import setup
def read(path):
    with open(path) as f:
        return [line for line in f.read().splitlines() if line and not line.startswith("-")]
setup(name="site", install_requires=read("requirements/base.txt"))
"""
#: as kiwitcms: devel.txt -> docs.txt -> base.txt, each with -r
DEVEL_CHAIN = {
    "requirements/base.txt": "Django==5.2.1\n",
    "requirements/docs.txt": "-r base.txt\nSphinx\nfactory_boy\n",
    "requirements/devel.txt": "-r docs.txt\nblack\n",
}


def _dev_lines(root: Path) -> set[str]:
    return set(detect(root, environ={}).dev_requirements)


def test_setup_py_project_gets_its_dev_file_with_its_chain(tree: Tree) -> None:
    root = tree({**SITE, "setup.py": SETUP_PY, **DEVEL_CHAIN})
    p = detect(root, environ={})
    assert p.kind == "setup.py" and "django" in p.dependency_names
    assert p.dev_requirements_file == "requirements/devel.txt"
    assert set(p.dev_dependency_files) == set(DEVEL_CHAIN)
    assert set(p.dev_requirements) == {"Sphinx", "factory_boy", "black"}  # runtime left out
    assert any("requirements/devel.txt installed in the dev target" in a for a in p.assumptions)


def test_setup_py_dev_stage_installs_the_file_as_it_is(tree: Tree) -> None:
    """The dev stage reads the project's own file (chain mounted), never a derived copy."""
    root = tree({**SITE, "setup.py": SETUP_PY, **DEVEL_CHAIN})
    p = detect(root, environ={})
    text = generate_dockerfile(p)
    assert "pip install --python /opt/venv/bin/python -r requirements/devel.txt" in text
    for name in DEVEL_CHAIN:
        assert f"--mount=type=bind,source={name},target=/tmp/dependencies/{name}" in text
    assert set(derived_files(p)) == {DERIVED_REQUIREMENTS}
    assert DERIVED_DEV_REQUIREMENTS not in text


def test_setup_cfg_project_gets_requirements_dev(tree: Tree) -> None:
    root = tree(
        {
            **SITE,
            "setup.cfg": "[options]\ninstall_requires =\n    Django>=5.2\n",
            "requirements-dev.txt": "pytest-django\n",
        }
    )
    p = detect(root, environ={})
    assert p.kind == "setup.py" and p.dev_requirements_file == "requirements-dev.txt"
    assert p.dev_requirements == ("pytest-django",)


def test_pyproject_without_dev_groups_gets_the_dev_file(tree: Tree) -> None:
    pyproject = '[project]\nname = "site"\nversion = "1"\ndependencies = ["Django>=5.2"]\n'
    root = tree({**SITE, "pyproject.toml": pyproject, "requirements/dev.txt": "ipdb\n"})
    p = detect(root, environ={})
    assert p.kind == "pyproject" and p.dev_requirements_file == "requirements/dev.txt"
    assert p.dev_requirements == ("ipdb",)


def test_dev_groups_of_its_own_win_over_a_dev_file(tree: Tree) -> None:
    pyproject = (
        '[project]\nname = "site"\nversion = "1"\ndependencies = ["Django>=5.2"]\n'
        '[dependency-groups]\ndev = ["pytest"]\n'
    )
    root = tree({**SITE, "pyproject.toml": pyproject, "requirements-dev.txt": "ipdb\n"})
    p = detect(root, environ={})
    assert p.dev_requirements_file is None and p.dev_requirements == ("pytest",)


def test_a_dev_file_installing_the_project_itself_is_passed_over(tree: Tree) -> None:
    """``-e .`` would point into the install step's folder of dependency files: that file
    is left out, said, and the next conventional one is used."""
    root = tree(
        {
            **SITE,
            "setup.py": SETUP_PY,
            "requirements/base.txt": "Django==5.2.1\n",
            "requirements-dev.txt": "-e .[dev]\npytest\n",
            "requirements/local.txt": "ipdb\n",
        }
    )
    p = detect(root, environ={})
    assert p.dev_requirements_file == "requirements/local.txt"
    assert p.dev_requirements == ("ipdb",)
    assert any("requirements-dev.txt:1 installs the local path" in n for n in p.notes)


def test_requirements_projects_still_read_devel_names(tree: Tree) -> None:
    root = tree({**SITE, "requirements.txt": "Django\n", "requirements-devel.txt": "ipdb\n"})
    assert _dev_lines(root) == {"ipdb"}
