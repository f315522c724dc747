"""The Dockerfile dockdjango writes for a project: portable, cache-friendly, deterministic.

It builds with plain ``docker build`` / ``docker compose build`` (BuildKit) from the
project's files alone — no build args, no image only dockdjango can make. Stages, from what
changes least to what changes most:

``uv``       the installer, uv, from PyPI; used through a bind mount, never in the final image
``build``    (only when a dependency compiles C code) build packages + the virtualenv
``runtime``  base + run-time packages + the app user (owning ``/app``) + the dependencies,
             installed from the dependency files alone with a cache mount (adding one package
             downloads one package), then metadata, then the source, last
``dev``      (Django) the same image with ``runserver`` as its command; when the project
             has dev dependencies, both start from a ``deps`` stage that ends before the
             source copy, and dev installs them before copying the source itself (so a
             source edit never reinstalls them)

Behind a TLS-intercepting proxy the installs trust the CA bundle found in the
``dockdjango-ca`` cache mount (a dockdjango build mounts the host's bundle there); a
cache mount is never part of an image, and where it is empty (no proxy, another machine)
the installs use the default trust store — so the committed file builds everywhere.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from dockdjango.detection.detect import SourceProject
from dockdjango.images.ca import CACHE_MOUNT as CA_CACHE_MOUNT
from dockdjango.images.ca import MOUNTED_BUNDLE as CA_BUNDLE

#: The requirements file dockdjango writes into a project whose dependencies come from a
#: lock file or pyproject.toml (the Dockerfile installs it; commit it with the Dockerfile).
DERIVED_REQUIREMENTS = "requirements.docker.txt"
#: Fetches the installer, uv, from PyPI (its newest release, checked against PyPI's sha256)
#: with Python's standard library alone: no pip to bootstrap, which costs more than uv saves.
UV_BOOTSTRAP = (
    "import hashlib, io, json, os, platform, urllib.parse as p, urllib.request as r, zipfile; "
    "j = 'https://pypi.org/pypi/uv/json'; m = platform.machine(); "
    "f = [u for u in json.load(r.urlopen(j))['urls'] "
    "if m in u['filename'] and 'manylinux' in u['filename']][0]; "
    "b = r.urlopen(p.urljoin(j, f['url'])).read(); "
    "assert hashlib.sha256(b).hexdigest() == f['digests']['sha256'], f['filename']; "
    "z = zipfile.ZipFile(io.BytesIO(b)); "
    "n = [x for x in z.namelist() if x.endswith('/scripts/uv')][0]; "
    "os.makedirs('/opt/uv/bin'); open('/opt/uv/bin/uv', 'wb').write(z.read(n)); "
    "os.chmod('/opt/uv/bin/uv', 0o755)"
)
#: The build arg dockdjango sets (to 1) with DOCKDJANGO_OFFLINE=1: install from the cache only.
OFFLINE_ARG = "UV_OFFLINE"
VENV = "/opt/venv"
UV_DIR = "/opt/uv"
DEPS_DIR = "/tmp/dependencies"
APP_DIR = "/app"
APP_USER = "app"
APP_UID = 10001


@dataclass(frozen=True)
class DockerfileOptions:
    """Choices the generated Dockerfile depends on (all of them: the text is a pure function)."""

    base_image: str = "dockdjango/python:3.11-bookworm"
    #: Extra Debian packages for the final image (e.g. ``gettext``).
    system_packages: tuple[str, ...] = ()
    #: Extra Debian packages for the build stage only (compilers, ``-dev`` headers).
    build_packages: tuple[str, ...] = ()
    #: Extra instructions run before the dependencies are installed (in the build stage when
    #: there is one, else in the runtime stage, as root).
    build_steps: tuple[str, ...] = ()
    #: Extra instructions in the final stage after the source copy (as the app user),
    #: e.g. ``RUN python manage.py collectstatic --noinput``.
    app_steps: tuple[str, ...] = ()
    port: int = 8000


def requirements_path(project: SourceProject) -> str | None:
    """The requirements file the Dockerfile installs (the project's own, or the derived one)."""
    if project.requirements_file is not None:
        return project.requirements_file
    return DERIVED_REQUIREMENTS if project.requirements else None


def dependency_sources(project: SourceProject) -> tuple[str, ...]:
    """Context paths the install step mounts (the dependency files, nothing else)."""
    if project.requirements_file is not None:
        return project.dependency_files
    return (DERIVED_REQUIREMENTS,) if project.requirements else ()


def derived_requirements(project: SourceProject) -> bytes | None:
    """The requirements file to write for lock/pyproject projects, else None."""
    if project.requirements_file is not None or not project.requirements:
        return None
    source = ", ".join(f for f in project.dependency_files if f != DERIVED_REQUIREMENTS)
    header = [
        f"# Written by dockdjango from {source or project.kind} for the Dockerfile, which",
        "# installs this file. `dockdjango build` rewrites it when that changes; commit it.",
    ]
    return ("\n".join(header + list(project.requirements)) + "\n").encode()


def generate_dockerfile(project: SourceProject, options: DockerfileOptions | None = None) -> str:
    """The Dockerfile text for ``project``; the same inputs always give the same bytes."""
    opts = options or DockerfileOptions()
    base = opts.base_image
    build_pkgs = sorted(set(project.build_packages) | set(opts.build_packages))
    separate_build = bool(build_pkgs) and bool(project.requirements)
    lines: list[str] = [
        "# Generated by dockdjango; builds with `docker build .` or `docker compose build`",
        "# (BuildKit). Commit it and edit it freely: dockdjango uses a Dockerfile it finds in",
        "# the project as it is. Order matters for the layer cache: what changes least comes",
        "# first, the source last.",
    ]
    if project.requirements:
        lines += [
            "",
            "# --- uv: the installer, from PyPI; mounted where needed, never in the final image",
            f"FROM {base} AS uv",
            f"RUN {CA_CACHE_MOUNT} \\",
            f"    {_trust('SSL_CERT_FILE')} \\",
            f'    && python3 -c "{UV_BOOTSTRAP}"',
        ]
    if separate_build:
        lines += [
            "",
            "# --- build: compilers and headers for dependencies built from source (not kept)",
            f"FROM {base} AS build",
            *_apt(build_pkgs),
            *opts.build_steps,
            *_install(project),
        ]
    # With dev dependencies, runtime and dev share a stage that stops before the source
    # copy, so a source edit never reinstalls the dev dependencies in the dev target.
    dev_deps = _has_dev_install(project)
    if dev_deps:
        lines += ["", f"# --- {DEPS_STAGE}: what runtime and dev share, up to the source copy ---"]
        lines.append(f"FROM {base} AS {DEPS_STAGE}")
    else:
        lines += ["", "# --- runtime: what runs; no compilers, no CA bundle, not root ---"]
        lines.append(f"FROM {base} AS runtime")
    runtime_pkgs = sorted(set(project.runtime_packages) | set(opts.system_packages))
    if build_pkgs and not separate_build:
        runtime_pkgs = sorted(set(runtime_pkgs) | set(build_pkgs))
    if runtime_pkgs:
        lines += _apt(runtime_pkgs)
    lines += [
        f"# The app user owns {APP_DIR}, so Django can write there (SQLite, static, media).",
        f"RUN useradd --create-home --no-log-init --uid {APP_UID} {APP_USER} \\",
        f"    && install -d -o {APP_USER} -g {APP_USER} {APP_DIR}"
        + (
            # made here (empty) rather than in dev, which starts after the source copy:
            # a source edit then rebuilds that copy only
            f" \\\n    && install -d -m 1777 {DEV_DATA_DIR} {DEV_HOME}" if project.django else ""
        ),
    ]
    env = [
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        f"VIRTUAL_ENV={VENV}",
        f"PATH={VENV}/bin:$PATH",
    ]
    if project.settings_module:
        env.append(f"DJANGO_SETTINGS_MODULE={project.settings_module}")
    lines.append("ENV " + " ".join(env))
    lines.append(f"WORKDIR {APP_DIR}")
    if separate_build:
        lines.append(f"COPY --from=build {VENV} {VENV}")
    else:
        lines += list(opts.build_steps)
        if project.requirements:
            lines += _install(project)
    # Everything that does not depend on the source goes before it, so a source edit
    # rebuilds only the copy (and the app steps) instead of a tail of metadata steps.
    lines.append(f"USER {APP_USER}")
    if project.django:
        lines.append(f"EXPOSE {opts.port}")
        lines.append(_healthcheck(opts.port))
    command = prod_command(project, opts.port)
    if command[:2] == ["python3", "manage.py"]:
        lines.append("STOPSIGNAL SIGINT")  # runserver as PID 1 stops on SIGINT, not SIGTERM
    lines.append("CMD " + json.dumps(command))
    source = [f"COPY --chown={APP_USER}:{APP_USER} . {APP_DIR}", *opts.app_steps]
    if dev_deps:
        lines += [
            "",
            "# --- runtime: what runs; no compilers, no CA bundle, not root ---",
            f"FROM {DEPS_STAGE} AS runtime",
        ]
    lines += source
    if project.django:
        lines += ["", *_dev_stage(project, opts.port, source if dev_deps else [])]
    return "\n".join(lines) + "\n"


#: The stage runtime and dev both start from when the dev target installs more.
DEPS_STAGE = "deps"


def _has_dev_install(project: SourceProject) -> bool:
    """True when the dev target installs dev dependencies on top of the runtime ones."""
    return project.django and bool(project.dev_requirements) and bool(project.requirements)


#: Where the dev target keeps what Django writes outside the bind-mounted source (SQLite
#: files, uploads), and the HOME of whichever uid runs it.
DEV_DATA_DIR = "/data"
DEV_HOME = "/home/dev"


def _dev_stage(project: SourceProject, port: int, source: list[str]) -> list[str]:
    """The ``dev`` target: runserver from manage.py's directory, the dev dependencies, and
    any uid able to run it (compose passes the checkout owner's, as Dev Containers'
    updateRemoteUserUID does, so files made in a bind-mounted checkout are the owner's).

    With dev dependencies it starts from the shared stage, installs them, then copies the
    ``source`` steps itself: the source copy stays the last layer that a source edit moves.
    """
    lines = ["# --- dev: build with --target dev for Django's autoreloading server ---"]
    if _has_dev_install(project):
        lines += [f"FROM {DEPS_STAGE} AS dev", "USER root", *_install_dev(project)]
    else:
        lines.append("FROM runtime AS dev")
    lines += [
        "# Whatever uid runs this (`user:` in compose), it has a HOME and a data directory",
        f"# (both made before the source copy: {DEV_DATA_DIR}, {DEV_HOME}).",
        f"ENV HOME={DEV_HOME}",
        f"USER {APP_USER}",
        *source,
    ]
    if project.app_dir not in ("", "."):
        lines.append(f"WORKDIR {APP_DIR}/{project.app_dir}")
    lines += [
        "# runserver as PID 1 stops at once on SIGINT (it ignores SIGTERM).",
        "STOPSIGNAL SIGINT",
        "CMD " + json.dumps(dev_command(port)),
    ]
    return lines


def _install_dev(project: SourceProject) -> list[str]:
    """The dev dependencies on top of the runtime ones: the dev requirements file when the
    project has one, else the pinned lines of its lock's dev groups."""
    if project.dev_requirements_file:
        files = (project.dev_requirements_file, *project.dev_dependency_files)
        mounts = [
            f"    --mount=type=bind,source={src},target={DEPS_DIR}/{src} \\"
            for src in dict.fromkeys(files)
        ]
        what = f"-r {project.dev_requirements_file}"
    else:
        mounts = []
        what = " ".join(shlex.quote(line) for line in project.dev_requirements)
    return [
        "# The dev dependencies (dev groups / requirements file) for this target only.",
        f"ARG {OFFLINE_ARG}",
        f"RUN --mount=type=bind,from=uv,source={UV_DIR},target={UV_DIR} \\",
        "    --mount=type=cache,target=/root/.cache/uv \\",
        *_ca_mount(),
        *mounts,
        "    export UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \\",
        f"    && {_trust('SSL_CERT_FILE')} \\",
        *_constrain(project),
        f"    && cd {DEPS_DIR} 2>/dev/null || cd / ; {UV_DIR}/bin/uv pip install "
        f"--python {VENV}/bin/python {what}{_resolve_before(project)}{_unconstrain(project)}",
    ]


def _ca_mount() -> list[str]:
    return [f"    {CA_CACHE_MOUNT} \\"]


def _trust(*variables: str) -> str:
    exports = " ".join(f"{v}={CA_BUNDLE}" for v in variables)
    return f"if [ -s {CA_BUNDLE} ]; then export {exports}; fi"


def _install(project: SourceProject) -> list[str]:
    """The dependency install: uv from the uv stage, wheels from the cache mount."""
    req = requirements_path(project)
    mounts = [
        f"    --mount=type=bind,source={src},target={DEPS_DIR}/{src} \\"
        for src in dependency_sources(project)
    ]
    held = ", ".join(project.build_constraints)
    why = (
        [
            f"# Packages built from source (no wheel) use {held}: the project's Django",
            "# predates the setuptools that removed names their setup.py files import.",
        ]
        if project.build_constraints
        else []
    )
    if project.resolve_before:
        why += [
            "# What the project does not pin resolves as of its Django's end of support",
            "# (--exclude-newer); what it pins with == is exempt (--exclude-newer-package).",
        ]
    return [
        *why,
        "# Only the dependency files are mounted, so a source edit never reaches this step;",
        "# the cache mount keeps every wheel, so adding a package downloads only that one.",
        f"# With {OFFLINE_ARG}=1 (dockdjango sets it for DOCKDJANGO_OFFLINE=1) the install",
        "# uses that cache alone.",
        f"ARG {OFFLINE_ARG}",
        f"RUN --mount=type=bind,from=uv,source={UV_DIR},target={UV_DIR} \\",
        "    --mount=type=cache,target=/root/.cache/uv \\",
        *_ca_mount(),
        *mounts,
        "    export UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never \\",
        f"    && {_trust('SSL_CERT_FILE')} \\",
        *_constrain(project),
        f"    && {UV_DIR}/bin/uv venv --seed --python python3 {VENV} \\",
        f"    && cd {DEPS_DIR} && {UV_DIR}/bin/uv pip install --python {VENV}/bin/python -r {req}"
        + _resolve_before(project)
        + _unconstrain(project),
    ]


#: Where the install step writes the build constraints (and removes them after).
BUILD_CONSTRAINTS_FILE = "/tmp/build-constraints.txt"


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
    if not project.resolve_before:
        return ""
    exempt = [f"--exclude-newer-package {name}=false" for name in project.pinned_names]
    rows = [" ".join(exempt[i : i + 2]) for i in range(0, len(exempt), 2)]
    return "".join(
        f" \\\n        {row}" for row in [f"--exclude-newer {project.resolve_before}", *rows]
    )


def _unconstrain(project: SourceProject) -> str:
    return f" \\\n    && rm {BUILD_CONSTRAINTS_FILE}" if project.build_constraints else ""


def prod_command(project: SourceProject, port: int = 8000) -> list[str]:
    """The final image's command: gunicorn (or uvicorn) for Django, else the entry script."""
    names = set(project.dependency_names)
    if project.django:
        if project.asgi_app and "uvicorn" in names and "gunicorn" not in names:
            return ["uvicorn", project.asgi_app, "--host", "0.0.0.0", "--port", str(port)]
        if project.wsgi_app and "gunicorn" in names:
            chdir = (
                [] if project.app_dir in ("", ".") else ["--chdir", f"{APP_DIR}/{project.app_dir}"]
            )
            return [
                "gunicorn",
                *chdir,
                project.wsgi_app,
                "--bind",
                f"0.0.0.0:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ]
        # no production server among the dependencies: Django's own, from /app
        return dev_command(port, project.manage_py or "manage.py")
    for script in ("main.py", "app.py", "__main__.py"):
        if (project.root / script).is_file():
            return ["python3", script]
    return ["python3"]


def dev_command(port: int = 8000, manage_py: str = "manage.py") -> list[str]:
    """Django's development server, listening on every interface of the container."""
    return ["python3", manage_py, "runserver", f"0.0.0.0:{port}"]


def _healthcheck(port: int) -> str:
    # The base image has python3 but no curl. Any answer below 500 means the server is up
    # (a 400 for an unlisted Host or a 404 at / still proves it serves requests).
    probe = (
        "import http.client as h, sys; "
        f"c = h.HTTPConnection('127.0.0.1', {port}, timeout=4); "
        "c.request('GET', '/'); sys.exit(c.getresponse().status >= 500)"
    )
    return (
        "HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD "
        + json.dumps(["python3", "-c", probe])
    )


def _apt(packages: list[str]) -> list[str]:
    return [
        "RUN apt-get update \\",
        f"    && apt-get install -y --no-install-recommends {' '.join(packages)} \\",
        "    && rm -rf /var/lib/apt/lists/*",
    ]
