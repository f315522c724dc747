"""Project detection: dependencies, Python, Django entry points and backing services.

Pure: reads files, never runs anything. The result, :class:`SourceProject`, is all that
Dockerfile and compose generation need to know about a project, and every guess in it is
listed in :attr:`SourceProject.assumptions` with the way to override it (a command-line
flag, or ``[tool.dockdjango]`` in pyproject.toml -- see
:mod:`dockdjango.detection.projectconfig`). An unknown layout raises a
:class:`~dockdjango.errors.DockdjangoError` that lists what was looked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dockdjango.detection.backing_services import ServicePlan, plan_services
from dockdjango.detection.buildcompat import build_constraints
from dockdjango.detection.compose_hints import ComposeHints
from dockdjango.detection.dependencies.declared import Dependencies, toml_file
from dockdjango.detection.dependencies.itself import PRETEND_VERSION, project_package
from dockdjango.detection.dependencies.markers import Target
from dockdjango.detection.dependencies.requirements import requirement_extras, requirement_name
from dockdjango.detection.dependency_place import (
    dependency_dir,
    dependency_notes,
    place_pyproject,
    read_dependencies,
)
from dockdjango.detection.django_settings.settings_scan import SettingsScan
from dockdjango.detection.entry_points import console_script_site
from dockdjango.detection.layout import find_manage_py
from dockdjango.detection.own_package import ProjectInstall, find_project_install
from dockdjango.detection.projectconfig import Overrides, check_paths, read_overrides
from dockdjango.detection.python_request import python_request
from dockdjango.detection.pythons import (
    DEBIAN_PYTHONS,
    PythonChoice,
    PythonRequest,
    choose_python,
)
from dockdjango.detection.setup_steps import SetupStep, find_setup_steps
from dockdjango.detection.site import DjangoSite, find_site
from dockdjango.detection.syspkgs import packages_for, variant_name
from dockdjango.detection.syspkgs import system_packages as _system_packages
from dockdjango.errors import DockdjangoError

__all__ = [
    "LOCK_FILES",
    "SourceProject",
    "detect",
    "requested_python",
    "requirement_extras",
    "requirement_name",
    "system_packages",
]

#: Lock files we can turn into pinned requirements, in order of preference.
LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock")


@dataclass(frozen=True)
class SourceProject:
    """What dockdjango found in a project directory."""

    root: Path
    #: The files the dependency install depends on, relative POSIX paths, in COPY order.
    dependency_files: tuple[str, ...]
    #: How dependencies are declared: "requirements", "pyproject", "uv", "poetry",
    #: "pipenv", "setup.py", or "none" (a project without third-party dependencies).
    kind: str
    #: The requirement lines the runtime image installs (pinned when a lock pins them),
    #: environment markers already evaluated for the image's Python and platform.
    requirements: tuple[str, ...] = ()
    #: The requirements file pip reads inside the build, relative to the context root
    #: (None when the lines come from a lock or pyproject and must be written out).
    requirements_file: str | None = None
    #: The Python minor version the image runs (``3.13``), chosen by :attr:`python_choice`.
    python: str | None = None
    django: bool = False
    settings_module: str | None = None
    wsgi_app: str | None = None
    asgi_app: str | None = None
    build_packages: tuple[str, ...] = ()
    runtime_packages: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: What the dev target installs on top (dev groups, ``requirements-dev.txt``).
    dev_requirements: tuple[str, ...] = ()
    dev_requirements_file: str | None = None
    dev_dependency_files: tuple[str, ...] = ()
    #: ``manage.py`` relative to the root (``src/manage.py``), and the directory Django
    #: runs from (its parent, ``.`` at the root).
    manage_py: str | None = None
    app_dir: str = "."
    python_request: PythonRequest = field(default_factory=PythonRequest)
    python_choice: PythonChoice | None = None
    #: The Debian suite the image is based on (package names depend on it).
    suite: str = "bookworm"
    services: ServicePlan = field(default_factory=ServicePlan)
    settings_scan: SettingsScan = field(default_factory=SettingsScan)
    compose_hints: ComposeHints = field(default_factory=ComposeHints)
    #: One line each: what was assumed, and how to override it.
    assumptions: tuple[str, ...] = ()
    #: Where the dependencies were read from (``uv.lock``, ``requirements.txt``).
    dependency_source: str = ""
    #: Requirement lines every sdist build is held to (``setuptools<70`` for projects whose
    #: Django predates it; see :mod:`dockdjango.detection.buildcompat`).
    build_constraints: tuple[str, ...] = ()
    #: The instant dependencies not pinned with ``==`` resolve as of (``""``: the newest).
    resolve_before: str = ""
    #: The folder the dependencies are declared in, relative to the root (``backend`` in a
    #: monorepo whose uv.lock sits beside manage.py; ``.`` usually).
    dependency_dir: str = "."
    #: The repository's own package, when the site needs it installed (a sandbox of a
    #: reusable app, or code reading its own metadata); its dependencies are already in
    #: :attr:`requirements`, so the package itself is installed without them.
    project_install: ProjectInstall | None = None
    #: django-configurations' settings class (``DJANGO_CONFIGURATION``), when used.
    configuration: str | None = None
    #: Copies the project asks the user to make (an example config file), not made yet.
    setup_steps: tuple[SetupStep, ...] = ()
    #: The project itself is installed, editable, after the source copy (see
    #: :mod:`dockdjango.detection.dependencies.itself` and :attr:`project_install`), with
    #: this ``SETUPTOOLS_SCM_PRETEND_VERSION`` when its version comes from Git (``""``: none).
    install_project: bool = False
    scm_version: str = ""
    #: The lock's groups the runtime image and the dev target install (uv: ``--group``).
    runtime_groups: tuple[str, ...] = ()
    dev_groups: tuple[str, ...] = ()

    @property
    def dependency_names(self) -> tuple[str, ...]:
        """Normalised distribution names of the requirements (``Django`` -> ``django``)."""
        return tuple(n for n in (requirement_name(r) for r in self.requirements) if n)

    @property
    def pinned_names(self) -> tuple[str, ...]:
        """Names the runtime and dev requirements pin with ``==``, sorted."""
        return tuple(sorted(_pins(self.requirements + self.dev_requirements)))


def system_packages(requirements: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(build-time, run-time) Debian packages the requirement lines need, sorted."""
    names = [variant_name(line) for line in requirements]
    return _system_packages([n for n in names if n])


