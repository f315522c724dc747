"""Port 0 (``127.0.0.1:0:8000``: any free port) through the loader and a real engine."""

from __future__ import annotations

import pytest
import requests

from dockdjango.api.stack.stack import Stack
from dockdjango.engine.project.lifecycle import down
from tests.stacks import http_service

pytestmark = pytest.mark.engine

STACK = "name: {name}\nservices:\n" + http_service(ports='["127.0.0.1:0:8000"]')


def test_port_zero_is_published_on_a_free_port_of_the_given_ip(
    engine, base_image, unique_name, tmp_path
):
    path = tmp_path / "compose.yaml"
    path.write_text(STACK.format(name=unique_name))
    stack = Stack.load(path)
    assert stack.project.services["web"].ports[0].published == "0"
    try:
        stack.up(wait=True)
        host, port = stack.port("web", 8000)
        assert host == "127.0.0.1" and port > 0
        (container,) = engine.containers.list(
            filters={"label": f"com.docker.compose.project={unique_name}"}
        )
        bindings = container.attrs["NetworkSettings"]["Ports"]["8000/tcp"]
        assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}  # never all interfaces
        assert requests.get(f"http://{host}:{port}/", timeout=5).status_code == 200
    finally:
        down(engine, unique_name, volumes=True)
