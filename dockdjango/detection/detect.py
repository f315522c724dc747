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
from dockdjango.detection.compose_hints import ComposeHints, read_compose_hints
from dockdjango.detection.dependencies.declared import (
    Dependencies,
    django_version,
    find_dependencies,
    toml_file,
)
from dockdjango.detection.dependencies.itself import project_package
from dockdjango.detection.dependencies.markers import Target
from dockdjango.detection.dependencies.pipenv import pipfile_python
from dockdjango.detection.dependencies.poetrylock import poetry_specifier
from dockdjango.detection.dependencies.requirements import requirement_extras, requirement_name
from dockdjango.detection.layout import find_app, find_manage_py, find_settings
from dockdjango.detection.projectconfig import Overrides, check_paths, read_overrides
from dockdjango.detection.pythons import (
    DEBIAN_PYTHONS,
    PythonChoice,
    PythonRequest,
    choose_python,
    minor_of,
)
from dockdjango.detection.settings_scan import SettingsScan, scan_settings
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
    #: The project itself is installed, editable, after the source copy (see
    #: :mod:`dockdjango.detection.dependencies.itself`), with this
    #: ``SETUPTOOLS_SCM_PRETEND_VERSION`` when its version comes from Git (``""``: none).
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
    request = _request(base, pyproject, given)
    choice = choose_python(request, offers if offers is not None else dict(DEBIAN_PYTHONS))
    suite = "trixie" if choice.provider == "official" else choice.provider
    target = Target(python=choice.version, suite=suite)
    deps = find_dependencies(
        base,
        target,
        pyproject=pyproject,
        chosen=given.requirements,
        chosen_dev=given.dev_requirements,
        groups=given.groups,
    )
    manage_py, others = (given.manage, []) if given.manage else find_manage_py(base)
    if deps.kind == "none" and manage_py is None and not list(base.glob("*.py")):
        raise DockdjangoError(
            f"{base}: no Python project found (looked for requirements*.txt, pyproject.toml, "
            f"{', '.join(LOCK_FILES)}, Pipfile, setup.py, manage.py and *.py)",
            hint="add a requirements.txt listing your dependencies (it may be empty)",
        )
    project = SourceProject(
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
        suite=suite,
        dependency_source=deps.source,
        runtime_groups=tuple(deps.resolved.runtime_groups),
        dev_groups=tuple(deps.resolved.dev_groups),
    )
    assumptions = list(choice.notes) + _dependency_notes(deps)
    constraints = build_constraints(
        request.django,
        request.django_source,
        python=choice.version,
        locked=deps.kind in ("uv", "poetry", "pipenv"),
    )
    if project.requirements:
        assumptions += [n for n in (constraints.note, constraints.resolve_note) if n]
    if manage_py is not None:
        project, more = _django(project, manage_py, others, given, environ or {})
        assumptions += more
    package = project_package(
        base,
        pyproject,
        kind=deps.kind,
        editable_root=deps.editable_root,
        app_dir=project.app_dir,
    )
    if package.install:
        assumptions.append(package.reason)
    build, runtime, more = packages_for(
        project.requirements + project.dev_requirements,
        pins=_pins(project.requirements + project.dev_requirements),
        from_source=deps.resolved.from_source,
        wheels_known=deps.resolved.wheels_known,
        postgis=project.settings_scan.postgis,
        suite=suite,
        official=choice.provider == "official",
        python=choice.version,
        source=deps.source,
    )
    assumptions += more
    return replace(
        project,
        build_packages=build,
        runtime_packages=runtime,
        notes=tuple(deps.resolved.notes),
        assumptions=tuple(assumptions),
        install_project=package.install,
        scm_version=package.scm_version,
        build_constraints=constraints.lines if project.requirements else (),
        resolve_before=constraints.resolve_before if project.requirements else "",
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
    return _request(base, pyproject, given)


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


def _request(base: Path, pyproject: dict[str, Any], given: Overrides) -> PythonRequest:
    # Markers depend on the Python chosen, which depends on the Django pinned: this first
    # read with the default target finds Django; detect() reads again for the Python chosen.
    first = find_dependencies(
        base,
        Target(),
        pyproject=pyproject,
        chosen=given.requirements,
        chosen_dev=given.dev_requirements,
        groups=given.groups,
    )
    return python_request(base, pyproject, first, given)


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


def python_request(
    root: Path, pyproject: dict[str, Any], deps: Dependencies, given: Overrides
) -> PythonRequest:
    """What the project asks for (see :mod:`dockdjango.detection.pythons`)."""
    hard = hard_source = None
    project = pyproject.get("project") or {}
    poetry = ((pyproject.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    if isinstance(project, dict) and project.get("requires-python"):
        hard, hard_source = str(project["requires-python"]), "pyproject.toml requires-python"
    elif isinstance(poetry.get("python"), str):
        hard = poetry_specifier(poetry["python"])
        hard_source = "pyproject.toml [tool.poetry.dependencies] python"
    soft = soft_source = None
    for name, reader in (
        (".python-version", lambda t: minor_of(t.strip().splitlines()[0]) if t.strip() else None),
        ("runtime.txt", lambda t: minor_of(t) if "python" in t else None),
    ):
        path = root / name
        if path.is_file():
            soft = reader(path.read_text(encoding="utf-8", errors="replace"))
            if soft:
                soft_source = name
                break
    if soft is None and (root / "Pipfile").is_file():
        soft = minor_of(pipfile_python(toml_file(root / "Pipfile")) or "")
        soft_source = "Pipfile [requires] python_version" if soft else None
    if soft is None:
        soft, soft_source = _dockerfile_python(root)
    django = django_version(deps.resolved.runtime)
    return PythonRequest(
        hard=hard,
        hard_source=hard_source,
        soft=soft,
        soft_source=soft_source,
        django=django,
        django_source=deps.source if django else None,
        override=given.python,
        override_source=given.source("python") if given.python else None,
    )


def _dockerfile_python(root: Path) -> tuple[str | None, str | None]:
    """The Python minor of the project Dockerfile's ``FROM python:X...``, if any."""
    from dockdjango.detection.base_refs import base_refs

    path = root / "Dockerfile"
    if not path.is_file():
        return None, None
    try:
        refs = base_refs(path.read_text(encoding="utf-8", errors="replace"))
    except DockdjangoError:
        return None, None
    for ref in refs:
        repo, _, tag = ref.ref.partition(":")
        if repo.rsplit("/", 1)[-1] == "python" and minor_of(tag):
            return minor_of(tag), f"Dockerfile:{ref.line} FROM {ref.ref}"
    return None, None


def _dependency_notes(deps: Dependencies) -> list[str]:
    r = deps.resolved
    out = [f"dependencies from {deps.source}" if deps.kind != "none" else "no dependency file"]
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


def _django(
    project: SourceProject,
    manage_py: str,
    others: list[str],
    given: Overrides,
    environ: Mapping[str, str],
) -> tuple[SourceProject, list[str]]:
    root = project.root
    app = (root / manage_py).parent
    app_dir = app.relative_to(root).as_posix() if app != root else "."
    notes = []
    if app_dir != ".":
        notes.append(f"Django runs from {app_dir}/ (where {manage_py} is; override: --manage)")
    if others:
        notes.append(f"also found {', '.join(others)}; using {manage_py} (override: --manage)")
    hints = read_compose_hints(root)
    dotenv = _dotenv(root)
    settings: str | None
    if given.settings:
        settings = given.settings
        notes.append(f"settings {settings} ({given.source('settings')})")
    else:
        found = find_settings(
            root,
            app,
            manage_py,
            environ=environ,
            dotenv=dotenv,
            compose_env=hints.environment,
            compose_file=hints.file,
        )
        settings = found.value if found else None
        notes.append(
            f"settings {found.value} (from {found.source}; override: --settings)"
            if found
            else "no settings module found (set one with --settings or [tool.dockdjango] settings)"
        )
    known_env = {**dotenv, **hints.environment, **dict(given.environment), **dict(environ)}
    scan = scan_settings(app, settings, environ=known_env) if settings else SettingsScan()
    wsgi = given.wsgi or find_app(app, settings, "wsgi", scan.values.get("WSGI_APPLICATION"))
    asgi = given.asgi or find_app(app, settings, "asgi", scan.values.get("ASGI_APPLICATION"))
    if wsgi is None and asgi is None:
        notes.append("no WSGI/ASGI application found: the dev server is runserver only")
    services = plan_services(
        app,
        set(project.dependency_names) | _names(project.dev_requirements),
        scan,
        hints,
        dotenv,
        chosen=given.services,
    )
    services.environment.update(dict(given.environment))
    notes += services.notes
    if given.services is not None:
        notes.append(f"services {', '.join(given.services) or 'none'} ({given.source('services')})")
    return (
        replace(
            project,
            django=True,
            manage_py=manage_py,
            app_dir=app_dir,
            settings_module=settings,
            wsgi_app=wsgi,
            asgi_app=asgi,
            services=services,
            settings_scan=scan,
            compose_hints=hints,
        ),
        notes,
    )


def _dotenv(root: Path) -> dict[str, str]:
    from dockdjango.compose.loader.dotenv import parse_dotenv

    path = root / ".env"
    if not path.is_file():
        return {}
    try:
        values = parse_dotenv(str(path), {})
    except DockdjangoError:
        return {}
    return {k: v for k, v in values.items() if v is not None}
