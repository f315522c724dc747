"""Which services will make ``down`` wait out the stop timeout (no daemon needed)."""

from __future__ import annotations

import pytest

from dockdjango.compose.faststop import pid1, slow_stop


@pytest.mark.parametrize(
    ("config", "program"),
    [
        ({"command": ["python3", "manage.py", "runserver"]}, "python3"),
        ({"command": ["/usr/bin/python3.11", "-m", "http.server"]}, "python3"),
        (
            {"command": ["sh", "-c", "python manage.py migrate && exec gunicorn cfg.wsgi"]},
            "gunicorn",
        ),
        ({"command": ["sh", "-c", "python manage.py migrate && python manage.py runserver"]}, "sh"),
        ({"entrypoint": ["docker-entrypoint.sh"], "command": ["postgres"]}, "docker-entrypoint.sh"),
        ({}, None),
    ],
)
def test_pid1_is_what_runs_last(config, program):
    assert pid1(config) == program


def test_a_python_server_without_init_is_named_with_the_fix():
    text = slow_stop("web", {"command": ["sh", "-c", "exec python manage.py runserver 0:8000"]})
    assert text is not None
    assert text.startswith("services.web: python runs as PID 1")
    assert "init: true" in text and "stop_signal: SIGINT" in text


@pytest.mark.parametrize(
    "config",
    [
        {"command": ["python3", "manage.py", "runserver"], "init": True},
        {"command": ["python3", "manage.py", "runserver"], "stop_signal": "SIGINT"},
        {"command": ["gunicorn", "cfg.wsgi"]},
        {"image": "postgres:16"},
    ],
)
def test_init_a_stop_signal_or_a_real_server_is_fine(config):
    assert slow_stop("web", config) is None


def test_an_image_stop_signal_other_than_sigterm_counts():
    config = {"command": ["python3", "manage.py", "runserver"]}
    assert slow_stop("web", config, lambda: "SIGINT") is None
    assert slow_stop("web", config, lambda: "SIGTERM") is not None


def test_the_library_example_stops_fast():
    from pathlib import Path

    from dockdjango.compose import load_project

    root = Path(__file__).resolve().parents[2] / "examples" / "library"
    for profile in ("dev", "prod"):
        project = load_project([str(root / "compose.yaml")], profiles=[profile])
        for name, svc in project.to_compose_dict()["services"].items():
            assert slow_stop(name, svc) is None, (profile, name)
