"""Dockerfile generation: deterministic, cache-friendly order, CA only while building."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockdjango.detection.detect import detect
from dockdjango.detection.dockerfile_syntax import parse_dockerfile
from dockdjango.images.dockerfile import DockerfileOptions, generate_dockerfile

MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n'


@pytest.fixture
def django_project(tmp_path: Path) -> Path:
    files = {
        "manage.py": MANAGE,
        "site_cfg/settings.py": "",
        "site_cfg/wsgi.py": "",
        "requirements.txt": "Django==5.2\ngunicorn==23.0.0\npsycopg==3.2\n",
        "books/views.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def stages(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for ins in parse_dockerfile(text):
        if ins.keyword == "FROM":
            current = ins.args.split()[-1]
            out[current] = []
        out[current].append(ins.text)
    return out


def test_same_inputs_same_bytes(django_project: Path) -> None:
    assert generate_dockerfile(detect(django_project)) == generate_dockerfile(
        detect(django_project)
    )


def test_cache_friendly_order_and_runtime_last(django_project: Path) -> None:
    text = generate_dockerfile(detect(django_project))
    assert "${" not in text.split("FROM", 1)[0]  # no build arg needed before the first FROM
    st = stages(text)
    # no C build: no build stage; the runtime stage is last, so `docker build .` gives it
    assert list(st) == ["uv", "common", "dev", "runtime"]
    common = st["common"]
    assert "libpq5" in " ".join(common)  # psycopg 3 without [binary] loads libpq at run time
    install = next(i for i, line in enumerate(common) if "uv pip install" in line)
    # only the dependency files reach the install, through a bind mount; a cache mount keeps
    # the wheels; the installer comes from the uv stage and never lands in the image
    text_install = common[install]
    assert "--mount=type=bind,source=requirements.txt" in text_install
    assert "--mount=type=cache,target=/root/.cache/uv" in text_install
    assert "--mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv" in text_install
    assert not any(line.startswith("COPY") for line in common)
    assert install < common.index("USER app")
    # the source is the very last step of both targets
    assert st["runtime"] == ["FROM common AS runtime", "COPY --chown=app:app . /app"]
    assert st["dev"][0] == "FROM common AS dev"
    assert "COPY --chown=app:app . /app" in st["dev"]
    # the app user owns /app (Django writes SQLite, static and media files there)
    assert any("install -d -o app -g app /app" in line for line in common)
    env = next(line for line in common if line.startswith("ENV "))
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env
    assert "DJANGO_SETTINGS_MODULE=site_cfg.settings" in env
    assert "EXPOSE 8000" in common
    cmd = json.loads(next(x for x in common if x.startswith("CMD ")).removeprefix("CMD "))
    assert cmd[:2] == ["gunicorn", "site_cfg.wsgi:application"]
    assert "STOPSIGNAL SIGINT" in st["dev"]  # runserver as PID 1 ignores SIGTERM
    assert json.loads(st["dev"][-1].removeprefix("CMD ")) == [
        "python3",
        "manage.py",
        "runserver",
        "0.0.0.0:8000",
    ]


def test_dev_dependencies_install_before_the_dev_source_copy(django_project: Path) -> None:
    """Without a compiler, dev installs its extra dependencies on common, then copies the
    source, so an edit never reinstalls them."""
    (django_project / "requirements-dev.txt").write_text("-r requirements.txt\npytest==8.0\n")
    st = stages(generate_dockerfile(detect(django_project)))
    assert list(st) == ["uv", "common", "dev", "runtime"]
    assert st["runtime"] == ["FROM common AS runtime", "COPY --chown=app:app . /app"]
    dev = st["dev"]
    install = next(i for i, line in enumerate(dev) if "pip install" in line)
    assert "-r requirements-dev.txt" in dev[install]
    assert dev.index("USER root") < install < dev.index("COPY --chown=app:app . /app")
    assert dev.index("USER app") < dev.index("COPY --chown=app:app . /app")


def test_the_dev_target_reloads_through_watchman(django_project: Path) -> None:
    """runserver uses watchman when pywatchman imports and watchman answers: installed in
    dev after its dependencies (linked into their virtualenv), before its source copy;
    never in the runtime image."""
    (django_project / "requirements-dev.txt").write_text("-r requirements.txt\npytest==8.0\n")
    st = stages(generate_dockerfile(detect(django_project)))
    dev = st["dev"]
    watchman = next(i for i, line in enumerate(dev) if "install -y" in line and "watchman" in line)
    assert "python3-pywatchman" in dev[watchman]
    assert "/opt/venv/lib/python3*/site-packages" in dev[watchman]
    # the package lists and archives are cache mounts: a re-run downloads nothing again
    assert "--mount=type=cache,target=/var/lib/apt/lists" in dev[watchman]
    install = next(i for i, line in enumerate(dev) if "pip install" in line)
    assert install < watchman < dev.index("COPY --chown=app:app . /app")
    # whatever uid runs it has a name for watchman's state directory
    assert any(line.startswith("ENV ") and "USER=dev" in line for line in dev)
    # runserver starts once watchman has watched the source and the virtualenv (its
    # reloader is ready when the site answers); any other command starts as it is
    entry = json.loads(next(line for line in dev if line.startswith("ENTRYPOINT "))[11:])
    assert entry[:2] == ["sh", "-c"] and entry[2].endswith('exec "$@"')
    assert "*runserver*)" in entry[2] and "watchman watch-project" in entry[2]
    assert '"$PWD" /opt/venv/lib/python3*/site-packages' in entry[2]
    assert not any("watchman" in line for line in st["runtime"] + st["common"])


def test_everything_that_compiles_compiles_where_the_toolchain_is(tmp_path: Path) -> None:
    """Class 1: the dev target's dependencies (which start with the runtime ones) are
    built in a stage with the toolchain too, and the dev virtualenv is copied."""
    for name, text in {
        "manage.py": MANAGE,
        "site_cfg/settings.py": "",
        "requirements.txt": "Django==5.2\nmysqlclient==2.2.7\n",
        "requirements-dev.txt": "-r requirements.txt\npsycopg2==2.9.10\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    st = stages(generate_dockerfile(detect(tmp_path)))
    assert list(st) == ["uv", "build", "build-dev", "common", "dev", "runtime"]
    assert st["build-dev"][0] == "FROM build AS build-dev"
    assert any("-r requirements-dev.txt" in line for line in st["build-dev"])
    assert "COPY --from=build-dev /opt/venv /opt/venv" in st["dev"]
    assert "COPY --from=build /opt/venv /opt/venv" in st["runtime"]
    for name in ("common", "dev", "runtime"):  # no install, no compiler outside the build
        assert not any("pip install" in line or "gcc" in line for line in st[name]), name
    apt = next(line for line in st["build"] if "apt-get install" in line)
    assert {"gcc", "pkg-config", "python3.11-dev", "default-libmysqlclient-dev"} <= set(apt.split())
    assert any("libmariadb3" in line for line in st["common"])


def test_an_unknown_requirement_brings_the_toolchain(tmp_path: Path) -> None:
    """Class 2: without a lock, a name nobody knows to have wheels may be an sdist with C
    code: the build stage gets gcc, the Python headers and pkg-config, and says why."""
    (tmp_path / "main.py").write_text("")
    (tmp_path / "requirements.txt").write_text("Django==5.2\ncmarkgfm==2024.11.20\n")
    project = detect(tmp_path)
    assert {"gcc", "pkg-config", "python3.11-dev"} <= set(project.build_packages)
    assert any("cmarkgfm may build from source" in a for a in project.assumptions)
    assert list(stages(generate_dockerfile(project))) == ["uv", "build", "runtime"]
    # names known to install without a compiler keep the simpler file
    (tmp_path / "requirements.txt").write_text("Django==5.2\nwhitenoise==6.9\n")
    assert detect(tmp_path).build_packages == ()


def test_ca_bundle_only_through_the_cache_mount(django_project: Path) -> None:
    """The proxy's CA reaches the installs through a cache mount, never a COPY or an ENV."""
    st = stages(generate_dockerfile(detect(django_project)))
    for name, lines in st.items():
        for line in lines:
            if "ca.pem" in line:
                assert "--mount=type=cache,id=dockdjango-ca,target=/run/dockdjango-ca" in line
                assert line.startswith("RUN "), (name, line)
            assert not line.startswith(("COPY", "ADD", "ENV")) or "ca" not in line.split()[-1]
    # where the mount is empty the install trusts the default store: the file builds anywhere
    install = next(line for line in st["common"] if "uv pip install" in line)
    assert "if [ -s /run/dockdjango-ca/ca.pem ]; then export SSL_CERT_FILE=" in install


