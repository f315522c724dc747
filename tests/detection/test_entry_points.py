"""A Django project run through a console script, not manage.py: said why, with the fix."""

from __future__ import annotations

import pytest

from dockdjango.api.stack.zeroconfig import detect_for_stack, is_django_project
from dockdjango.detection.detect import detect
from dockdjango.detection.entry_points import console_script_site
from dockdjango.errors import DockdjangoError

from .conftest import Tree

MAIN = """import os, sys

def main(settings_module='shop.settings'):
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', settings_module)
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)

def dev():
    main('shop.settings.dev')

def prod():
    main('shop.settings.prod')
"""
SETUP = """from setuptools import setup, find_packages
setup(
    name='shop',
    packages=find_packages('src'),
    package_dir={'': 'src'},
    entry_points={'console_scripts': [
        'shop = shop.__main__:prod',
        'dev_shop = shop.__main__:dev',
    ]},
)
"""


def test_console_scripts_that_run_django(tree: Tree) -> None:
    root = tree(
        {
            "setup.py": SETUP,
            "requirements.txt": "django\n",
            "src/shop/__init__.py": "",
            "src/shop/__main__.py": MAIN,
        }
    )
    site = console_script_site(root)
    assert site is not None
    assert (site.script, site.target, site.settings) == (
        "dev_shop",
        "shop.__main__:dev",
        "shop.settings.dev",
    )
    assert site.manage_py == "src/manage.py"
    p = detect(root, environ={})
    assert p.manage_py is None and not p.django and p.settings_module == "shop.settings.dev"
    assert any(a.startswith("no manage.py: this project runs Django") for a in p.assumptions)
    assert is_django_project(root)
    with pytest.raises(DockdjangoError) as info:
        detect_for_stack(root, environ={}, offline=True)
    assert "console script dev_shop (setup.py: shop.__main__:dev" in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.hint is not None
    assert "create src/manage.py containing `from shop.__main__ import dev; dev()`" in (
        info.value.hint
    )


def test_pyproject_scripts_and_plain_scripts(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": '[project]\nname = "x"\n[project.scripts]\n'
            'x-admin = "x.cli:run"\ntool = "x.tool:main"\n',
            "x/__init__.py": "",
            "x/cli.py": "def run():\n    from django.core.management import "
            "execute_from_command_line\n    execute_from_command_line()\n",
            "x/tool.py": "def main():\n    print('hi')\n",
        }
    )
    site = console_script_site(root)
    assert site is not None and site.target == "x.cli:run" and site.manage_py == "manage.py"
    (root / "x/cli.py").write_text("def run():\n    print('no django')\n")
    assert console_script_site(root) is None
