"""The Dockerfile dockdjango writes for a project: portable, cache-friendly, deterministic.

It builds with plain ``docker build`` / ``docker compose build`` (BuildKit) from the
project's files alone -- no build args, no image only dockdjango can make -- and a plain
``docker build .`` gives the runtime image: that stage is last, and compose names
``target: dev``. Stages, from what changes least to what changes most:

``uv``         the installer (:mod:`dockdjango.images.installs`), mounted where needed
``build``      (when anything may compile) a C toolchain and the libraries' headers; the
               runtime dependencies are installed here into ``/opt/venv``, copied later
``build-dev``  (the same, with dev dependencies) the dev target's virtualenv on top of it
``common``     (Django) what runtime and dev share, up to the source copy: run-time
               packages, the app user (owning ``/app``), the environment, the command
``dev``        runserver, the dev dependencies, the source
``runtime``    what runs: no compiler, no CA bundle, not root; the source last

Everything that compiles compiles in a stage with the toolchain: without one, the
dependencies install in ``common`` (and the dev ones in ``dev``, before its source copy).

Behind a TLS-intercepting proxy the installs trust the CA bundle found in the
``dockdjango-ca`` cache mount (a dockdjango build mounts the host's bundle there); a
cache mount is never part of an image, and where it is empty (no proxy, another machine)
the installs use the default trust store -- so the committed file builds everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dockdjango.detection.detect import SourceProject
from dockdjango.images.installs import (
    APP_DIR,
    DERIVED_DEV_REQUIREMENTS,
    DERIVED_REQUIREMENTS,
    OFFLINE_ARG,
    UV_IMAGE,
    VENV,
    derived_files,
    install_dev,
    install_itself,
    install_runtime,
    installs_dependencies,
    uv_stage,
)

__all__ = [
    "DERIVED_DEV_REQUIREMENTS",
    "DERIVED_REQUIREMENTS",
    "OFFLINE_ARG",
    "UV_IMAGE",
    "DockerfileOptions",
    "derived_files",
    "derived_requirements",
    "dev_command",
    "generate_dockerfile",
    "mounted_files",
    "prod_command",
]

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
    #: The uv image to copy uv from where a registry serves it (:data:`UV_IMAGE`); None
    #: fetches the same release from PyPI.
    uv_image: str | None = None


def mounted_files(dockerfile: str) -> list[str]:
    """The context paths the file's ``RUN --mount=type=bind`` steps read (no stage's)."""
    from dockdjango.detection.dockerfile_syntax import parse_dockerfile, run_mounts

    found = []
    for ins in parse_dockerfile(dockerfile):
        if ins.keyword != "RUN":
            continue
        for mount in run_mounts(ins.args):
            if mount.get("type", "bind") == "bind" and "from" not in mount:
                source = mount.get("source") or mount.get("src")
                if source:
                    found.append(source.lstrip("/"))
    return list(dict.fromkeys(found))


def derived_requirements(project: SourceProject) -> bytes | None:
    """The runtime requirements file to write for a source no installer reads, else None."""
    return derived_files(project).get(DERIVED_REQUIREMENTS)


#: The stages the file may have, by job (see the module docstring).
BUILD_STAGE, BUILD_DEV_STAGE, COMMON_STAGE = "build", "build-dev", "common"
#: Where the dev target keeps what Django writes outside the bind-mounted source (SQLite
#: files, uploads), and the HOME of whichever uid runs it.
DEV_DATA_DIR = "/data"
DEV_HOME = "/home/dev"


@dataclass(frozen=True)
class _Shape:
    """Which stages a project's file has."""

    installs: bool  # third-party dependencies are installed
    compiles: bool  # ... in a build stage with a toolchain
    dev_install: bool  # the dev target adds dev dependencies
    build_packages: tuple[str, ...]


def _shape(project: SourceProject, opts: DockerfileOptions) -> _Shape:
    build_pkgs = tuple(sorted(set(project.build_packages) | set(opts.build_packages)))
    installs = installs_dependencies(project)
    dev_install = project.django and bool(project.dev_requirements) and installs
    return _Shape(installs, bool(build_pkgs) and installs, dev_install, build_pkgs)


