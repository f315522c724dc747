"""Dockerfile generation: deterministic, cache-friendly order, CA only while building."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dockdjango.images.detect import detect
from dockdjango.images.dockerfile import DockerfileOptions, generate_dockerfile
from dockdjango.images.instructions import parse_dockerfile

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
        if ins.keyword == "ARG" and not out:
            continue  # the wheels image's build arg, before the first FROM
        if ins.keyword == "FROM":
            current = ins.args.split()[-1]
            out[current] = []
        out[current].append(ins.text)
    return out


def test_same_inputs_same_bytes(django_project: Path) -> None:
    opts = DockerfileOptions(ca_bundle=True)
    assert generate_dockerfile(detect(django_project), opts) == generate_dockerfile(
        detect(django_project), opts
    )


def test_cache_friendly_order_and_final_stage(django_project: Path) -> None:
    text = generate_dockerfile(detect(django_project), DockerfileOptions(ca_bundle=True))
    st = stages(text)
    assert list(st) == ["system", "wheels", "builder", "runtime", "dev"]
    builder = st["builder"]
    # only the dependency file before the install; the source is copied elsewhere, later
    assert builder[2] == "COPY requirements.txt ./"
    assert builder[3] == "COPY --from=wheels /wheels/ /wheels/"
    assert builder[-1].startswith("RUN /opt/venv/bin/pip install --no-index")
    assert not any(line.startswith("COPY . ") for line in builder)
    runtime = st["runtime"]
    assert "libpq5" in " ".join(runtime)  # psycopg 3 without [binary] loads libpq at run time
    i_venv = runtime.index("COPY --from=builder /opt/venv /opt/venv")
    i_user = runtime.index("USER app")
    # the source is the very last step: nothing but the copy rebuilds after a source edit
    assert runtime[-1] == "COPY --chown=app:app . /app"
    assert i_venv < i_user < len(runtime) - 1
    env = next(line for line in runtime if line.startswith("ENV "))
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env
    assert "DJANGO_SETTINGS_MODULE=site_cfg.settings" in env
    assert "EXPOSE 8000" in runtime
    cmd = json.loads(next(x for x in runtime if x.startswith("CMD ")).removeprefix("CMD "))
    assert cmd[:2] == ["gunicorn", "site_cfg.wsgi:application"]
    assert json.loads(st["dev"][-1].removeprefix("CMD ")) == [
        "python3",
        "manage.py",
        "runserver",
        "0.0.0.0:8000",
    ]


def test_ca_bundle_only_where_pip_goes_online(django_project: Path) -> None:
    # With the wheelhouse, pip in the build never goes online: no CA bundle in the Dockerfile
    # at all (the wheel-fetch container gets it directly).
    text = generate_dockerfile(detect(django_project), DockerfileOptions(ca_bundle=True))
    assert "ca-bundle" not in text and "PIP_CERT" not in text
    # Without it, the bundle is in the system stage only, and the source stage strips the
    # injected files before the final stage copies the source.
    opts = DockerfileOptions(ca_bundle=True, wheelhouse=False)
    st = stages(generate_dockerfile(detect(django_project), opts))
    assert any("ca-bundle" in line for line in st["system"])
    for name in ("source", "runtime", "dev"):
        assert not any("ca-bundle" in line or "PIP_CERT" in line for line in st[name])
    assert st["source"] == [st["source"][0], "COPY . /src", "RUN rm -rf /src/.dockdjango"]
    assert st["runtime"][-1] == "COPY --from=source --chown=app:app /src /app"


def test_without_injected_files_the_source_is_copied_directly(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print(1)\n")
    text = generate_dockerfile(detect(tmp_path), DockerfileOptions(ca_bundle=False))
    st = stages(text)
    assert "source" not in st
    assert st["runtime"][-1] == "COPY --chown=app:app . /app"
    assert st["runtime"][-2] == 'CMD ["python3", "app.py"]'


def test_options_base_packages_and_steps(django_project: Path) -> None:
    opts = DockerfileOptions(
        base_image="python:3.12-slim",
        system_packages=("gettext",),
        build_packages=("git",),
        build_steps=("RUN echo system",),
        app_steps=("RUN python3 manage.py collectstatic --noinput",),
        wheelhouse=False,
    )
    st = stages(generate_dockerfile(detect(django_project), opts))
    assert st["system"][0] == "FROM python:3.12-slim AS system"
    assert any("git" in line for line in st["system"]) and st["system"][-1] == "RUN echo system"
    assert any("gettext" in line for line in st["runtime"])
    assert "RUN python3 manage.py collectstatic --noinput" in st["runtime"]
    assert st["builder"][-1] == "RUN /opt/venv/bin/pip install -r requirements.txt"


def test_lock_projects_install_from_an_injected_requirements_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\ndependencies=["six"]\n')
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "six"\nversion = "1.16.0"\n')
    (tmp_path / "main.py").write_text("")
    st = stages(generate_dockerfile(detect(tmp_path)))
    assert "COPY .dockdjango/requirements.txt .dockdjango/" in st["builder"]


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
