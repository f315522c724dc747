"""The install steps of the generated Dockerfile: uv, the dependencies, the project itself.

Each dependency source is installed the way its own tool reads it, with uv:

- a requirements file: ``uv pip install -r`` (uv follows ``-r``/``-c`` and markers);
- ``uv.lock``: ``uv sync --locked --no-install-project`` with the lock and pyproject.toml
  bind-mounted, as uv documents for Docker. The lock's indexes, sources and markers are
  honoured, the groups chosen with ``--group``, and the Dockerfile does not change when the
  lock does;
- what no installer reads (poetry.lock, Pipfile.lock, pyproject.toml or setup.py without a
  lock): exported by dockdjango into :data:`DERIVED_REQUIREMENTS` (and
  :data:`DERIVED_DEV_REQUIREMENTS`), files written beside the Dockerfile, to commit with it.

Only the dependency files are mounted, so a source edit never reaches an install; a cache
mount keeps every wheel, so adding a package downloads only that one. Where the project
itself is a package its site needs, it is installed editable after the source copy.
"""

from __future__ import annotations

import shlex

from dockdjango.detection.dependencies.itself import with_own_dependencies
from dockdjango.detection.detect import SourceProject
from dockdjango.images.ca import CACHE_MOUNT as CA_CACHE_MOUNT
from dockdjango.images.ca import MOUNTED_BUNDLE as CA_BUNDLE

#: The requirements files dockdjango writes into a project whose dependencies come from a
#: file no installer reads (the Dockerfile installs them; commit them with the Dockerfile).
DERIVED_REQUIREMENTS = "requirements.docker.txt"
DERIVED_DEV_REQUIREMENTS = "requirements-dev.docker.txt"
#: The uv release the Dockerfile installs with (a registry's image, or the same from PyPI).
UV_VERSION = "0.13.10"
UV_IMAGE = f"ghcr.io/astral-sh/uv:{UV_VERSION}"
#: Fetches that uv release from PyPI's simple index (PEP 691 JSON; checked against its
#: sha256) with Python's standard library alone, where no registry serves
#: :data:`UV_IMAGE`: no pip to bootstrap.
UV_BOOTSTRAP = (
    "import hashlib, io, json, os, platform, urllib.parse as p, urllib.request as r, zipfile; "
    "j = 'https://pypi.org/simple/uv/'; m = platform.machine(); "
    "q = r.Request(j, headers={'Accept': 'application/vnd.pypi.simple.v1+json'}); "
    f"f = [u for u in json.load(r.urlopen(q))['files'] if u['filename'].startswith("
    f"'uv-{UV_VERSION}-') and m in u['filename'] and 'manylinux' in u['filename']][0]; "
    "b = r.urlopen(p.urljoin(j, f['url'])).read(); "
    "assert hashlib.sha256(b).hexdigest() == f['hashes']['sha256'], f['filename']; "
    "z = zipfile.ZipFile(io.BytesIO(b)); "
    "n = [x for x in z.namelist() if x.endswith('/scripts/uv')][0]; "
    "os.makedirs('/opt/uv/bin'); open('/opt/uv/bin/uv', 'wb').write(z.read(n)); "
    "os.chmod('/opt/uv/bin/uv', 0o755)"
)
#: The build arg dockdjango sets (to 1) with DOCKDJANGO_OFFLINE=1: install from the cache only.
OFFLINE_ARG = "UV_OFFLINE"
VENV = "/opt/venv"
UV_DIR = "/opt/uv"
UV = f"{UV_DIR}/bin/uv"
DEPS_DIR = "/tmp/dependencies"
APP_DIR = "/app"
#: Where the install step writes the build constraints (and removes them after).
BUILD_CONSTRAINTS_FILE = "/tmp/build-constraints.txt"
#: Files beside pyproject.toml that configure ``uv sync`` (indexes, sources).
_UV_CONFIG = ("uv.toml",)


def installs_dependencies(project: SourceProject) -> bool:
    """True when the image installs third-party dependencies."""
    return bool(project.requirements) or bool(project.dev_requirements)