def test_uv_comes_from_its_image_where_a_registry_serves_it(django_project: Path) -> None:
    from dockdjango.images.installs import UV_IMAGE, UV_VERSION

    project = detect(django_project)
    st = stages(generate_dockerfile(project, DockerfileOptions(uv_image=UV_IMAGE)))
    assert st["uv"] == ["FROM scratch AS uv", f"COPY --from={UV_IMAGE} /uv /uvx /opt/uv/bin/"]
    # without a registry, the same release from PyPI
    fetch = stages(generate_dockerfile(project))["uv"][1]
    assert "https://pypi.org/simple/uv/" in fetch and f"'uv-{UV_VERSION}-'" in fetch


def test_a_project_without_dependencies_has_no_installer(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print(1)\n")
    st = stages(generate_dockerfile(detect(tmp_path)))
    assert list(st) == ["runtime"]
    assert st["runtime"][-1] == "COPY --chown=app:app . /app"
    assert st["runtime"][-2] == 'CMD ["python3", "app.py"]'


def test_c_builds_happen_in_a_build_stage_only(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("psycopg2==2.9.10\n")
    (tmp_path / "main.py").write_text("")
    st = stages(generate_dockerfile(detect(tmp_path)))
    assert list(st) == ["uv", "build", "runtime"]
    assert any("gcc" in line and "libpq-dev" in line for line in st["build"])
    assert any("uv pip install" in line for line in st["build"])
    assert "COPY --from=build /opt/venv /opt/venv" in st["runtime"]
    assert not any("gcc" in line or "-dev" in line for line in st["runtime"])
    assert any("libpq5" in line for line in st["runtime"])


def test_options_base_packages_and_steps(django_project: Path) -> None:
    opts = DockerfileOptions(
        base_image="python:3.12-slim",
        system_packages=("gettext",),
        build_packages=("git",),
        build_steps=("RUN echo system",),
        app_steps=("RUN python3 manage.py collectstatic --noinput",),
    )
    st = stages(generate_dockerfile(detect(django_project), opts))
    assert st["uv"][0] == "FROM python:3.12-slim AS uv"
    assert any("git" in line for line in st["build"]) and "RUN echo system" in st["build"]
    assert any("gettext" in line for line in st["common"])
    assert "RUN python3 manage.py collectstatic --noinput" in st["runtime"]


def test_lock_projects_without_an_installer_get_derived_files(tmp_path: Path) -> None:
    """poetry.lock: no installer reads it, so dockdjango exports it to files the Dockerfile
    mounts (the dev group to its own file: no pinned lines inline in a RUN)."""
    from dockdjango.images.dockerfile import (
        DERIVED_DEV_REQUIREMENTS,
        DERIVED_REQUIREMENTS,
        derived_files,
    )

    project = detect(Path(__file__).parent / "data" / "poetry_site")
    text = generate_dockerfile(project)
    assert f"--mount=type=bind,source={DERIVED_REQUIREMENTS}," in text
    files = derived_files(project)
    runtime = files[DERIVED_REQUIREMENTS].decode()
    assert runtime.startswith("# Written by dockdjango from ") and "poetry.lock" in runtime
    if project.dev_requirements:
        assert f"-r {DERIVED_DEV_REQUIREMENTS}" in text
        assert not any("==" in line for line in text.splitlines() if "pip install" in line)


def test_uv_lock_is_used_as_a_lock() -> None:
    """Class 4: uv.lock and pyproject.toml are mounted and `uv sync --locked` installs them,
    groups by name; no derived file, and the text does not depend on the lock's content."""
    from dockdjango.images.dockerfile import derived_files

    project = detect(Path(__file__).parent / "data" / "locked")
    text = generate_dockerfile(project)
    assert derived_files(project) == {}
    install = next(line for line in text.split("\n\n") if "uv sync" in line)
    assert "--mount=type=bind,source=uv.lock,target=/tmp/dependencies/uv.lock" in install
    assert "--mount=type=bind,source=pyproject.toml," in install
    assert "uv sync --locked --no-install-project --python python3 --no-default-groups" in install
    assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in install
    assert "six" not in text  # what the lock pins stays in the lock


def _probe(port: int) -> list[str]:
    text = generate_dockerfile(
        detect(Path(__file__).parent / "data" / "django_min"), DockerfileOptions(port=port)
    )
    line = next(i for i in parse_dockerfile(text) if i.keyword == "HEALTHCHECK")
    words = json.loads(line.args[line.args.index("[") :])
    assert words[0] == "python3"
    return [sys.executable, *words[1:]]


def _in_own_network(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` (Python) in a network namespace of its own, as a container has."""
    return subprocess.run(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" -c "$1"', sys.executable,
         script],
        capture_output=True,
        text=True,
        timeout=30,
    )


def _probe_in_namespace(listen: list[tuple[str, int]], status: int) -> int:
    """The generated probe's exit code (image port 8000) in a network namespace where
    servers answering ``status`` listen on ``listen``."""
    if _in_own_network("pass").returncode != 0:
        pytest.skip("no network namespaces here (unshare -n)")
    probe = _probe(8000)[2]
    script = (
        "import http.server, subprocess, sys, threading\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        f"        self.send_response({status}); self.end_headers()\n"
        "    def log_message(self, *a): pass\n"
        f"for address in {listen!r}:\n"
        "    s = http.server.HTTPServer(address, H)\n"
        "    threading.Thread(target=s.serve_forever, daemon=True).start()\n"
        f"sys.exit(subprocess.run([sys.executable, '-c', {probe!r}]).returncode)\n"
    )
    return _in_own_network(script).returncode


def test_healthcheck_probe_is_healthy_below_500_and_not_when_down() -> None:
    assert _probe_in_namespace([("127.0.0.1", 8000)], 404) == 0  # 404: up
    assert _probe_in_namespace([("127.0.0.1", 8000)], 503) == 1  # 503: unhealthy
    assert _probe_in_namespace([], 200) == 1  # nothing listens


def test_healthcheck_probe_finds_the_one_port_a_compose_command_serves_on() -> None:
    """A compose file's own command serving on another port (``runserver 0.0.0.0:80``)
    than the image's: the probe asks the one port that listens on every address (not
    Docker's DNS on 127.0.0.11); with two, neither; the image's port first when it listens."""
    dns = ("127.0.0.11", 53053)
    assert _probe_in_namespace([dns, ("0.0.0.0", 8080)], 302) == 0
    assert _probe_in_namespace([dns, ("0.0.0.0", 8080), ("0.0.0.0", 8081)], 302) == 1
    assert _probe_in_namespace([("127.0.0.1", 8000), ("0.0.0.0", 8080)], 200) == 0
