"""When the repository's own package must be installed for its Django site to run.

Two kinds of project need it, and detection says which (the Dockerfile installs it):

- **the site is a sandbox of a reusable package** (``sandbox/``, ``example/``, ``project/``
  beside ``src/oscar`` or ``silk/``): the site imports a package that is not importable
  from the directory Django runs from, and the repository builds it (a ``[build-system]``
  or a setup.py). Its extras that bring what the site's settings import
  (``django-environ`` for ``import environ``) are installed with it;
- **the code reads its own distribution's metadata** (``importlib.metadata.version("evap")``
  in the settings): a checkout on ``sys.path`` has no metadata until it is installed.

A version taken from git metadata (setuptools-scm, hatch-vcs...) is flagged: a build
context without ``.git`` must be given a version to install it.
"""

from __future__ import annotations

import ast
import configparser
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockdjango.detection.django_settings.pysource import parsed

#: Folders that hold no package the site imports by name.
_NOT_PACKAGES = {
    "tests",
    "test",
    "docs",
    "doc",
    "scripts",
    "tools",
    "build",
    "dist",
    "node_modules",
}
_SCM_BACKENDS = ("setuptools_scm", "setuptools-scm", "hatch-vcs", "versioningit", "dunamai")
_METADATA_CALLS = {"version", "distribution", "metadata", "get_distribution", "require"}


@dataclass(frozen=True)
class ProjectInstall:
    """The repository's own package, installed into the image (its dependencies come with
    the project's requirements; the package itself is installed without them)."""

    #: the directory holding its pyproject.toml/setup.py, relative to the root (``.``)
    path: str
    #: its distribution name (``django-oscar``), "" when it declares none
    name: str
    #: ``pyproject.toml`` or ``setup.py``
    manifest: str
    #: the extras installed with it (``test``), chosen for what the site imports
    extras: tuple[str, ...] = ()
    #: the import names the site uses (``oscar``)
    packages: tuple[str, ...] = ()
    #: its version comes from git metadata: without ``.git`` it must be given one
    scm_version: bool = False
    #: one line: why it is installed
    reason: str = ""


def find_project_install(
    root: Path, app_dir: Path, pyproject: Mapping[str, Any], site_files: Iterable[Path]
) -> ProjectInstall | None:
    """The install the site needs, or None (see the module docstring)."""
    manifest = _manifest(root, pyproject)
    if manifest is None:
        return None
    name = _distribution_name(root, pyproject)
    trees = [t for t in map(parsed, site_files) if t is not None]
    used = set().union(*map(_used_modules, trees)) if trees else set()
    scm = _scm_version(root, pyproject)
    outside = [p for p in _top_packages(root, app_dir) if p in used]
    if app_dir != root and outside:
        extras = choose_extras(pyproject, used)
        where = app_dir.relative_to(root).as_posix()
        reason = (
            f"the site in {where}/ imports {', '.join(outside)}, the package this repository "
            f"builds ({manifest}): it is installed into the image"
            + (f" with the extras {', '.join(extras)}" if extras else "")
        )
        return ProjectInstall(".", name, manifest, extras, tuple(outside), scm, reason)
    if name and any(_reads_own_metadata(t, name) for t in trees):
        reason = (
            f"the settings read the metadata of {name} (importlib.metadata), which exists "
            f"once the package is installed: it is installed into the image"
        )
        return ProjectInstall(".", name, manifest, (), (), scm, reason)
    return None


def choose_extras(pyproject: Mapping[str, Any], used: set[str]) -> tuple[str, ...]:
    """The fewest extras that bring the modules ``used`` that the main dependencies do not
    (largest cover first; ties in the order they are declared)."""
    project = pyproject.get("project") or {}
    extras = project.get("optional-dependencies") or {}
    main = set().union(*(_import_names(r) for r in project.get("dependencies") or []))
    wanted = used - main
    chosen: list[str] = []
    while True:
        best, gain = None, set[str]()
        for extra, lines in extras.items():
            covers = set().union(*(_import_names(r) for r in lines or [])) & wanted
            if extra not in chosen and len(covers) > len(gain):
                best, gain = extra, covers
        if best is None:
            return tuple(chosen)
        chosen.append(best)
        wanted -= gain