def derived_files(project: SourceProject) -> dict[str, bytes]:
    """The requirements files to write for sources no installer reads (else none)."""
    if project.requirements_file is not None or project.kind == "uv":
        return {}
    source = ", ".join(f for f in project.dependency_files if not f.endswith(".docker.txt"))
    header = [
        f"# Written by dockdjango from {source or project.kind} for the Dockerfile, which",
        "# installs this file. `dockdjango build` rewrites it when that changes; commit it.",
    ]
    out = {}
    # a dev requirements file of the project's own is installed as it is (see install_dev)
    dev = () if project.dev_requirements_file else project.dev_requirements
    for name, lines in (
        (DERIVED_REQUIREMENTS, project.requirements),
        (DERIVED_DEV_REQUIREMENTS, dev),
    ):
        if lines:
            out[name] = ("\n".join(header + list(lines)) + "\n").encode()
    return out


def uv_stage(base: str, uv_image: str | None) -> list[str]:
    """The ``uv`` stage: the installer, mounted where needed, never in the final image."""
    if uv_image:
        return [
            "# --- uv: the installer, from its image; mounted where needed, never in the image",
            "FROM scratch AS uv",
            f"COPY --from={uv_image} /uv /uvx {UV_DIR}/bin/",
        ]
    return [
        f"# --- uv: the installer ({UV_VERSION}), from PyPI (no registry served {UV_IMAGE});",
        "# mounted where needed, never in the final image",
        f"FROM {base} AS uv",
        f"RUN {CA_CACHE_MOUNT} \\",
        f"    {trust()} \\",
        f'    && python3 -c "{UV_BOOTSTRAP}"',
    ]


def trust() -> str:
    """Trust the proxy's CA where the ``dockdjango-ca`` mount holds one."""
    return f"if [ -s {CA_BUNDLE} ]; then export SSL_CERT_FILE={CA_BUNDLE}; fi"


def install_runtime(project: SourceProject) -> list[str]:
    """The runtime dependencies into a new virtualenv at :data:`VENV`."""
    why = []
    if project.build_constraints:
        held = ", ".join(project.build_constraints)
        why = [
            f"# Packages built from source (no wheel) use {held}: the project's Django",
            "# predates the setuptools that removed names their setup.py files import.",
        ]
    if project.resolve_before:
        why += [
            "# What the project does not pin resolves as of its Django's end of support",
            "# (--exclude-newer); what it pins with == is exempt (--exclude-newer-package).",
        ]
    if project.kind == "uv":
        groups = _group_flags(project.runtime_groups)
        command = f"{UV} sync --locked --no-install-project --python python3{groups}"
        files = _uv_files(project)
        what = ["# uv.lock as a lock: `uv sync --locked` honours its indexes, sources, markers."]
    else:
        req = project.requirements_file or DERIVED_REQUIREMENTS
        command = f"{UV} venv --seed --python python3 {VENV}{_SEED_PKG_RESOURCES}"
        files = ()
        why += [
            "# Below Python 3.12 a virtualenv comes with setuptools (python -m venv, the",
            "# official images), and packages import its pkg_resources (gunicorn < 22...):",
            "# the seed keeps a setuptools that still has it (82 removed it).",
        ]
        if project.requirements:  # none: only dev dependencies, installed by dev
            command += f" \\\n    && {UV} pip install --python {VENV}/bin/python -r {req}"
            files = (
                project.dependency_files
                if project.requirements_file is not None
                else (DERIVED_REQUIREMENTS,)
            )
        what = []
    return [
        *why,
        *what,
        "# Only the dependency files are mounted, so a source edit never reaches this step;",
        "# the cache mount keeps every wheel, so adding a package downloads only that one.",
        f"# With {OFFLINE_ARG}=1 (dockdjango sets it for DOCKDJANGO_OFFLINE=1) the install",
        "# uses that cache alone.",
        *_run(project, files, "UV_COMPILE_BYTECODE=1 ", f"cd {DEPS_DIR} && {command}"),
    ]


#: After ``uv venv --seed``: where the seed brought setuptools (Python < 3.12), one that
#: still ships ``pkg_resources``
_SEED_PKG_RESOURCES = (
    f" \\\n    && if [ -d {VENV}/lib/python3*/site-packages/setuptools ]; then"
    f" {UV} pip install --python {VENV}/bin/python 'setuptools<82'; fi"
)


