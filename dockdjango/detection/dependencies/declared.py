"""Where a project declares its dependencies, and what they are for one target environment.

Sources are tried in this order, the first found winning (each choice is said):

1. a requirements file named explicitly (``--requirements``, ``[tool.dockdjango]``);
2. ``requirements.txt`` at the root, unless ``uv.lock`` locks the project (then it is
   read as the lock's export, which drops markers: the lock wins);
3. a lock: ``uv.lock`` (with the project's own entry in it, so a stub is not taken),
   ``poetry.lock``, ``Pipfile.lock``;
4. a ``Pipfile`` without lock;
5. other ``requirements*.txt`` at the root with production-like names;
6. ``pyproject.toml``'s ``[project.dependencies]`` or ``[tool.poetry.dependencies]``;
7. ``setup.py`` / ``setup.cfg``;
8. the other ``requirements*.txt`` at the root (``requirements-dev.txt`` alone);
9. a ``requirements/`` folder (``production.txt``, ``prod.txt``, ``base.txt``...).

The dev target also installs the first conventional dev requirements file found
(``requirements-dev.txt``, ``requirements/devel.txt``...: :data:`DEV_FILES`, with its
``-r``/``-c`` chain) unless the source has dev groups of its own: requirements files, and
setup.py, setup.cfg or pyproject.toml projects whose dev tools are listed only there.

A requirements file is installed by pip itself (it evaluates markers and follows ``-r``);
everything else becomes a list of pinned lines dockdjango writes out.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockdjango.detection.dependencies.groups import Resolved
from dockdjango.detection.dependencies.manifests import (
    resolve_pep621,
    setup_cfg_requirements,
    setup_py_requirements,
)
from dockdjango.detection.dependencies.markers import Target
from dockdjango.detection.dependencies.pipenv import (
    read_pipfile_lock,
    resolve_pipfile,
    resolve_pipfile_lock,
)
from dockdjango.detection.dependencies.poetrylock import (
    poetry_groups,
    poetry_specifier,
    resolve_poetry_lock,
)
from dockdjango.detection.dependencies.requirements import read_requirements, requirement_name
from dockdjango.detection.dependencies.uvlock import resolve_uv_lock
from dockdjango.errors import DockdjangoError

_MAIN_IN_DIR = ("production.txt", "prod.txt", "base.txt", "common.txt", "main.txt")
#: Where projects conventionally list what a developer installs on top, in this order.
DEV_FILES = (
    "requirements-dev.txt",
    "requirements_dev.txt",
    "dev-requirements.txt",
    "requirements-development.txt",
    "requirements-devel.txt",
    "requirements/development.txt",
    "requirements/dev.txt",
    "requirements/devel.txt",
    "requirements/local.txt",
)
#: Sources whose dev target may come from a dev requirements file (the others are locks
#: and manifests with dev groups of their own).
_DEV_FILE_KINDS = ("requirements", "setup.py", "pyproject")
_LOCAL_PATH = re.compile(r"^(?:(?:-e|--editable)\s*=?\s*)?(?:\.|/|file:)")


@dataclass
class Dependencies:
    """What a project installs, for one target, and from which files."""

    kind: str  # requirements, uv, poetry, pipenv, pyproject, setup.py, none
    #: the files the install reads, relative POSIX paths (COPY them before installing)
    files: tuple[str, ...] = ()
    #: for ``requirements``: the file pip reads (else the lines are written out)
    requirements_file: str | None = None
    dev_requirements_file: str | None = None
    dev_files: tuple[str, ...] = ()
    resolved: Resolved = field(default_factory=Resolved)
    #: where the choice came from, for the user
    source: str = ""
    #: the lock's own entry is ``editable = "."``: the tool installs the project itself
    editable_root: bool = False


def toml_file(path: Path) -> dict[str, Any]:
    """A TOML file; an error naming file and line when it is invalid."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DockdjangoError(
            f"{path.name}: not valid TOML: {exc}", hint="fix the file (see the line above)"
        ) from None


def find_dependencies(
    root: Path,
    target: Target,
    *,
    pyproject: dict[str, Any],
    chosen: str | None = None,
    chosen_dev: str | None = None,
    groups: tuple[str, ...] = (),
) -> Dependencies:
    """The first dependency source in the module's order, resolved for ``target``."""
    if chosen:
        deps = _requirements(root, root / chosen, target, f"{chosen} (as chosen)")
    else:
        deps = _first_source(root, target, pyproject, groups)
    add_dev_file(root, deps, target, chosen_dev)
    return deps


