"""Zero-config chooses where ``web`` publishes: the default when free, else the next free
port (said in one line), and the port the project's container already has (no recreate).

Engine: the containers' published ports are asked of the engine; ports held by another
program are real listening sockets. No fixed port: the "default" is a free port found now.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from dockdjango.api.stack.webport import choose_web_port

pytestmark = pytest.mark.engine


@pytest.fixture
def held() -> Iterator[int]:
    """A port on 127.0.0.1 another program (this test) listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_free_default_is_kept(engine, unique_name) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    assert choose_web_port(engine, unique_name, default=port) == (port, None)


def test_a_busy_default_moves_to_the_next_free_port_and_says_so(engine, unique_name, held) -> None:
    port, line = choose_web_port(engine, unique_name, default=held)
    assert port > held
    assert line == (
        f"port {held} is in use by another program: web publishes on 127.0.0.1:{port} "
        "instead (set WEB_PORT to choose)"
    )


def test_the_port_the_project_container_has_is_kept(engine, unique_name, base_image) -> None:
    """A stack moved to another port stays there on the next `up`, even once the
    default is free again (a changed port would recreate the container)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        published = int(probe.getsockname()[1])
    container = engine.containers.create(
        base_image,
        ["sleep", "60"],
        labels={
            "com.docker.compose.project": unique_name,
            "com.docker.compose.service": "web",
            "org.dockdjango.test": unique_name,
        },
        ports={"8000/tcp": ("127.0.0.1", published)},  # as WEB_PORT gives it
    )
    try:
        container.start()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            default = int(probe.getsockname()[1])
        port, line = choose_web_port(engine, unique_name, default=default)
        assert port == published
        assert line is not None and f"keeps 127.0.0.1:{published}" in line
    finally:
        container.remove(force=True)