def detect(
    root: str | Path,
    *,
    requirements: str | None = None,
    python: str | None = None,
    offers: dict[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Overrides | None = None,
) -> SourceProject:
    """Detect how the project at ``root`` declares dependencies, Python and Django.

    ``requirements`` names the requirements file to use when several exist; ``python``
    forces the image's Python; ``offers`` are the Pythons on offer (minor -> "official" or a
    Debian suite; default: Debian's, as without a registry); ``environ`` is the
    environment the project runs from (its ``DJANGO_SETTINGS_MODULE`` counts);
    ``overrides`` are command-line answers (they win over ``[tool.dockdjango]``).
    """
    base, pyproject, given = _read(root, requirements, python, overrides)
    manage_py, site, install, where = _located(base, pyproject, given, environ or {})
    request = _request(base, where, given, install)
    choice = choose_python(request, offers if offers is not None else dict(DEBIAN_PYTHONS))
    suite = "trixie" if choice.provider == "official" else choice.provider
    deps = read_dependencies(
        base, where, Target(python=choice.version, suite=suite), given, install
    )
    if deps.kind == "none" and manage_py is None and not list(base.glob("*.py")):
        raise DockdjangoError(
            f"{base}: no Python project found (looked for requirements*.txt, pyproject.toml, "
            f"{', '.join(LOCK_FILES)}, Pipfile, setup.py, manage.py and *.py)",
            hint="add a requirements.txt listing your dependencies (it may be empty)",
        )
    project = _declared(base, deps, request, choice, where, install)
    assumptions = list(choice.notes) + dependency_notes(
        deps, where, site.manage_py if site else None
    )
    constraints = build_constraints(
        request.django,
        request.django_source,
        python=choice.version,
        locked=deps.kind in ("uv", "poetry", "pipenv"),
    )
    if project.requirements:
        assumptions += [n for n in (constraints.note, constraints.resolve_note) if n]
    project, notes = _django_side(project, site, given)
    project, more = _installed(project, deps, install)
    return replace(
        project,
        assumptions=tuple(assumptions + notes + more),
        build_constraints=constraints.lines if project.requirements else (),
        resolve_before=constraints.resolve_before if project.requirements else "",
    )


def _located(
    base: Path, pyproject: dict[str, Any], given: Overrides, environ: Mapping[str, str]
) -> tuple[str | None, DjangoSite | None, ProjectInstall | None, str]:
    """(manage.py, the site it runs, the project install it needs, where the dependencies
    are declared): the site is read first, because it says where the rest is."""
    manage_py, others = (given.manage, []) if given.manage else find_manage_py(base)
    site = find_site(base, manage_py, others, given, environ) if manage_py else None
    install = (
        find_project_install(base, base / site.app_dir, pyproject, site.files(base))
        if site
        else None
    )
    where = dependency_dir(base, site.app_dir) if site and not given.requirements else "."
    return manage_py, site, install, where


def _declared(
    base: Path,
    deps: Dependencies,
    request: PythonRequest,
    choice: PythonChoice,
    where: str,
    install: ProjectInstall | None,
) -> SourceProject:
    """The project as its dependency declaration and Python choice describe it."""
    return SourceProject(
        root=base,
        dependency_files=deps.files,
        kind=deps.kind,
        requirements=tuple(deps.resolved.runtime),
        requirements_file=deps.requirements_file,
        python=choice.version,
        dev_requirements=tuple(deps.resolved.dev),
        dev_requirements_file=deps.dev_requirements_file,
        dev_dependency_files=deps.dev_files,
        python_request=request,
        python_choice=choice,
        suite="trixie" if choice.provider == "official" else choice.provider,
        dependency_source=deps.source,
        dependency_dir=where,
        project_install=install,
        runtime_groups=tuple(deps.resolved.runtime_groups),
        dev_groups=tuple(deps.resolved.dev_groups),
    )


def _django_side(
    project: SourceProject, site: DjangoSite | None, given: Overrides
) -> tuple[SourceProject, list[str]]:
    """``project`` with its site, services and the copies its docs ask for; or, with no
    manage.py, why not (a console script runs Django)."""
    base = project.root
    if site is None:
        script = console_script_site(base) if not given.manage else None
        if script is None:
            return project, []
        message, hint = script.problem()
        return replace(project, settings_module=script.settings), [f"{message} (fix: {hint})"]
    project = _with_site(project, site, given)
    notes = [*site.notes, *project.services.notes]
    steps = find_setup_steps(
        base, base / site.app_dir, site.settings, site.files(base), site.hints.env_files
    )
    notes += [f"a copy the project asks for: {step.describe()}" for step in steps]
    if given.services is not None:
        notes.append(f"services {', '.join(given.services) or 'none'} ({given.source('services')})")
    return replace(project, setup_steps=steps), notes


def _installed(
    project: SourceProject, deps: Dependencies, install: ProjectInstall | None
) -> tuple[SourceProject, list[str]]:
    """``project`` with the Debian packages its dependencies need and whether the project
    itself is installed (its own tool's default, or what the site needs)."""
    package = project_package(
        project.root,
        place_pyproject(project.root, project.dependency_dir),
        kind=deps.kind,
        editable_root=deps.editable_root,
        app_dir=project.app_dir,
    )
    scm = package.scm_version or (PRETEND_VERSION if install and install.scm_version else "")
    notes = []
    if install is not None:
        notes.append(install.reason + (f"; its version comes from Git: {scm}" if scm else ""))
    elif package.install:
        notes.append(package.reason)
    choice = project.python_choice
    build, runtime, more = packages_for(
        project.requirements + project.dev_requirements,
        pins=_pins(project.requirements + project.dev_requirements),
        from_source=deps.resolved.from_source,
        wheels_known=deps.resolved.wheels_known,
        postgis=project.settings_scan.postgis,
        suite=project.suite,
        official=choice is not None and choice.provider == "official",
        python=project.python or "",
        source=deps.source,
    )
    return (
        replace(
            project,
            build_packages=build,
            runtime_packages=runtime,
            notes=tuple(deps.resolved.notes),
            install_project=package.install or install is not None,
            scm_version=scm,
        ),
        notes + more,
    )


def requested_python(
    root: str | Path,
    *,
    requirements: str | None = None,
    python: str | None = None,
    overrides: Overrides | None = None,
) -> PythonRequest:
    """What the project at ``root`` asks of Python (before anything is chosen)."""
    base, pyproject, given = _read(root, requirements, python, overrides)
    _, _, install, where = _located(base, pyproject, given, {})
    return _request(base, where, given, install)


def _read(
    root: str | Path, requirements: str | None, python: str | None, overrides: Overrides | None
) -> tuple[Path, dict[str, Any], Overrides]:
    base = Path(root)
    if not base.is_dir():
        raise DockdjangoError(f"{base}: not a directory", hint="pass the project's directory")
    pyproject = toml_file(base / "pyproject.toml") if (base / "pyproject.toml").is_file() else {}
    given = read_overrides(pyproject)
    cli = overrides or Overrides()
    if requirements:
        cli = cli.merged(
            Overrides(requirements=requirements, sources={"requirements": "--requirements"})
        )
    if python:
        cli = cli.merged(Overrides(python=python, sources={"python": "--python"}))
    given = given.merged(cli)
    check_paths(given, base)
    return base, pyproject, given


def _request(
    base: Path, where: str, given: Overrides, install: ProjectInstall | None
) -> PythonRequest:
    # Markers depend on the Python chosen, which depends on the Django pinned: this first
    # read with the default target finds Django; detect() reads again for the Python chosen.
    first = read_dependencies(base, where, Target(), given, install)
    places = [base / where, base] if where != "." else [base]
    return python_request(base, places, first, given)


def _pins(lines: tuple[str, ...]) -> dict[str, str]:
    """name -> version for lines pinned with ``==`` (``Pillow==9.0.1``)."""
    out = {}
    for line in lines:
        name = requirement_name(line)
        m = re.search(r"==\s*([\w.+!-]+)", line.split(";", 1)[0])
        if name and m and "*" not in m.group(1):
            out[name] = m.group(1)
    return out


def _names(lines: tuple[str, ...]) -> set[str]:
    return {n for n in (variant_name(line) for line in lines) if n}


def _with_site(project: SourceProject, site: DjangoSite, given: Overrides) -> SourceProject:
    """``project`` with its Django site and the backing services it needs."""
    names = set(project.dependency_names) | _names(project.dev_requirements)
    services = plan_services(
        project.root / site.app_dir,
        names,
        site.scan,
        site.hints,
        site.dotenv,
        chosen=given.services,
    )
    services.environment.update(dict(given.environment))
    if site.configuration:
        services.environment.setdefault("DJANGO_CONFIGURATION", site.configuration)
    return replace(
        project,
        django=True,
        manage_py=site.manage_py,
        app_dir=site.app_dir,
        settings_module=site.settings,
        configuration=site.configuration,
        wsgi_app=site.wsgi,
        asgi_app=site.asgi,
        services=services,
        settings_scan=site.scan,
        compose_hints=site.hints,
    )