def generate_dockerfile(project: SourceProject, options: DockerfileOptions | None = None) -> str:
    """The Dockerfile text for ``project``; the same inputs always give the same bytes."""
    opts = options or DockerfileOptions()
    shape = _shape(project, opts)
    lines: list[str] = [
        "# Generated by dockdjango; `docker build .` gives the runtime image, `--target dev`",
        "# (what compose builds) Django's autoreloading server. Commit it and edit it freely:",
        "# dockdjango uses a Dockerfile it finds in the project as it is. Order matters for",
        "# the layer cache: what changes least comes first, the source last.",
    ]
    if shape.installs or project.install_project:
        lines += ["", *uv_stage(opts.base_image, opts.uv_image)]
    if shape.compiles:
        lines += [
            "",
            "# --- build: a C toolchain and headers for whatever builds from source (not kept)",
            f"FROM {opts.base_image} AS {BUILD_STAGE}",
            *_apt(list(shape.build_packages)),
            *opts.build_steps,
            *install_runtime(project),
        ]
        if shape.dev_install:
            lines += [
                "",
                "# --- build-dev: the dev target's virtualenv, compiled with the same toolchain",
                f"FROM {BUILD_STAGE} AS {BUILD_DEV_STAGE}",
                *install_dev(project),
            ]
    source = [
        f"COPY --chown={APP_USER}:{APP_USER} . {APP_DIR}",
        *install_itself(project),
        *([f"USER {APP_USER}"] if project.install_project else []),
        *opts.app_steps,
    ]
    if not project.django:
        lines += ["", "# --- runtime: what runs; no compilers, no CA bundle, not root ---"]
        lines += [f"FROM {opts.base_image} AS runtime", *_common(project, opts, shape)]
        return "\n".join([*lines, *_venv_from(shape, BUILD_STAGE), *source]) + "\n"
    lines += [
        "",
        f"# --- {COMMON_STAGE}: what runtime and dev share, up to the source copy ---",
        f"FROM {opts.base_image} AS {COMMON_STAGE}",
        *_common(project, opts, shape),
        "",
        *_dev_stage(project, opts.port, shape, source),
        "",
        "# --- runtime (last: `docker build .` gives it): no compilers, no CA bundle, not root",
        f"FROM {COMMON_STAGE} AS runtime",
        *_venv_from(shape, BUILD_STAGE),
        *source,
    ]
    return "\n".join(lines) + "\n"


def _common(project: SourceProject, opts: DockerfileOptions, shape: _Shape) -> list[str]:
    """Run-time packages, the app user, the environment, the dependencies when nothing
    compiles, and the image's command: everything before the source."""
    runtime_pkgs = set(project.runtime_packages) | set(opts.system_packages)
    if shape.build_packages and not shape.compiles:
        runtime_pkgs |= set(shape.build_packages)
    lines = _apt(sorted(runtime_pkgs)) if runtime_pkgs else []
    lines += [
        f"# The app user owns {APP_DIR}, so Django can write there (SQLite, static, media).",
        f"RUN useradd --create-home --no-log-init --uid {APP_UID} {APP_USER} \\",
        f"    && install -d -o {APP_USER} -g {APP_USER} {APP_DIR}"
        # made here (empty) rather than in dev, so a source edit rebuilds the copy only
        + (f" \\\n    && install -d -m 1777 {DEV_DATA_DIR} {DEV_HOME}" if project.django else ""),
    ]
    env = [
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        f"VIRTUAL_ENV={VENV}",
        f"PATH={VENV}/bin:$PATH",
    ]
    if project.settings_module:
        env.append(f"DJANGO_SETTINGS_MODULE={project.settings_module}")
    lines += ["ENV " + " ".join(env), f"WORKDIR {APP_DIR}"]
    if not shape.compiles:
        lines += list(opts.build_steps)
        if shape.installs:
            lines += install_runtime(project)
    # Everything that does not depend on the source goes before it, so a source edit
    # rebuilds only the copy (and the app steps) instead of a tail of metadata steps.
    lines.append(f"USER {APP_USER}")
    if project.django:
        lines += [f"EXPOSE {opts.port}", _healthcheck(opts.port)]
    command = prod_command(project, opts.port)
    if command[:2] == ["python3", "manage.py"]:
        lines.append("STOPSIGNAL SIGINT")  # runserver as PID 1 stops on SIGINT, not SIGTERM
    lines.append("CMD " + json.dumps(command))
    return lines


def _venv_from(shape: _Shape, stage: str) -> list[str]:
    return [f"COPY --from={stage} {VENV} {VENV}"] if shape.compiles else []


