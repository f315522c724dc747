"""The project as a package: whether its site needs the project itself installed.

Some Django sites import the project as an installed distribution: a sandbox or example
site beside a reusable package (django-silk's ``project/``, django-oscar's ``sandbox/``), or
a site that reads its own metadata (``importlib.metadata.version("evap")`` fails with "No
package metadata was found" until the project is installed). Each tool installs the project
by default when it is a package -- ``uv sync`` (the lock's own entry is ``editable = "."``),
``pip install -e .`` for setup.py and pyproject projects -- so dockdjango does the same,
editable, after the source copy (the dev target's bind mount then keeps it current); its
own dependencies come with it when they are not those installed before (a sandbox's
requirements file: :func:`with_own_dependencies`).

A version from Git (setuptools-scm, hatch-vcs) cannot be computed in a build: the context
holds no ``.git``. Those builds get ``SETUPTOOLS_SCM_PRETEND_VERSION``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Build requirements that compute the version from Git metadata.
_SCM = re.compile(r"setuptools[-_]scm|hatch-vcs|use_scm_version", re.I)


@dataclass(frozen=True)
class ProjectPackage:
    """Whether the project is installed into the image, and why (one line for the user)."""

    install: bool = False
    reason: str = ""
    #: The version the build pretends (``SETUPTOOLS_SCM_PRETEND_VERSION``), or ``""``.
    scm_version: str = ""


#: What a Git-versioned project is built as where the context has no Git metadata.
PRETEND_VERSION = "0.0.0"


def project_package(
    root: Path, pyproject: Mapping[str, Any], *, kind: str, editable_root: bool, app_dir: str
) -> ProjectPackage:
    """Decide for the project at ``root`` (dependencies of ``kind``; ``editable_root``: its
    uv.lock entry is ``editable = "."``; ``app_dir``: where manage.py is, ``.`` at the root)."""
    build_system = pyproject.get("build-system") if pyproject else None
    setup_py = root / "setup.py"
    packaged = (bool(build_system) and "project" in pyproject) or setup_py.is_file()
    if kind == "uv":
        if not editable_root:
            return ProjectPackage()
        reason = "uv.lock installs the project itself (editable), as `uv sync` does"
    elif kind in ("pyproject", "setup.py") and packaged:
        reason = f"its dependencies are its own package's ({kind}): installed editable"
    elif packaged and app_dir not in ("", "."):
        reason = (
            f"the site in {app_dir}/ runs beside the package at the root: installed editable, "
            "with the package's own dependencies"
        )
    else:
        return ProjectPackage()
    texts = [str(build_system or "")]
    for name in ("setup.py", "setup.cfg"):
        if (root / name).is_file():
            texts.append((root / name).read_text(encoding="utf-8", errors="replace"))
    scm = PRETEND_VERSION if any(_SCM.search(t) for t in texts) else ""
    if scm:
        reason += f"; its version comes from Git, which the build has not: {scm}"
    return ProjectPackage(True, f"the project itself is installed: {reason}", scm)


def with_own_dependencies(kind: str, found_by_site: bool) -> bool:
    """True when the project's install must bring its own dependencies: they came neither
    from its own metadata (``kind``) nor from the package the site was found to import
    (``found_by_site``: detection added that package's dependencies to the requirements)."""
    return kind not in ("uv", "pyproject", "setup.py") and not found_by_site
