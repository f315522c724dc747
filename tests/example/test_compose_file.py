"""examples/library/compose.yaml, read by dockdjango's loader and by Docker Compose itself.

No engine needed: both only parse, interpolate and resolve. Compose (``docker-compose
config``) is the oracle: where both read a setting, they must agree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dockdjango.compose import load_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library"
COMPOSE_FILE = EXAMPLE / "compose.yaml"
COMPOSE_BIN = shutil.which("docker-compose") or str(
    Path(__file__).resolve().parents[2] / ".venv" / "bin" / "docker-compose"
)

# Variables the file interpolates: cleared so the host's environment cannot change answers.
CLEARED = {
    "DOCKDJANGO_POSTGRES_IMAGE",
    "COMPOSE_PROFILES",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "WEB_PORT",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "COMPOSE_PROJECT_NAME",
}


def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(extra)
    return env


def _ours(profiles: tuple[str, ...] = (), **extra: str):
    return load_project([str(COMPOSE_FILE)], profiles=profiles, environ=_environ(**extra))


def _compose(profiles: tuple[str, ...] = (), **extra: str) -> dict:
    if not Path(COMPOSE_BIN).exists():
        pytest.skip("docker-compose (the oracle) is not installed")
    args = [COMPOSE_BIN, "-f", str(COMPOSE_FILE)]
    for profile in profiles:
        args += ["--profile", profile]
    out = subprocess.run(
        [*args, "config", "--format", "json"],
        cwd=EXAMPLE,
        env=_environ(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_default_profile_is_dev_in_both() -> None:
    assert sorted(_ours().services) == ["db", "web"]
    assert sorted(_compose()["services"]) == ["db", "web"]


def test_prod_profile_swaps_the_web_service() -> None:
    assert sorted(_ours(("prod",)).services) == ["db", "web-prod"]
    assert sorted(_compose(("prod",))["services"]) == ["db", "web-prod"]


def test_db_image_follows_the_variable_dockdjango_sets() -> None:
    assert _ours().services["db"].image == "postgres:16"
    assert _compose()["services"]["db"]["image"] == "postgres:16"
    ref = "dockdjango/postgres:15-bookworm"
    assert _ours(DOCKDJANGO_POSTGRES_IMAGE=ref).services["db"].image == ref
    assert _compose(DOCKDJANGO_POSTGRES_IMAGE=ref)["services"]["db"]["image"] == ref


def test_db_contract() -> None:
    db = _ours().services["db"]
    assert set(db.environment) == {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    [volume] = db.volumes
    assert (volume.type, volume.source, volume.target) == (
        "volume",
        "pgdata",
        "/var/lib/postgresql/data",
    )
    test = " ".join(db.healthcheck.test)
    assert "pg_isready" in test and "-h 127.0.0.1" in test


def test_every_port_is_on_loopback() -> None:
    for profiles in ((), ("prod",)):
        for service in _ours(profiles).services.values():
            for port in service.ports:
                assert port.host_ip == "127.0.0.1", (service.name, port)
        for name, service in _compose(profiles)["services"].items():
            for port in service.get("ports", []):
                assert port["host_ip"] == "127.0.0.1", (name, port)


@pytest.mark.parametrize(
    ("profile", "service", "target", "server"),
    [("dev", "web", "dev", "runserver"), ("prod", "web-prod", "runtime", "gunicorn")],
)
def test_web_service(profile: str, service: str, target: str, server: str) -> None:
    web = _ours((profile,)).services[service]
    assert web.build is not None and web.build.target == target
    assert web.build.context == str(EXAMPLE)
    assert web.depends_on["db"].condition == "service_healthy"
    script = web.command[-1]
    steps = [step.strip() for step in script.split("&&")]
    # Start-up: migrate, sample books, superuser (books/.../prepare_library.py); then serve.
    prepare = "python manage.py prepare_library"
    assert steps[0] == (prepare if server == "runserver" else f"{prepare} --collectstatic")
    assert steps[-1].startswith(
        "exec python manage.py runserver" if server == "runserver" else "exec gunicorn"
    )
    assert "/health/" in " ".join(web.healthcheck.test)
    assert web.environment["DATABASE_URL"] == "postgres://library:library@db:5432/library"
    assert web.init is True
    mounts = [(v.type, v.source, v.target) for v in web.volumes]
    if profile == "dev":
        assert mounts == [("bind", str(EXAMPLE), "/app")]  # live reload of the source
        assert web.environment["DEBUG"] == "1"
    else:
        assert mounts == []
        assert web.environment["DEBUG"] == "0"


@pytest.mark.parametrize(("profile", "service"), [("dev", "web"), ("prod", "web-prod")])
def test_both_loaders_agree_on_web(profile: str, service: str) -> None:
    ours = _ours((profile,), SECRET_KEY="k").services[service]
    theirs = _compose((profile,), SECRET_KEY="k")["services"][service]
    assert ours.command == theirs["command"]
    assert ours.environment == theirs["environment"]
    assert ours.healthcheck.test == theirs["healthcheck"]["test"]
    assert [p.target for p in ours.ports] == [p["target"] for p in theirs["ports"]]
    assert [p.published for p in ours.ports] == [p["published"] for p in theirs["ports"]]