def install_dev(project: SourceProject) -> list[str]:
    """The dev dependencies on top of the runtime ones, into the same virtualenv."""
    if project.kind == "uv":
        groups = _group_flags(project.runtime_groups + project.dev_groups)
        command = f"cd {DEPS_DIR} && {UV} sync --locked --no-install-project{groups}"
        files = _uv_files(project)
    else:
        req = project.dev_requirements_file or DERIVED_DEV_REQUIREMENTS
        if project.dev_requirements_file:
            files = tuple(dict.fromkeys((req, *project.dev_dependency_files)))
        else:
            files = (DERIVED_DEV_REQUIREMENTS,)
        command = f"cd {DEPS_DIR} && {UV} pip install --python {VENV}/bin/python -r {req}"
    return [
        "# The dev dependencies (dev groups / requirements file) for the dev target only.",
        *_run(project, files, "", command),
    ]


def install_itself(project: SourceProject) -> list[str]:
    """The project as a package, editable, from the copied source (as root: the virtualenv
    is root's); nothing when it is not installed."""
    if not project.install_project:
        return []
    scm = f" SETUPTOOLS_SCM_PRETEND_VERSION={project.scm_version}" if project.scm_version else ""
    # its dependencies were installed before the source copy, unless they are not its own
    own = with_own_dependencies(project.kind, project.project_install is not None)
    deps = "" if own else " --no-deps"
    note = (
        [f"# Its version comes from Git, which the build context has not: {project.scm_version}."]
        if scm
        else []
    )
    return [
        "# The project itself, editable: its site imports it as an installed package"
        + (" (with its own dependencies)." if own else "."),
        *note,
        "USER root",
        f"RUN --mount=type=bind,from=uv,source={UV_DIR},target={UV_DIR} \\",
        "    --mount=type=cache,target=/root/.cache/uv \\",
        f"    {CA_CACHE_MOUNT} \\",
        f"    export UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never{scm} \\",
        f"    && {trust()} \\",
        f"    && {UV} pip install --python {VENV}/bin/python{deps} --editable {APP_DIR}",
    ]


def _uv_files(project: SourceProject) -> tuple[str, ...]:
    wanted = ("pyproject.toml", "uv.lock", *_UV_CONFIG)
    present = [f for f in wanted if f in project.dependency_files or (project.root / f).is_file()]
    return tuple(present)


def _group_flags(groups: tuple[str, ...]) -> str:
    return " --no-default-groups" + "".join(f" --group {shlex.quote(g)}" for g in groups)


def _run(project: SourceProject, files: tuple[str, ...], env: str, command: str) -> list[str]:
    mounts = [f"    --mount=type=bind,source={f},target={DEPS_DIR}/{f} \\" for f in files]
    return [
        f"ARG {OFFLINE_ARG}",
        f"RUN --mount=type=bind,from=uv,source={UV_DIR},target={UV_DIR} \\",
        "    --mount=type=cache,target=/root/.cache/uv \\",
        f"    {CA_CACHE_MOUNT} \\",
        *mounts,
        f"    export UV_LINK_MODE=copy {env}UV_PYTHON_DOWNLOADS=never "
        f"UV_PROJECT_ENVIRONMENT={VENV} \\",
        f"    && {trust()} \\",
        *_constrain(project),
        f"    && {command}{_resolve_before(project)}{_unconstrain(project)}",
    ]


def _constrain(project: SourceProject) -> list[str]:
    """Hold sdist builds to the project's build constraints (none: no lines at all)."""
    if not project.build_constraints:
        return []
    lines = " ".join(shlex.quote(line) for line in project.build_constraints)
    return [
        f"    && printf '%s\\n' {lines} > {BUILD_CONSTRAINTS_FILE} \\",
        f"    && export UV_BUILD_CONSTRAINT={BUILD_CONSTRAINTS_FILE} \\",
    ]


def _resolve_before(project: SourceProject) -> str:
    """uv's date cutoff for what the project does not pin (none: no text at all)."""
    if not project.resolve_before or project.kind == "uv":
        return ""
    exempt = [f"--exclude-newer-package {name}=false" for name in project.pinned_names]
    rows = [" ".join(exempt[i : i + 2]) for i in range(0, len(exempt), 2)]
    return "".join(
        f" \\\n        {row}" for row in [f"--exclude-newer {project.resolve_before}", *rows]
    )


def _unconstrain(project: SourceProject) -> str:
    return f" \\\n    && rm {BUILD_CONSTRAINTS_FILE}" if project.build_constraints else ""
