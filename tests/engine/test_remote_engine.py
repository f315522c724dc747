"""A remote engine (``DOCKER_HOST=ssh://...``): the project's files are copied into the
container, never bind-mounted from this machine, and ``up`` says so.

The engine is this machine's own, reached over ssh as another user through an sshd of the
tests' own (tests/sshengine.py): dockdjango takes it for remote, as it must take any ssh
engine. So the test can also look at what a truly remote engine would have mounted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.engine

IMAGE = "dockdjango/python:3.11-bookworm"
COMPOSE = """
services:
  web:
    image: {image}
    init: true
    user: "nobody"
    working_dir: /app
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1::8000"]
    volumes: [".:/app"]
    healthcheck:
      test:
        - CMD
        - python3
        - -c
        - "import urllib.request as u; u.urlopen('http://127.0.0.1:8000', timeout=1)"
      interval: 250ms
      retries: 200
"""


def _cli(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={**os.environ, **env, "CI": "1"},
    )


def test_the_checkout_is_copied_in_not_bind_mounted(
    ssh_engine, engine, base_image, tmp_path, unique_name
):
    root = tmp_path / "site"
    root.mkdir()
    (root / "compose.yaml").write_text(COMPOSE.format(image=base_image))
    (root / "index.html").write_text("served from a copy\n")
    (root / ".dockerignore").write_text("secret.txt\n")
    (root / "secret.txt").write_text("never sent\n")
    env = ssh_engine.environ()
    try:
        up = _cli(root, env, "-p", unique_name, "up", "-d", "--wait")
        assert up.returncode == 0, up.stderr
        assert "the engine is remote, so the source is copied in, not bind-mounted" in up.stderr
        ps = _cli(root, env, "-p", unique_name, "ps", "--json")
        assert ps.returncode == 0, ps.stderr
        (row,) = json.loads(ps.stdout)
        inspect = engine.api.inspect_container(row["name"])
        local = [
            m
            for m in inspect["Mounts"]
            if m["Type"] == "bind" and m["Source"].startswith(str(tmp_path))
        ]
        assert local == [], f"a container mounts a path of the local checkout: {local}"
        port = inspect["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"]
        deadline = time.monotonic() + 30
        while True:  # the engine host's port: this machine's here
            try:
                page = requests.get(f"http://127.0.0.1:{port}/index.html", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the site never answered"
                time.sleep(0.2)
        assert page.text == "served from a copy\n"
        assert requests.get(f"http://127.0.0.1:{port}/compose.yaml", timeout=2).ok
        # what the project's .dockerignore leaves out of images is not copied either
        assert requests.get(f"http://127.0.0.1:{port}/secret.txt", timeout=2).status_code == 404
        made = engine.api.exec_create(row["name"], ["stat", "-c", "%U", "/app/index.html"])
        owner = engine.api.exec_start(made["Id"]).decode().strip()
        assert owner == "nobody"  # the container's user owns the copy, as with a bind
    finally:
        down = _cli(root, env, "-p", unique_name, "down", "-v")
        assert down.returncode == 0, down.stderr
