"""Generated Celery services are right for what they run, on a small Celery project
(``startproject`` + a Celery app, Redis as broker) with no compose file: ``up -d`` waits
until the worker answers ``celery inspect ping`` (healthy, its own check, not the web
server's; the engine's own run of it agrees), beat runs with no check, and neither is
published."""

from __future__ import annotations

import time
import uuid

import pytest
from django_projects import REQUIREMENTS, dockdjango, free_port, startproject

pytestmark = pytest.mark.engine

CELERY_APP = """\
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
app = Celery("mysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
"""
SETTINGS = """
import os
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
CELERY_BEAT_SCHEDULE = {}
"""


def test_worker_and_beat_get_their_own_checks_and_no_ports(tmp_path, base_image, engine):
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    root = startproject(tmp_path / "site", requirements=REQUIREMENTS + "celery>=5.4\nredis>=5\n")
    (root / "mysite" / "celery.py").write_text(CELERY_APP)
    settings = root / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + SETTINGS)
    try:
        up = dockdjango(root, "-p", name, "up", "-d", env={"WEB_PORT": str(free_port())})
        assert up.returncode == 0, up.stderr[-3000:]
        ps = {c["Labels"]["com.docker.compose.service"]: c for c in _containers(engine, name)}
        assert set(ps) == {"web", "redis", "worker", "beat"}
        assert _engine_health(engine, ps["worker"]["Id"]) == "healthy"
        worker = engine.api.inspect_container(ps["worker"]["Id"])
        test = " ".join(worker["Config"]["Healthcheck"]["Test"])
        assert "celery -A mysite inspect ping" in test and "http" not in test
        beat = engine.api.inspect_container(ps["beat"]["Id"])
        assert beat["State"]["Status"] == "running" and "Health" not in beat["State"]
        assert beat["Config"]["Healthcheck"]["Test"] == ["NONE"]
        for service in ("worker", "beat"):
            assert ps[service]["Ports"] == [] or all(
                "PublicPort" not in p for p in ps[service]["Ports"]
            ), ps[service]["Ports"]
    finally:
        dockdjango(root, "-p", name, "down", "-v")
        for service in ("web", "worker", "beat"):
            try:
                engine.api.remove_image(f"{name}-{service}", force=True)
            except Exception:  # not made
                pass


def _containers(engine, project: str) -> list[dict]:
    return engine.api.containers(filters={"label": f"com.docker.compose.project={project}"})


def _engine_health(engine, container: str, within: float = 40.0) -> str:
    """The engine's own verdict on ``container``'s health check: `up` may have passed its
    gate on dockdjango's run of the same test (exec) before the engine's first check, so
    the engine is given its interval (10 s) and more to agree, no longer."""
    deadline = time.monotonic() + within
    while True:
        health = engine.api.inspect_container(container)["State"]["Health"]["Status"]
        if health != "starting" or time.monotonic() >= deadline:
            return str(health)
        time.sleep(1)