def _dev_stage(project: SourceProject, port: int, shape: _Shape, source: list[str]) -> list[str]:
    """The ``dev`` target: runserver from manage.py's directory, the dev dependencies, and
    any uid able to run it (compose passes the checkout owner's, as Dev Containers'
    updateRemoteUserUID does, so files made in a bind-mounted checkout are the owner's).
    Its dependencies come before its source copy, so an edit never reinstalls them."""
    lines = [
        "# --- dev: what compose builds (`target: dev`): Django's autoreloading server ---",
        f"FROM {COMMON_STAGE} AS dev",
    ]
    if shape.compiles:
        lines += _venv_from(shape, BUILD_DEV_STAGE if shape.dev_install else BUILD_STAGE)
    elif shape.dev_install:
        lines += ["USER root", *install_dev(project)]
    lines += [
        *WATCHMAN,
        "# Whatever uid runs this (`user:` in compose), it has a HOME and a data directory",
        f"# (both made before the source copy: {DEV_DATA_DIR}, {DEV_HOME}), and a USER name",
        "# (watchman names its state directory after it; the uid may be unknown here).",
        f"ENV HOME={DEV_HOME} USER=dev",
        f"USER {APP_USER}",
        *source,
    ]
    if project.app_dir not in ("", "."):
        lines.append(f"WORKDIR {APP_DIR}/{project.app_dir}")
    return [
        *lines,
        *WATCHMAN_FIRST,
        "# runserver as PID 1 stops at once on SIGINT (it ignores SIGTERM).",
        "STOPSIGNAL SIGINT",
        "CMD " + json.dumps(dev_command(port)),
    ]


#: The dev target's reloader: Django's runserver uses watchman when ``pywatchman`` imports
#: and the ``watchman`` binary answers, and then sees an edit at once rather than at its
#: next once-a-second poll. Debian packages both (bookworm; trixie and sid dropped watchman:
#: there the reloader polls, as the build output says); the module is linked into the virtualenv
#: (a Python that cannot load its C part uses its pure-Python one). The package lists and
#: archives are cache mounts, so a dependency change that re-runs this step downloads
#: nothing again.
WATCHMAN = [
    "# watchman: runserver's autoreloader sees an edit at once, not at its next poll.",
    "USER root",
    "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\",
    "    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\",
    "    rm -f /etc/apt/apt.conf.d/docker-clean \\",
    "    && apt-get update \\",
    "    && if apt-cache show watchman >/dev/null 2>&1; then \\",
    "         apt-get install -y --no-install-recommends watchman python3-pywatchman \\",
    f"         && for d in {VENV}/lib/python3*/site-packages; do \\",
    '              if [ -d "$d" ]; then \\',
    '                ln -sf /usr/lib/python3/dist-packages/pywatchman "$d/"; fi; \\',
    "            done; \\",
    "       else echo 'watchman is not packaged in this Debian suite: runserver polls'; fi",
]

#: Before runserver starts, watchman watches the source, the virtualenv and the standard
#: library. Django's reloader asks watchman for a change only after watching every
#: directory its modules come from, and each is a crawl (seconds on a cold start); the
#: server answers before that, so an edit made as soon as the site answers was lost. With
#: the crawl done first, the reloader is ready about when the server is, as with Django's
#: own once-a-second scan. Other commands (a shell, tests) start as they are.
WATCHMAN_FIRST = [
    "# runserver: watchman has watched the source and the virtualenv before it starts,",
    "# so an edit made as soon as the site answers is seen.",
    "ENTRYPOINT "
    + json.dumps(
        [
            "sh",
            "-c",
            # a stop while watchman crawls ends the shell (PID 1 ignores untrapped signals)
            "trap 'exit 130' INT TERM; "
            'case "$*" in *runserver*) for d in "$PWD" '
            + f"{VENV}/lib/python3*/site-packages /usr/lib/python3.* "
            + "/usr/lib/python3/dist-packages; do "
            + 'watchman watch-project "$d" >/dev/null 2>&1; done;; esac; exec "$@"',
            "dev",
        ]
    ),
]


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
    # (a 400 for an unlisted Host or a 404 at / still proves it serves requests). A compose
    # file's own command may serve elsewhere (`runserver 0.0.0.0:80`): when nothing listens
    # on the port and exactly one other TCP port listens on every address in the container
    # (Docker's DNS listens on 127.0.0.11 in it, and is no server of the project), that one
    # is asked.
    probe = (
        "import http.client as h, os, sys; "
        "A = [r.split()[1].split(':') for f in ('/proc/net/tcp', '/proc/net/tcp6') "
        "if os.path.exists(f) for r in open(f).read().splitlines()[1:] if r.split()[3] == '0A']; "
        "W = {int(b, 16) for a, b in A if not a.strip('0')}; "
        f"p = {port} if {port} in {{int(b, 16) for a, b in A}} or len(W) != 1 else W.pop(); "
        "c = h.HTTPConnection('127.0.0.1', p, timeout=4); "
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
