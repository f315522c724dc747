"""The engine is real: ensure-docker started (or found) it, and containers run on it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-docker.sh"

pytestmark = pytest.mark.engine
PROBE = "import sys, ssl, venv; print(sys.version_info[:2], ssl.OPENSSL_VERSION)"


def test_ensure_docker_is_idempotent_and_leaves_one_daemon(engine):
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "already answers" in proc.stderr
    daemons = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True)
    # Exactly one daemon, whoever started it: the script must never start a second one.
    assert len(daemons.stdout.split()) == 1


def test_engine_reports_a_version_through_the_sdk(engine):
    from dockdjango.engine.client import engine_version

    version, api = engine_version(engine)
    assert version and version != "?"
    major, minor = (int(x) for x in api.split("."))
    assert (major, minor) >= (1, 41)
    assert engine.api.api_version == api or float(engine.api.api_version) <= float(api)


def test_a_container_runs_on_the_base_image(engine, base_image, unique_name):
    out = engine.containers.run(
        base_image,
        [
            "python3",
            "-c",
            "import sys, ssl, venv; print(sys.version_info[:2], ssl.OPENSSL_VERSION)",
        ],
        name=unique_name,
        labels={"org.dockdjango.test": unique_name},
        remove=True,
    )
    text = out.decode()
    assert text.startswith("(3, 11)")
    assert "OpenSSL" in text