def _first_source(
    root: Path, target: Target, pyproject: dict[str, Any], groups: tuple[str, ...]
) -> Dependencies:
    notes: list[str] = []
    if (root / "requirements.txt").is_file():
        if not _uv_project(root, pyproject):
            return _requirements(root, root / "requirements.txt", target, "requirements.txt")
        # an export of the lock at best (markers dropped, one name pinned twice): the lock
        # is what uv itself installs from
        notes.append("requirements.txt not used: uv.lock is this project's lock")
    lock = _from_lock(root, target, pyproject, groups, notes)
    if lock is not None:
        lock.resolved.notes[:0] = notes
        return lock
    if (root / "Pipfile").is_file():
        pipfile = toml_file(root / "Pipfile")
        return Dependencies(
            "pipenv",
            ("Pipfile",),
            resolved=resolve_pipfile(pipfile, target),
            source="Pipfile (no lock)",
        )
    others = sorted(p.name for p in root.glob("requirements*.txt") if p.is_file())
    prod = [n for n in others if not re.search(r"dev|test|lint|doc|local", n)]
    if prod:
        return _requirements(root, root / prod[0], target, prod[0])
    found = _from_pyproject(root, target, pyproject, groups) or _from_setup(root, target)
    if found is not None:
        return found  # its requirements-dev.txt, if any, is for the dev target
    if others:
        return _requirements(root, root / others[0], target, others[0])
    for name in _MAIN_IN_DIR:
        path = root / "requirements" / name
        if path.is_file():
            return _requirements(root, path, target, f"requirements/{name}")
    return Dependencies("none", source="no dependency file")


def _requirements(root: Path, path: Path, target: Target, source: str) -> Dependencies:
    if not path.is_file():
        raise DockdjangoError(f"{path}: requirements file not found")
    read = read_requirements(path, root=root)
    files = tuple(_relative(root, f, path) for f in read.files)
    resolved = Resolved(runtime=[r.text for r in read.applicable(target)])
    resolved.dropped = [r.name or r.text for r in read.lines if r.text not in resolved.runtime]
    main = files[0]
    return Dependencies(
        "requirements", tuple(sorted(set(files))), main, resolved=resolved, source=source
    )


def add_dev_file(root: Path, deps: Dependencies, target: Target, chosen: str | None) -> None:
    """Give ``deps`` the dev requirements file ``chosen`` names, else the first of
    :data:`DEV_FILES` found, when its source has no dev groups of its own (said in its
    notes). A file installing a local path (``-e .``) is passed over, said: the install
    step sees only the dependency files, and the project is installed on its own."""
    if deps.kind not in _DEV_FILE_KINDS or deps.resolved.dev_groups:
        return
    candidates = [chosen] if chosen else list(DEV_FILES)
    for name in candidates:
        path = root / name
        if not path.is_file() or name == deps.requirements_file:
            continue
        read = read_requirements(path, root=root)
        local = next((r for r in read.lines if _LOCAL_PATH.match(r.text)), None)
        if local is not None:
            deps.resolved.notes.append(
                f"{name} not installed in the dev target: {local.where} installs the local "
                f"path `{local.text}`, which the dependency install cannot see"
            )
            continue
        files = tuple(_relative(root, f, path) for f in read.files)
        deps.dev_requirements_file = files[0]
        deps.dev_files = tuple(sorted(set(files)))  # all of them: the dev stage mounts them
        runtime = set(deps.resolved.runtime)
        deps.resolved.dev = [r.text for r in read.applicable(target) if r.text not in runtime]
        deps.resolved.dev_groups = [name]
        return


def _relative(root: Path, file: Path, including: Path) -> str:
    try:
        return file.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise DockdjangoError(
            f"{including}: includes {file}, which is outside the project directory",
            hint="a build can only copy files inside the project; move the file in",
        ) from None


