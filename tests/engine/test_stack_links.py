"""`up` ends with the URLs a service announces (``x-dockdjango.urls``) on its real ports."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from dockdjango.api.stack.stack import Stack
from dockdjango.engine.project.lifecycle import down
from tests.stacks import IMAGE, http_service

pytestmark = pytest.mark.engine

STACK = (
    "name: {name}\nservices:\n"
    + http_service(
        extra="    x-dockdjango:\n"
        "      urls: {{home: /, listing: /etc/}}\n"
        '      note: "try: dockdjango exec web ls"\n'
    )
    + f'  quiet:\n    image: {IMAGE}\n    init: true\n    command: ["sleep", "1000000"]\n'
)


@pytest.fixture
def compose_file(engine, base_image, unique_name, tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text(STACK.format(name=unique_name))
    yield path
    down(engine, unique_name, volumes=True)


def test_cli_up_prints_the_announced_urls_which_answer(compose_file, unique_name):
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", "up", "--wait", "-f", str(compose_file)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = lines.index(f"{unique_name} is up:")
    announced = [line.split() for line in lines[start + 1 :]]
    assert announced[-1] == ["try:", "dockdjango", "exec", "web", "ls"]
    urls = dict(row for row in announced[:-1])
    assert set(urls) == {"home", "listing"}

    stack = Stack.load(compose_file)
    host, port = stack.port("web", 8000)
    assert urls["home"] == f"http://{host}:{port}/"
    # the printed address is the live one: the server answers there
    assert requests.get(urls["listing"], timeout=5).status_code == 200
    # only services that announce URLs are listed
    assert {link.service for link in stack.links()} == {"web"}