def _manifest(root: Path, pyproject: Mapping[str, Any]) -> str | None:
    """``pyproject.toml``/``setup.py`` when the repository builds a package, else None."""
    tool = pyproject.get("tool") or {}
    if (tool.get("uv") or {}).get("package") is False:
        return None
    if (tool.get("poetry") or {}).get("package-mode") is False:
        return None
    project = pyproject.get("project") or {}
    if pyproject.get("build-system") and "dependencies" in project:
        return "pyproject.toml"  # a setup.py beside it is usually a no-op shim
    if (root / "setup.py").is_file():
        return "setup.py"
    if pyproject.get("build-system") and (project or tool.get("poetry")):
        return "pyproject.toml"
    return None


def _distribution_name(root: Path, pyproject: Mapping[str, Any]) -> str:
    name = (pyproject.get("project") or {}).get("name") or (
        (pyproject.get("tool") or {}).get("poetry") or {}
    ).get("name")
    if isinstance(name, str) and name:
        return name
    if (root / "setup.py").is_file():
        text = (root / "setup.py").read_text(encoding="utf-8", errors="replace")
        m = re.search(r"\bname\s*=\s*[\"']([\w.-]+)[\"']", text)
        if m:
            return m.group(1)
    if (root / "setup.cfg").is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
        except configparser.Error:
            return ""
        return parser.get("metadata", "name", fallback="")
    return ""


def _scm_version(root: Path, pyproject: Mapping[str, Any]) -> bool:
    requires = " ".join(map(str, (pyproject.get("build-system") or {}).get("requires") or []))
    tool = pyproject.get("tool") or {}
    if any(b in requires for b in _SCM_BACKENDS) or "setuptools_scm" in tool:
        return True
    setup = root / "setup.py"
    return setup.is_file() and "use_scm_version" in setup.read_text(errors="replace")


def _top_packages(root: Path, app_dir: Path) -> list[str]:
    """Import packages at the root or in ``src/`` that the site's folder does not hold."""
    out = []
    for base in (root, root / "src"):
        for init in sorted(base.glob("*/__init__.py")):
            folder = init.parent
            if folder.name in _NOT_PACKAGES or folder == app_dir or app_dir in folder.parents:
                continue
            if folder in app_dir.parents:
                continue
            out.append(folder.name)
    return out


def _used_modules(tree: ast.Module) -> set[str]:
    """Top-level modules a settings file imports, names in a dotted path
    (``"whitenoise.middleware.WhiteNoiseMiddleware"``) or lists in its ``*_APPS``."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = re.fullmatch(r"([a-z_][a-z0-9_]*)(\.[A-Za-z_]\w*)+", node.value)
            if m:
                out.add(m.group(1))
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id.endswith("APPS") for t in targets):
                out |= {
                    c.value
                    for c in ast.walk(node.value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
    return out


def _import_names(requirement: str) -> set[str]:
    """The import names a requirement probably provides (``django-environ`` -> ``environ``)."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not m:
        return set()
    name = re.sub(r"[-.]+", "_", m.group(1).lower())
    out = {name}
    for prefix in ("django_", "python_", "py"):
        if name.startswith(prefix) and len(name) > len(prefix):
            out.add(name[len(prefix) :])
    if name.endswith("_django"):
        out.add(name[: -len("_django")])
    return out


def _reads_own_metadata(tree: ast.Module, name: str) -> bool:
    wanted = re.sub(r"[-_.]+", "-", name.lower())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if (
                called in _METADATA_CALLS
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and re.sub(r"[-_.]+", "-", arg.value.lower()) == wanted
            ):
                return True
    return False