def _from_lock(
    root: Path,
    target: Target,
    pyproject: dict[str, Any],
    groups: tuple[str, ...],
    notes: list[str],
) -> Dependencies | None:
    manifests = tuple(f for f in ("pyproject.toml", "Pipfile") if (root / f).is_file())
    if (root / "uv.lock").is_file():
        lock = toml_file(root / "uv.lock")
        roots = [p for p in lock.get("package", []) if _uv_root(p)]
        if roots and "project" in pyproject:
            resolved = resolve_uv_lock(lock, pyproject, target, groups=groups)
            editable = any((p.get("source") or {}).get("editable") == "." for p in roots)
            return Dependencies(
                "uv",
                (*manifests, "uv.lock"),
                resolved=resolved,
                source="uv.lock",
                editable_root=editable,
            )
        notes.append("uv.lock holds no entry for the project itself: not used")
    if (root / "poetry.lock").is_file() and pyproject:
        lock = toml_file(root / "poetry.lock")
        resolved = resolve_poetry_lock(lock, pyproject, target, groups=groups)
        return Dependencies(
            "poetry", (*manifests, "poetry.lock"), resolved=resolved, source="poetry.lock"
        )
    if (root / "Pipfile.lock").is_file():
        data = read_pipfile_lock(root / "Pipfile.lock")
        return Dependencies(
            "pipenv",
            (*manifests, "Pipfile.lock"),
            resolved=resolve_pipfile_lock(data, target),
            source="Pipfile.lock",
        )
    return None


def _uv_project(root: Path, pyproject: dict[str, Any]) -> bool:
    """True when ``uv.lock`` locks this project (its own entry is in it)."""
    if "project" not in pyproject or not (root / "uv.lock").is_file():
        return False
    return any(_uv_root(p) for p in toml_file(root / "uv.lock").get("package", []))


def _uv_root(pkg: Any) -> bool:
    source = pkg.get("source") if isinstance(pkg, dict) else None
    return isinstance(source, dict) and "." in (source.get("virtual"), source.get("editable"))


def _from_pyproject(
    root: Path, target: Target, pyproject: dict[str, Any], groups: tuple[str, ...]
) -> Dependencies | None:
    project = pyproject.get("project")
    if isinstance(project, dict) and "dependencies" in project:
        resolved = resolve_pep621(pyproject, target, groups=groups)
        resolved.notes.append("pyproject.toml has no lock: versions are not pinned")
        return Dependencies(
            "pyproject", ("pyproject.toml",), resolved=resolved, source="pyproject.toml [project]"
        )
    poetry = ((pyproject.get("tool") or {}).get("poetry") or {}) if pyproject else {}
    if poetry.get("dependencies"):
        declared = poetry_groups(pyproject)
        lines = [_poetry_line(entry) for entry in declared.get("main", [])]
        resolved = Resolved(runtime=[line for line in lines if line])
        resolved.notes.append("pyproject.toml has no poetry.lock: versions are not pinned")
        return Dependencies(
            "pyproject",
            ("pyproject.toml",),
            resolved=resolved,
            source="pyproject.toml [tool.poetry]",
        )
    return None


def _poetry_line(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    name, spec = entry
    if isinstance(spec, dict):
        if spec.get("optional"):
            return None
        spec = spec.get("version", "*")
    if isinstance(spec, list):
        spec = "*"
    constraint = poetry_specifier(str(spec))
    return f"{name}{constraint}" if constraint else str(name)


def _from_setup(root: Path, target: Target) -> Dependencies | None:
    if (root / "setup.py").is_file():
        found = setup_py_requirements(root)
        if found is not None:
            lines, files = found
            return Dependencies(
                "setup.py",
                tuple(files),
                resolved=Resolved(runtime=lines),
                source=f"setup.py ({', '.join(files[1:]) or 'install_requires'})",
            )
    lines_cfg = setup_cfg_requirements(root)
    if lines_cfg is not None:
        return Dependencies(
            "setup.py",
            ("setup.cfg",),
            resolved=Resolved(runtime=lines_cfg),
            source="setup.cfg [options] install_requires",
        )
    return None


def django_version(lines: list[str]) -> str | None:
    """The Django release the requirement lines pin, or the newest series they allow."""
    from packaging.requirements import InvalidRequirement, Requirement

    from dockdjango.detection.pythons import DJANGO_PYTHONS

    for line in lines:
        if requirement_name(line) != "django":
            continue
        try:
            req = Requirement(line.split(" #", 1)[0].strip())
        except InvalidRequirement:
            return None
        pinned = [s.version for s in req.specifier if s.operator in ("==", "===")]
        if pinned and "*" not in pinned[0]:
            return pinned[0]
        if not str(req.specifier):
            return None
        allowed = [
            s
            for s in DJANGO_PYTHONS
            if req.specifier.contains(f"{s}.0", prereleases=True)
            or req.specifier.contains(f"{s}.99", prereleases=True)
        ]
        return allowed[-1] if allowed else None
    return None
