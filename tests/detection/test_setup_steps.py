"""Copies a project asks for (an example config file): found and said, never made."""

from __future__ import annotations

from dockdjango.detection.detect import detect
from dockdjango.detection.setup_steps import SetupStep, example_for

from .conftest import Tree

MANAGE = (
    "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
    "from django.core.management import execute_from_command_line\n"
)


def steps(root) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    return [(s.command, s.where, s.required) for s in detect(root, environ={}).setup_steps]


def test_a_cp_in_the_docs_after_a_cd_in_the_same_block(tree: Tree) -> None:
    doc = "Run:\n\n```bash\ncd docker\n$ cp .env.example .env\nnano .env\n```\n"
    root = tree(
        {
            "manage.py": MANAGE,
            "proj/settings.py": "",
            "docker/.env.example": "X=1\n",
            "docs/install.md": doc,
        }
    )
    assert steps(root) == [("cp docker/.env.example docker/.env", "docs/install.md:5", True)]
    # the docs alone do not show Django cannot start without it: `up` goes on, and says it
    assert not any(s.blocks for s in detect(root, environ={}).setup_steps)
    (root / "docker/.env").write_text("X=1\n")
    assert steps(root) == []  # made already: nothing to say


def test_prose_that_names_the_example_and_the_name_to_give_it(tree: Tree) -> None:
    text = "Add ``deploy/app.env`` (copy and rename the provided ``app.env.example``).\n"
    root = tree(
        {
            "manage.py": MANAGE,
            "proj/settings.py": "",
            "deploy/app.env.example": "",
            "CONTRIBUTING.rst": text,
        }
    )
    assert steps(root) == [("cp deploy/app.env.example deploy/app.env", "CONTRIBUTING.rst:1", True)]


def test_settings_importing_a_module_that_only_exists_as_an_example(tree: Tree) -> None:
    settings = (
        "import importlib, os\n"
        "path = os.getenv('PROJ_CONFIGURATION', 'proj.configuration')\n"
        "try:\n    configuration = importlib.import_module(path)\n"
        "except ModuleNotFoundError:\n    raise SystemExit('copy the example')\n"
        "try:\n    from .local import *\nexcept ImportError:\n    pass\n"
        "SECRET_KEY = configuration.SECRET_KEY\n"
    )
    root = tree(
        {
            "manage.py": MANAGE,
            "proj/settings.py": settings,
            "proj/configuration.example.py": "SECRET_KEY = 'x'\n",
            "proj/local.py.example": "DEBUG = True\n",
        }
    )
    assert steps(root) == [
        (
            "cp proj/configuration.example.py proj/configuration.py",
            "proj/settings.py imports proj.configuration",
            True,
        ),
        ("cp proj/local.py.example proj/local.py", "proj/settings.py imports proj.local", False),
    ]
    p = detect(root, environ={})
    line = next(a for a in p.assumptions if "configuration.example.py" in a)
    assert line.startswith("a copy the project asks for: cp ") and "does not make it" in line


def test_an_optional_import_whose_example_holds_the_only_secret_key(tree: Tree) -> None:
    root = tree(
        {
            "manage.py": MANAGE,
            "proj/settings.py": "DEBUG = True\ntry:\n    from proj.localsettings import *\n"
            "except ImportError:\n    pass\n",
            "proj/development/localsettings.template.py": "SECRET_KEY = '$SECRET'\n",
        }
    )
    ((command, where, required),) = steps(root)
    assert command == "cp proj/development/localsettings.template.py proj/localsettings.py"
    assert required and "only the example sets SECRET_KEY" in where
    # Django cannot start without a SECRET_KEY: `up` refuses on one line, naming the copy
    (step,) = detect(root, environ={}).setup_steps
    message, hint = step.refusal()
    assert step.blocks and "\n" not in message
    assert message.startswith("proj/localsettings.py must be made first: proj/settings.py imports")
    assert hint.startswith(f"run `{command}`")


def test_an_example_settings_module_and_a_missing_env_file(tree: Tree) -> None:
    compose = "services:\n  web:\n    build: .\n    env_file:\n      - env.d/common\n"
    root = tree(
        {
            "manage.py": MANAGE.replace("proj.settings", "settings.common"),
            "settings/__init__.py": "",
            "settings/common.py": "DEBUG = False\n",
            "settings/config.py.dev.example": "from .common import *\n",
            "settings/config.py.prod.example": "from .common import *\n",
            "compose.yaml": compose,
            "env.d/common.dist": "A=1\n",
        }
    )
    assert [c for c, _, _ in steps(root)] == [
        "cp settings/config.py.dev.example settings/config.py",
        "cp env.d/common.dist env.d/common",
    ]


def test_example_names() -> None:
    step = SetupStep("a/x.example.py", "a/x.py", "README.md:3")
    assert step.command == "cp a/x.example.py a/x.py"


def test_example_for_finds_the_variants(tree: Tree) -> None:
    root = tree({"a/.env.sample": "", "a/c.py.example": "", "b/c.toml.dist": ""})
    assert example_for(root / "a/.env", root) == root / "a/.env.sample"
    assert example_for(root / "a/c.py", root) == root / "a/c.py.example"
    assert example_for(root / "x/c.toml", root) == root / "b/c.toml.dist"
    assert example_for(root / "a/d.py", root) is None
