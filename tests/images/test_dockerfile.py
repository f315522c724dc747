"""Dockerfile generation: deterministic, cache-friendly order, CA only while building."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
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


def test_cache_friendly_order_and_final_stage(django_project: Path) -> None:
    text = generate_dockerfile(detect(django_project))
    assert "${" not in text.split("FROM", 1)[0]  # no build arg needed before the first FROM
    st = stages(text)
    assert list(st) == ["uv", "runtime", "dev"]  # no C build: no build stage
    runtime = st["runtime"]
    assert "libpq5" in " ".join(runtime)  # psycopg 3 without [binary] loads libpq at run time
    install = next(i for i, line in enumerate(runtime) if "uv pip install" in line)
    # only the dependency files reach the install, through a bind mount; a cache mount keeps
    # the wheels; the installer comes from the uv stage and never lands in the image
    text_install = runtime[install]
    assert "--mount=type=bind,source=requirements.txt" in text_install
    assert "--mount=type=cache,target=/root/.cache/uv" in text_install
    assert "--mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv" in text_install
    assert not any(line.startswith("COPY . ") for line in runtime[:install])
    i_user = runtime.index("USER app")
    # the source is the very last step: nothing but the copy rebuilds after a source edit
    assert runtime[-1] == "COPY --chown=app:app . /app"
    assert install < i_user < len(runtime) - 1
    # the app user owns /app (Django writes SQLite, static and media files there)
    assert any("install -d -o app -g app /app" in line for line in runtime)
    env = next(line for line in runtime if line.startswith("ENV "))
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env
    assert "DJANGO_SETTINGS_MODULE=site_cfg.settings" in env
    assert "EXPOSE 8000" in runtime
    cmd = json.loads(next(x for x in runtime if x.startswith("CMD ")).removeprefix("CMD "))
    assert cmd[:2] == ["gunicorn", "site_cfg.wsgi:application"]
    assert "STOPSIGNAL SIGINT" in st["dev"]  # runserver as PID 1 ignores SIGTERM
    assert json.loads(st["dev"][-1].removeprefix("CMD ")) == [
        "python3",
        "manage.py",
        "runserver",
        "0.0.0.0:8000",
    ]


def test_dev_dependencies_install_before_the_dev_source_copy(django_project: Path) -> None:
    """runtime and dev share a stage that ends before the source: dev installs its extra
    dependencies, then copies the source, so an edit never reinstalls them."""
    (django_project / "requirements-dev.txt").write_text("-r requirements.txt\npytest==8.0\n")
    st = stages(generate_dockerfile(detect(django_project)))
    assert list(st) == ["uv", "deps", "runtime", "dev"]
    assert not any(line.startswith("COPY --chown") for line in st["deps"])
    assert st["runtime"] == ["FROM deps AS runtime", "COPY --chown=app:app . /app"]
    dev = st["dev"]
    assert dev[0] == "FROM deps AS dev"
    install = next(i for i, line in enumerate(dev) if "pip install" in line)
    assert "-r requirements-dev.txt" in dev[install]
    assert install < dev.index("COPY --chown=app:app . /app") < len(dev) - 1
    assert dev.index("USER app") < dev.index("COPY --chown=app:app . /app")
    # without dev dependencies the file keeps its simpler shape: dev starts from runtime
    (django_project / "requirements-dev.txt").unlink()
    assert stages(generate_dockerfile(detect(django_project)))["dev"][0] == "FROM runtime AS dev"


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
    install = next(line for line in st["runtime"] if "uv pip install" in line)
    assert "if [ -s /run/dockdjango-ca/ca.pem ]; then export SSL_CERT_FILE=" in install


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
    assert any("gettext" in line for line in st["runtime"])
    assert "RUN python3 manage.py collectstatic --noinput" in st["runtime"]


def test_lock_projects_install_a_derived_requirements_file(tmp_path: Path) -> None:
    from dockdjango.images.dockerfile import DERIVED_REQUIREMENTS, derived_requirements

    project = detect(Path(__file__).parent / "data" / "locked")
    install = next(
        line for line in stages(generate_dockerfile(project))["runtime"] if "uv pip" in line
    )
    assert f"--mount=type=bind,source={DERIVED_REQUIREMENTS}," in install
    derived = (derived_requirements(project) or b"").decode()
    assert derived.startswith("# Written by dockdjango from ") and "uv.lock" in derived
    assert "six==1.16.0" in derived.splitlines()


def _probe(port: int) -> list[str]:
    text = generate_dockerfile(
        detect(Path(__file__).parent / "data" / "django_min"), DockerfileOptions(port=port)
    )
    line = next(i for i in parse_dockerfile(text) if i.keyword == "HEALTHCHECK")
    words = json.loads(line.args[line.args.index("[") :])
    assert words[0] == "python3"
    return [sys.executable, *words[1:]]


def test_healthcheck_probe_is_healthy_below_500_and_not_when_down() -> None:
    codes = iter([404, 503])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(next(codes))
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert subprocess.run(_probe(port), timeout=10).returncode == 0  # 404: up
        assert subprocess.run(_probe(port), timeout=10).returncode == 1  # 503: unhealthy
    finally:
        server.shutdown()
        server.server_close()
    assert subprocess.run(_probe(port), timeout=10, capture_output=True).returncode != 0
