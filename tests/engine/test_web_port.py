"""Zero-config chooses where ``web`` publishes: the default when free, else the next free
port (said in one line), and the port the project's container already has (no recreate).

Engine: the containers' published ports are asked of the engine; ports held by another
program are real listening sockets. No fixed port: the "default" is a free port found now.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django_projects import startproject

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


def test_a_port_taken_while_images_were_built_is_chosen_again(
    engine, unique_name, base_image, held
) -> None:
    """The port was free when the project was loaded, and another program (this test)
    took it before the container was created: `up` publishes on the next free one and
    says so; a second `up` keeps the container where it is."""
    from dockdjango.api.stack.stack import Stack
    from dockdjango.api.stack.webport import ChosenPort

    web = {
        "image": base_image,
        "command": ["sleep", "60"],
        "init": True,
        "ports": [f"127.0.0.1:{held}:8000"],
    }
    stack = Stack({"name": unique_name, "services": {"web": web}}, client=engine)
    stack.chosen_port = ChosenPort("web", 8000, held)  # as zero-config chose it
    events: list = []
    try:
        stack.up(wait=False, on_progress=events.append)
        host, port = stack.port("web", 8000)
        assert host == "127.0.0.1" and port > held
        said = [e.detail for e in events if e.action == "warning" and "taken" in e.detail]
        assert said == [
            f"127.0.0.1:{held} was taken while the images were built: web publishes on "
            f"127.0.0.1:{port} instead (set WEB_PORT to choose)"
        ]
        again = stack.up(wait=False)
        assert again.services["web"][0] != "recreated" and stack.port("web", 8000)[1] == port
    finally:
        stack.down(volumes=True)


def test_zero_config_checks_again_only_the_port_it_chose(engine, tmp_path) -> None:
    """A detected stack carries the port dockdjango chose into `up`; one the user chose
    (WEB_PORT) is never moved."""
    from dockdjango.api.stack.webport import ChosenPort
    from dockdjango.api.stack.zeroconfig import detected_stack

    root = startproject(tmp_path / "site")
    chosen = detected_stack(root, environ={}, client=engine, offline=True)
    port = chosen.project.services["web"].ports[0].published
    assert chosen.chosen_port == ChosenPort("web", 8000, int(str(port)))
    given = detected_stack(root, environ={"WEB_PORT": "8123"}, client=engine, offline=True)
    assert given.chosen_port is None
    assert given.project.services["web"].ports[0].published == "8123"
