"""The Library example inside its built web image, against PostgreSQL, on the real engine.

1. The example's own test suite runs in the web container on the stack's PostgreSQL.
2. The ``web-prod`` service as ``compose.yaml`` defines it (command, environment, health
   check, read through dockdjango's loader) serves the site, the API, static files and
   its health endpoint; writes need a user; a restart keeps the data and adds no books.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from .conftest import DATABASE_URL, EXAMPLE, TEST_LABEL, wait_healthy

pytestmark = pytest.mark.engine

SUPERUSER = ("librarian", "a-long-test-password")


def _run_to_end(engine, image: str, command: list[str], network: str, env: dict[str, str]):
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run(
        image,
        command,
        name=name,
        detach=True,
        environment=env,
        network=network,
        labels={TEST_LABEL: name},
    )
    try:
        status = container.wait(timeout=600)
        return status["StatusCode"], container.logs().decode(errors="replace")
    finally:
        container.remove(force=True, v=True)


def test_example_suite_passes_in_the_web_container_on_postgres(
    engine, library_image, library_db
) -> None:
    code, out = _run_to_end(
        engine,
        library_image,
        ["python", "manage.py", "test", "--noinput", "-v", "2"],
        library_db.network,
        {"DATABASE_URL": DATABASE_URL, "DEBUG": "1"},
    )
    assert code == 0, out[-4000:]
    # On the stack's PostgreSQL, not SQLite: Django names the test database it creates.
    assert "Creating test database for alias 'default' ('test_library')" in out, out[-4000:]
    ran = re.search(r"^Ran (\d+) tests?", out, re.MULTILINE)
    assert ran and int(ran.group(1)) >= 25, out[-4000:]
    assert re.search(r"^OK$", out, re.MULTILINE)


def _prod_service(secret_key: str):
    """``web-prod`` as dockdjango's loader reads compose.yaml, with the test's variables."""
    from dockdjango.compose import load_project

    environ = {
        "SECRET_KEY": secret_key,
        "DJANGO_SUPERUSER_USERNAME": SUPERUSER[0],
        "DJANGO_SUPERUSER_PASSWORD": SUPERUSER[1],
    }
    project = load_project([str(EXAMPLE / "compose.yaml")], profiles=["prod"], environ=environ)
    return project.services["web-prod"]


def _healthcheck(service) -> dict:
    hc = service.healthcheck
    # The compose file's own test command; polled faster so the test stays quick.
    return {
        "test": hc.test,
        "interval": 500_000_000,
        "timeout": int(hc.timeout_seconds * 1e9),
        "retries": 120,
    }


def test_prod_service_serves_the_library(engine, library_image, library_db) -> None:
    service = _prod_service(secret_key="prod-test-" + uuid.uuid4().hex * 2)
    assert service.environment["DEBUG"] == "0"
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run(
        library_image,
        service.command,
        name=name,
        detach=True,
        environment=service.environment,
        network=library_db.network,
        ports={"8000/tcp": ("127.0.0.1", None)},
        init=service.init,
        healthcheck=_healthcheck(service),
        labels={TEST_LABEL: name},
    )
    try:
        wait_healthy(container)
        container.reload()
        base = f"http://127.0.0.1:{container.ports['8000/tcp'][0]['HostPort']}"
        _check_site(base)
        created = _check_writes(base)

        # Restart: the book is still there and the sample books are not loaded twice.
        container.stop(timeout=20)
        container.reload()
        # Exit 0: gunicorn (under tini) stopped on SIGTERM; 137 would mean killed at timeout.
        assert container.attrs["State"]["ExitCode"] == 0, container.logs().decode()[-2000:]
        container.start()
        wait_healthy(container)
        container.reload()
        base = f"http://127.0.0.1:{container.ports['8000/tcp'][0]['HostPort']}"
        listing = requests.get(f"{base}/api/", timeout=10).json()
        assert listing["count"] == 5
        assert requests.get(f"{base}/api/{created}/", timeout=10).status_code == 200
        logs = container.logs().decode(errors="replace")
        assert "sample books not loaded" in logs
        assert f"Superuser '{SUPERUSER[0]}' already exists." in logs
        assert container.exec_run(["id", "-u"]).output.strip() == b"10001"
    finally:
        container.remove(force=True, v=True)


def _check_site(base: str) -> None:
    home = requests.get(f"{base}/", timeout=10)
    assert home.status_code == 200
    assert "Django for APIs" in home.text  # a sample book, loaded on the first start
    listing = requests.get(f"{base}/api/", timeout=10)
    assert listing.status_code == 200 and listing.json()["count"] == 4
    health = requests.get(f"{base}/health/", timeout=10)
    assert health.json() == {"status": "ok", "database": "postgresql"}
    schema = requests.get(f"{base}/api/schema/", timeout=10)
    assert schema.status_code == 200 and "/api/{id}/" in schema.text
    # DEBUG off: WhiteNoise serves what collectstatic gathered, compressed and hashed.
    css = requests.get(f"{base}/static/rest_framework/css/bootstrap.min.css", timeout=10)
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]
    admin = requests.get(f"{base}/admin/login/", timeout=10)
    hashed = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', admin.text)
    assert hashed, "admin CSS is not served under a content-hashed name"
    assert requests.get(base + hashed.group(1), timeout=10).status_code == 200
    # DEBUG off: no technical 404 page with the URL list.
    missing = requests.get(f"{base}/no-such-page/", timeout=10)
    assert missing.status_code == 404 and "URLconf" not in missing.text


def _check_writes(base: str) -> int:
    book = {
        "title": "Two Scoops of Django 3.x",
        "subtitle": "Best Practices for the Django Web Framework",
        "author": "Daniel Feldroy",
        "isbn": "978-0-9988-7346-3",
    }
    anonymous = requests.post(f"{base}/api/", json=book, timeout=10)
    assert anonymous.status_code in (401, 403)
    made = requests.post(f"{base}/api/", json=book, auth=SUPERUSER, timeout=10)
    assert made.status_code == 201, made.text
    assert made.json()["isbn"] == "9780998873463"
    again = requests.post(f"{base}/api/", json=book, auth=SUPERUSER, timeout=10)
    assert again.status_code == 400 and "isbn" in again.json()
    return int(made.json()["id"])
