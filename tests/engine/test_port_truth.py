"""Where ports bind, said as the engine bound them: ``port`` and ``up`` through the real
CLI, a port published on all interfaces beside one published on 127.0.0.1 only.

Traffic goes to 127.0.0.1 only; the all-interfaces port is published on an ephemeral host
port (``"8000"``), so no fixed port is taken on the machine.
"""

from __future__ import annotations

import pytest
import requests
from cli_run import cli

from dockdjango.api.stack.stack import Stack
from dockdjango.engine.project.lifecycle import down

pytestmark = pytest.mark.engine

SERVER = """
    image: dockdjango/python:3.11-bookworm
    init: true
    command: ["python3", "-m", "http.server", "8000"]
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000')"]
      interval: 250ms
      retries: 200
"""

STACK = f"""
name: {{name}}
services:
  open:{SERVER}    ports: ["8000"]
  local:{SERVER}    ports: ["127.0.0.1::8000"]
    x-dockdjango:
      urls: {{{{site: /}}}}
"""


@pytest.fixture
def root(engine, base_image, unique_name, tmp_path):
    (tmp_path / "compose.yaml").write_text(STACK.format(name=unique_name))
    yield tmp_path
    down(engine, unique_name, volumes=True)


def test_port_and_up_say_where_the_engine_bound_each_port(engine, root, unique_name):
    up = cli(root, "up", "-d")
    assert up.returncode == 0, up.stderr
    stack = Stack.load(root / "compose.yaml", client=engine)

    everywhere = stack.published("open", 8000)
    ips = {ip for ip, _ in everywhere}
    assert "0.0.0.0" in ips and ips <= {"0.0.0.0", "::"}, everywhere
    open_port = everywhere[0][1]
    assert everywhere[0][0] == "0.0.0.0"  # IPv4 first
    assert cli(root, "port", "open", "8000").stdout == f"0.0.0.0:{open_port}\n"

    (local,) = stack.published("local", 8000)
    assert local[0] == "127.0.0.1"
    assert cli(root, "port", "local", "8000").stdout == f"127.0.0.1:{local[1]}\n"

    # `up` warns about the all-interfaces port only, with the 127.0.0.1 form to write
    warnings = [line for line in up.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, up.stderr
    assert warnings[0].startswith(
        f"warning: open publishes 8000 on all interfaces (0.0.0.0:{open_port}"
    )
    assert warnings[0].endswith(f'write "127.0.0.1:{open_port}:8000" in services.open.ports')
    assert f"open  0.0.0.0:{open_port}->8000/tcp" in up.stdout
    assert f"local  127.0.0.1:{local[1]}->8000/tcp" in up.stdout
    # the project's name as it is (not capitalised), and a URL that works
    assert f"{unique_name} is up:" in up.stdout
    assert f"site  http://127.0.0.1:{local[1]}/" in up.stdout

    # an address to connect to: 127.0.0.1 for both
    assert stack.port("open", 8000) == ("127.0.0.1", open_port)
    for service in ("open", "local"):
        assert requests.get(stack.url(service, 8000), timeout=5).status_code == 200
