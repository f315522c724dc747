"""The generated services are right for what they run: the web service's health check asks
a URL the project has and wants an answer below 400; Celery's worker and beat are not
published and do not inherit the web server's check; the dev service answers on this
machine's names when the settings read ALLOWED_HOSTS / CSRF_TRUSTED_ORIGINS from the
environment or a .env -- never the runtime image."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from test_stackfile import write

from dockdjango.compose.loader.pipeline import load_dict
from dockdjango.detection.detect import detect
from dockdjango.images.dockerfile import generate_dockerfile
from dockdjango.images.stackfile import SiteProbe, compose_file, site_probe


def django_project(root: Path, *, settings: str = "", urls: str | None = None, **extra: str):
    files = {
        "requirements.txt": "Django>=5.2,<5.3\n",
        "manage.py": "import os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
        "proj/__init__.py": "",
        "proj/settings.py": "import os\nROOT_URLCONF = 'proj.urls'\n" + settings,
        **extra,
    }
    if urls is not None:
        files["proj/urls.py"] = urls
    return write(root, files)


ADMIN_ONLY = (
    "from django.contrib import admin\nfrom django.urls import path\n"
    "urlpatterns = [path('admin/', admin.site.urls)]\n"
)
WITH_ROOT = ADMIN_ONLY.replace("urlpatterns = [", "urlpatterns = [path('', lambda r: None), ")


@pytest.mark.parametrize(
    ("urls", "probe", "announced"),
    [
        (WITH_ROOT, SiteProbe("/", accept_404=False), {"site": "/", "admin": "/admin/"}),
        (ADMIN_ONLY, SiteProbe("/admin/login/", accept_404=False), {"admin": "/admin/"}),
        (None, SiteProbe("/", accept_404=True), {"site": "/"}),
    ],
    ids=["routes-root", "admin-only", "urlconf-unreadable"],
)
def test_the_health_check_asks_a_url_the_project_has(tmp_path, urls, probe, announced):
    project = detect(django_project(tmp_path / "p", urls=urls))
    assert site_probe(project) == probe
    web = yaml.safe_load(compose_file(project).text)["services"]["web"]
    assert web["healthcheck"]["test"] == probe.command(8000)
    assert web["x-dockdjango"]["urls"] == announced


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"body")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "accept_404", "healthy"),
    [
        (200, False, True),
        (302, False, True),
        (400, False, False),
        (400, True, False),
        (404, False, False),
        (404, True, True),
        (500, True, False),
    ],
)
def test_the_probe_passes_below_400_only(status, accept_404, healthy):
    """The check's own Python, run against a real server answering ``status``."""
    handler = type("Answer", (_Answer,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code = SiteProbe("/", accept_404).command(server.server_address[1])[3]
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
        )
    finally:
        server.shutdown()
    assert (run.returncode == 0) is healthy
    assert run.stdout.strip() == f"GET / answered {status}"  # what `up` quotes when unhealthy


CELERY = {
    "requirements.txt": "Django>=5.2,<5.3\ncelery>=5\nredis>=5\n",
    "proj/celery.py": "from celery import Celery\napp = Celery('proj')\n",
}


def test_celery_services_have_their_own_checks_and_no_ports(tmp_path):
    settings = "CELERY_BROKER_URL = os.environ.get('CELERY_BROKER_URL', 'redis://x')\n"
    project = detect(django_project(tmp_path / "p", settings=settings, urls=WITH_ROOT, **CELERY))
    services = yaml.safe_load(compose_file(project).text)["services"]
    worker = services["worker"]
    assert "ports" not in worker and "beat" not in services
    assert worker["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "celery -A proj inspect ping -d celery@$$HOSTNAME" in worker["healthcheck"]["test"][1]
    assert "http" not in str(worker["healthcheck"])


def test_a_beat_schedule_adds_beat_without_a_check(tmp_path):
    settings = (
        "CELERY_BROKER_URL = os.environ.get('CELERY_BROKER_URL', 'redis://x')\n"
        "CELERY_BEAT_SCHEDULE = {}\n"
    )
    project = detect(django_project(tmp_path / "p", settings=settings, urls=WITH_ROOT, **CELERY))
    data = load_dict(yaml.safe_load(compose_file(project).text), workdir=tmp_path / "p")
    beat = data.services["beat"]
    assert beat.command[:4] == ["celery", "-A", "proj", "beat"]
    assert not beat.ports and beat.healthcheck is not None and beat.healthcheck.disable


HOSTS_SETTINGS = (
    "ALLOWED_HOSTS = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(' ')\n"
    "CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get('CSRF_ORIGINS', 'https://a.example').split(',')]\n"
)


def _web_environment(root: Path, environ: dict[str, str]) -> dict[str, str]:
    project = detect(root)
    data = yaml.safe_load(compose_file(project).text)
    loaded = load_dict(data, environ=environ, workdir=root)
    return dict(loaded.services["web"].environment)


def test_the_dev_service_adds_this_machines_names_to_the_environments(tmp_path):
    root = django_project(tmp_path / "p", settings=HOSTS_SETTINGS, urls=WITH_ROOT)
    env = _web_environment(root, {})
    # nothing given: this machine's names alone (no empty item), and the settings' default
    assert env["DJANGO_ALLOWED_HOSTS"].split(" ") == ["localhost", "127.0.0.1"]
    assert env["CSRF_ORIGINS"].split(",") == [
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "https://a.example",
    ]
    # given by the shell: added to, not replaced
    env = _web_environment(root, {"DJANGO_ALLOWED_HOSTS": "shop.example", "WEB_PORT": "18000"})
    assert env["DJANGO_ALLOWED_HOSTS"].split(" ") == ["localhost", "127.0.0.1", "shop.example"]
    assert env["CSRF_ORIGINS"].startswith("http://localhost:18000,http://127.0.0.1:18000,")


def test_a_dotenv_host_is_kept_and_the_change_is_said(tmp_path):
    root = django_project(tmp_path / "p", settings=HOSTS_SETTINGS, urls=WITH_ROOT)
    (root / ".env").write_text("DJANGO_ALLOWED_HOSTS=other.example\n")
    env = _web_environment(root, {})
    assert env["DJANGO_ALLOWED_HOSTS"].split(" ") == ["localhost", "127.0.0.1", "other.example"]
    notes = [n for n in detect(root).assumptions if "ALLOWED_HOSTS" in n]
    assert notes == [
        "ALLOWED_HOSTS is read from DJANGO_ALLOWED_HOSTS (proj/settings.py:3): the dev server "
        "adds localhost and 127.0.0.1 to it (the runtime image is left as it is)"
    ]


def test_the_runtime_image_gets_no_dev_hosts(tmp_path):
    root = django_project(tmp_path / "p", settings=HOSTS_SETTINGS, urls=WITH_ROOT)
    dockerfile = generate_dockerfile(detect(root))
    assert "DJANGO_ALLOWED_HOSTS" not in dockerfile and "127.0.0.1," not in dockerfile


@pytest.mark.parametrize(
    ("settings", "variable", "value"),
    [
        (
            "ALLOWED_HOSTS = env.list('HOSTS', default=['a.example'])\n",
            "HOSTS",
            "localhost,127.0.0.1,a.example",
        ),
        ("ALLOWED_HOSTS = config('HOSTS', cast=Csv())\n", "HOSTS", "localhost,127.0.0.1"),
        ("ALLOWED_HOSTS = [os.environ.get('DOMAIN')]\n", "DOMAIN", "127.0.0.1"),
        (
            "HOSTS = os.getenv('H', 'b.example').split(',')\nALLOWED_HOSTS = HOSTS\n",
            "H",
            "localhost,127.0.0.1,b.example",
        ),
    ],
    ids=["django-environ", "decouple", "one-host", "through-a-name"],
)
def test_the_ways_settings_read_hosts(tmp_path, settings, variable, value):
    root = django_project(tmp_path / "p", settings=settings, urls=WITH_ROOT)
    assert _web_environment(root, {})[variable] == value


def test_examples_in_the_urlconfs_docstring_are_not_routes(tmp_path):
    """startproject's urls.py names ``path('', views.home, ...)`` in its docstring."""
    urls = '"""\nExamples:\n    1. Add a URL to urlpatterns:  path(\'\', views.home)\n"""\n'
    project = detect(django_project(tmp_path / "p", urls=urls + ADMIN_ONLY))
    assert site_probe(project) == SiteProbe("/admin/login/", accept_404=False)
