"""Where a project's dependencies are declared, for the site it runs.

- **at the root**, the usual place (also a pyproject.toml at the root with the Django
  project in a sub-folder);
- **beside manage.py** in a monorepo (``backend/uv.lock``, ``engine/requirements.txt``,
  ``backend/Pipfile`` under an empty root Pipfile): the declaration closest to manage.py
  that lists anything wins, and a root ``requirements-dev.txt`` still serves the dev target;
- **the manifest of the package a sandbox site imports** (``sandbox/`` beside
  ``src/oscar``): its dependencies, the extras the site needs, and a root
  ``requirements.txt`` when there is one (what its README installs besides the package).

The files are read with :mod:`dockdjango.detection.dependencies` and their paths given
relative to the root, as the build context sees them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from dockdjango.detection.dependencies.declared import (
    Dependencies,
    add_dev_file,
    find_dependencies,
    toml_file,
)
from dockdjango.detection.dependencies.groups import Resolved
from dockdjango.detection.dependencies.manifests import resolve_pep621, setup_py_requirements
from dockdjango.detection.dependencies.markers import Target
from dockdjango.detection.dependencies.requirements import read_requirements
from dockdjango.detection.own_package import ProjectInstall
from dockdjango.detection.projectconfig import Overrides


def dependency_dir(root: Path, app_dir: str) -> str:
    """The folder whose declaration is read: the closest to manage.py that lists anything
    (``backend``), else the root (``.``)."""
    parts = Path(app_dir).parts if app_dir not in ("", ".") else ()
    for depth in range(len(parts), 0, -1):
        folder = root.joinpath(*parts[:depth])
        found = _declared(folder)
        if found is not None and (found.resolved.runtime or found.resolved.dev):
            return Path(*parts[:depth]).as_posix()
    return "."


def place_pyproject(root: Path, where: str) -> dict[str, Any]:
    """The pyproject.toml of ``where`` (``{}`` when there is none)."""
    path = root / where / "pyproject.toml"
    return toml_file(path) if path.is_file() else {}


def read_dependencies(
    root: Path,
    where: str,
    target: Target,
    given: Overrides,
    install: ProjectInstall | None = None,
) -> Dependencies:
    """The dependencies declared in ``where`` (see :func:`dependency_dir`), or those of the
    package ``install`` names when the site is its sandbox."""
    pyproject = place_pyproject(root, where)
    if given.requirements or (where == "." and not (install and install.packages)):
        return find_dependencies(
            root,
            target,
            pyproject=pyproject,
            chosen=given.requirements,
            chosen_dev=given.dev_requirements,
            groups=given.groups,
        )
    if where == "." and install is not None:
        return _package_manifest(root, target, pyproject, install, given.dev_requirements)
    found = find_dependencies(root / where, target, pyproject=pyproject, groups=given.groups)
    if found.kind == "requirements" and found.requirements_file:
        # read from the root, so a root requirements-dev.txt (-r backend/requirements.txt)
        # still counts for the dev target
        dev = found.dev_requirements_file
        again = find_dependencies(
            root,
            target,
            pyproject=pyproject,
            chosen=f"{where}/{found.requirements_file}",
            chosen_dev=given.dev_requirements or (f"{where}/{dev}" if dev else None),
        )
        return replace(again, source=f"{where}/{found.source}")
    return _rebased(found, where)


def _declared(folder: Path) -> Dependencies | None:
    if not folder.is_dir():
        return None
    return find_dependencies(folder, Target(), pyproject=place_pyproject(folder, "."))


def _rebased(deps: Dependencies, where: str) -> Dependencies:
    def under(path: str | None) -> str | None:
        return f"{where}/{path}" if path else path

    return replace(
        deps,
        files=tuple(f"{where}/{f}" for f in deps.files),
        requirements_file=under(deps.requirements_file),
        dev_requirements_file=under(deps.dev_requirements_file),
        dev_files=tuple(f"{where}/{f}" for f in deps.dev_files),
        source=f"{where}/{deps.source}" if deps.kind != "none" else deps.source,
    )


def _package_manifest(
    root: Path,
    target: Target,
    pyproject: dict[str, Any],
    install: ProjectInstall,
    chosen_dev: str | None,
) -> Dependencies:
    """The package's own dependencies with the chosen extras, plus a root requirements.txt
    (and, for the dev target, a dev requirements file)."""
    files: list[str] = []
    if install.manifest == "pyproject.toml":
        project = dict(pyproject.get("project") or {})
        extras = project.get("optional-dependencies") or {}
        lines = [str(r) for r in project.get("dependencies") or []]
        lines += [str(r) for e in install.extras for r in extras.get(e) or [] if r not in lines]
        resolved = resolve_pep621(
            {**pyproject, "project": {**project, "dependencies": lines}}, target
        )
        kind, source = "pyproject", "pyproject.toml [project]"
        files.append("pyproject.toml")
    else:
        found = setup_py_requirements(root)
        runtime, read = found if found is not None else ([], ["setup.py"])
        resolved = Resolved(runtime=list(runtime))
        kind, source = "setup.py", "setup.py install_requires"
        files += read
    if install.extras:
        source += f" with the extras {', '.join(install.extras)}"
    if (root / "requirements.txt").is_file():
        read_file = read_requirements(root / "requirements.txt", root=root)
        extra = [r.text for r in read_file.applicable(target) if r.text not in resolved.runtime]
        resolved.runtime += extra
        files += [f.relative_to(root.resolve()).as_posix() for f in read_file.files]
        source += " and requirements.txt"
    deps = Dependencies(kind, tuple(dict.fromkeys(files)), resolved=resolved, source=source)
    add_dev_file(root, deps, target, chosen_dev)
    return deps


def dependency_notes(deps: Dependencies, where: str, manage_py: str | None) -> list[str]:
    """One line each: where the dependencies come from, and which groups go where."""
    r = deps.resolved
    out = [f"dependencies from {deps.source}" if deps.kind != "none" else "no dependency file"]
    if where != "." and manage_py is not None:
        out[0] += f" (beside {manage_py}, not at the root)"
    if r.runtime_groups and deps.kind in ("uv", "poetry", "pyproject"):
        out.append(f"groups in the runtime image: {', '.join(r.runtime_groups)}")
    if r.dev_groups:
        out.append(
            f"{', '.join(r.dev_groups)} installed in the dev target only (the one `up` runs)"
        )
    if r.skipped_groups:
        out.append(
            f"groups installed nowhere: {', '.join(r.skipped_groups)} (add them with "
            "[tool.dockdjango] groups)"
        )
    return out
