"""Which settings module Django runs with, and where the project says so.

:func:`find_settings` takes, in this order: the environment, the project's ``.env``, the
Django service of the project's compose file (whose environment the generated stack
borrows), what ``manage.py`` sets (or the ``__main__`` of the package it runs with runpy),
then -- when manage.py names nothing, or a settings package whose ``__init__`` is empty --
the project's own config files, a settings package's development module, and last
``wsgi.py``. Each answer says where it was found.

The config files are read in this order, from the directory Django runs from and then the
repository root, each answer kept only when the module exists there (a module a file names
but the tree lacks, such as one copied from an example first, is not an answer):

1. a Dev Container (``.devcontainer.json``, ``.devcontainer/devcontainer.json``):
   ``containerEnv`` and ``remoteEnv`` -- the project's own development environment;
2. an example environment file (``.env.example``, ``.env.sample``, ``.env.dist``,
   ``.env.template``, ``env.example``...): ``DJANGO_SETTINGS_MODULE=...`` or ``export ...``;
3. the test runner's configuration: ``pytest.ini``, ``[tool.pytest.ini_options]`` of
   pyproject.toml, ``tox.ini`` (``[pytest]``, ``setenv``), ``setup.cfg`` (``[tool:pytest]``)
   -- unless the module it names is a test module (``tests.settings``, ``test_settings``);
4. a Heroku-style deployment: ``Procfile`` (``DJANGO_SETTINGS_MODULE=... cmd``,
   ``--settings=...``) and ``app.json`` (``env``).

When none names a module, :func:`choose_in_package` picks one in a settings package
(``proj/settings/{base,dev,production}.py``), development first, and says so.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from dockdjango.detection.layout import Found, manage_source, module_file, settings_from_source

#: example environment files, in the order they are read
ENV_EXAMPLES = (
    ".env.example",
    ".env.sample",
    ".env.dist",
    ".env.template",
    ".env.dev.example",
    ".env.local.example",
    "env.example",
    "example.env",
    "sample.env",
    ".environment-example",
)
#: a settings package's modules, the one a development environment wants first
DEV_NAMES = ("dev", "development", "devel", "develop", "local", "localdev", "docker")
#: modules chosen only when nothing else is there (shared bases, production, tests)
LAST_NAMES = ("base", "common", "core", "default", "defaults", "shared", "global", "settings")
AVOID_NAMES = ("prod", "production", "live", "staging", "stage", "deploy", "heroku", "aws", "gcp")
_NAME = re.compile(r"DJANGO_SETTINGS_MODULE\s*[=:]\s*[\"']?([A-Za-z_][\w.]*)")
_FLAG = re.compile(r"--settings[= ]([A-Za-z_][\w.]*)")


def find_settings(
    root: Path,
    app_dir: Path,
    manage_py: str | None,
    *,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    compose_env: Mapping[str, str],
    compose_file: str | None,
) -> Found | None:
    """The settings module, with where it was found (see the module's order)."""
    if environ.get("DJANGO_SETTINGS_MODULE"):
        return Found(environ["DJANGO_SETTINGS_MODULE"], "the environment")
    if dotenv.get("DJANGO_SETTINGS_MODULE"):
        return Found(dotenv["DJANGO_SETTINGS_MODULE"], ".env")
    if compose_env.get("DJANGO_SETTINGS_MODULE"):
        # the Django service's environment is borrowed: inside, it wins over manage.py
        return Found(compose_env["DJANGO_SETTINGS_MODULE"], compose_file or "the compose file")
    named = None
    if manage_py:
        text, where = manage_source(root, manage_py)
        module = settings_from_source(text)
        named = Found(module, where) if module else None
    if named and is_settings_module(app_dir, named.value):
        return named
    if named and module_file(app_dir, named.value) is not None:
        # a settings package with nothing in its __init__: one of its modules is meant
        inner = choose_in_package(app_dir, named.value)
        if inner:
            return Found(inner.value, f"{named.source} names the package; {inner.source}")
    found = named_in_config(root, app_dir) or choose_in_package(app_dir)
    return found or named or _from_wsgi(root, app_dir)


def _from_wsgi(root: Path, app_dir: Path) -> Found | None:
    for wsgi in sorted(app_dir.glob("*/wsgi.py")) + sorted(app_dir.glob("wsgi.py")):
        module = settings_from_source(wsgi.read_text(encoding="utf-8", errors="replace"))
        if module:
            return Found(module, wsgi.relative_to(root).as_posix())
    return None


def named_in_config(root: Path, app_dir: Path) -> Found | None:
    """The settings module the project's config files name (see the module's order)."""
    for read in _READERS:
        for directory in dict.fromkeys((app_dir, root)):
            for module, source in read(directory):
                if is_settings_module(app_dir, module):
                    where = (directory / source).relative_to(root).as_posix()
                    return Found(module, where)
    return None


def is_test_module(module: str) -> bool:
    """True for ``tests.config``, ``proj.settings.test``, ``test_settings``..."""
    return any(re.match(r"^(tests?|testing|ci)(_|$)|_tests?$", p) for p in module.split("."))


def is_settings_module(app_dir: Path, module: str) -> bool:
    """True when ``module`` exists under ``app_dir`` and sets something: a settings package
    whose ``__init__`` is empty (its modules are chosen one by one) is not one."""
    path = module_file(app_dir, module)
    if path is None:
        return False
    if path.name != "__init__.py":
        return True
    text = path.read_text(encoding="utf-8", errors="replace")
    return bool(re.search(r"^\s*(from\s+\S+\s+import|[A-Z][A-Z0-9_]*\s*=|include\()", text, re.M))


def choose_in_package(app_dir: Path, package: str | None = None) -> Found | None:
    """A module of a settings package, development first, production last (said).

    ``package`` is the package a source named (``proj.settings``, its ``__init__`` empty);
    without it, the ``settings`` packages one or two levels under ``app_dir``."""
    packages = [package] if package else _settings_packages(app_dir)
    for name in packages:
        base = module_file(app_dir, name)
        if base is None or base.name != "__init__.py":
            continue
        modules = sorted(p.stem for p in base.parent.glob("*.py") if p.stem != "__init__")
        chosen = _by_preference(modules)
        if chosen:
            others = ", ".join(m for m in modules if m != chosen)
            why = (
                f"{base.parent.relative_to(app_dir).as_posix()}/ holds {chosen}.py"
                + (f" and {others}" if others else "")
                + ": development settings chosen over base and production"
            )
            return Found(f"{name}.{chosen}", why)
    return None


def _by_preference(modules: list[str]) -> str | None:
    usable = [m for m in modules if not is_test_module(m) and not m.startswith("_")]
    for name in DEV_NAMES:
        if name in usable:
            return name
    middle = [m for m in usable if m not in LAST_NAMES and m not in AVOID_NAMES]
    dev_like = [m for m in middle if re.search(r"dev|local", m)]
    if dev_like or middle:
        return (dev_like or middle)[0]
    for group in (LAST_NAMES, AVOID_NAMES):
        found = [m for m in usable if m in group]
        if found:
            return found[0]
    return None


def _settings_packages(app_dir: Path) -> list[str]:
    found = sorted(app_dir.glob("*/settings/__init__.py")) + sorted(
        app_dir.glob("*/*/settings/__init__.py")
    )
    found += sorted(app_dir.glob("settings/__init__.py"))
    return [".".join(p.parent.relative_to(app_dir).parts) for p in found]


# -- the readers, each: directory -> (module, file name) ------------------------------------
def _devcontainer(directory: Path) -> Iterator[tuple[str, str]]:
    for name in (".devcontainer.json", ".devcontainer/devcontainer.json"):
        path = directory / name
        if not path.is_file():
            continue
        data = _jsonc(path.read_text(encoding="utf-8", errors="replace"))
        for key in ("containerEnv", "remoteEnv"):
            env = data.get(key) if isinstance(data, dict) else None
            value = env.get("DJANGO_SETTINGS_MODULE") if isinstance(env, dict) else None
            if isinstance(value, str) and value:
                yield value, name


def _env_examples(directory: Path) -> Iterator[tuple[str, str]]:
    for name in ENV_EXAMPLES:
        path = directory / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                m = re.match(r"\s*(?:export\s+)?DJANGO_SETTINGS_MODULE\s*=\s*[\"']?([\w.]+)", line)
                if m:
                    yield m.group(1), name


def _test_runner(directory: Path) -> Iterator[tuple[str, str]]:
    for name, sections in (
        ("pytest.ini", ("pytest",)),
        ("tox.ini", ("pytest", "testenv")),
        ("setup.cfg", ("tool:pytest",)),
    ):
        path = directory / name
        if path.is_file():
            for module in _ini_modules(path, sections):
                if not is_test_module(module):
                    yield module, name
    path = directory / "pyproject.toml"
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
        except tomllib.TOMLDecodeError:
            return
        options = ((data.get("tool") or {}).get("pytest") or {}).get("ini_options") or {}
        value = options.get("DJANGO_SETTINGS_MODULE") if isinstance(options, dict) else None
        if isinstance(value, str) and value and not is_test_module(value):
            yield value, "pyproject.toml"


def _ini_modules(path: Path, sections: tuple[str, ...]) -> Iterator[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error:
        return
    for section in parser.sections():
        if section in sections or section.startswith("testenv:") and "testenv" in sections:
            for key, value in parser.items(section):
                if key.lower() == "django_settings_module":
                    yield value.strip().strip("\"'")
                elif key.lower() in ("setenv", "env"):
                    yield from (m.group(1) for m in _NAME.finditer(value))


def _deployment(directory: Path) -> Iterator[tuple[str, str]]:
    path = directory / "Procfile"
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.split(":", 1)[0].strip() == "web":
                for m in (*_NAME.finditer(line), *_FLAG.finditer(line)):
                    yield m.group(1), "Procfile"
    path = directory / "app.json"
    if path.is_file():
        data = _jsonc(path.read_text(encoding="utf-8", errors="replace"))
        env = data.get("env") if isinstance(data, dict) else None
        value = env.get("DJANGO_SETTINGS_MODULE") if isinstance(env, dict) else None
        value = value.get("value") if isinstance(value, dict) else value
        if isinstance(value, str) and value:
            yield value, "app.json"


def _jsonc(text: str) -> object:
    """JSON with comments and trailing commas, as Dev Containers allow."""
    strings_or_comments = r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/'
    text = re.sub(strings_or_comments, lambda m: m.group(1) or "", text, flags=re.S)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


_READERS: tuple[Callable[[Path], Iterator[tuple[str, str]]], ...] = (
    _devcontainer,
    _env_examples,
    _test_runner,
    _deployment,
)
