"""The engine client over the local socket, without the SDK: its stream framing and its
choice of where it may answer (pure), and, on a real stack, the same rows, ports, lines
and versions as the SDK's path gives."""

from __future__ import annotations

import json
import os
import struct
import uuid
from importlib.metadata import version

import pytest

from dockdjango.engine.socket_client import (
    SDK_API_VERSION,
    SDK_MINIMUM_API_VERSION,
    _message,
    local_socket,
    log_payloads,
    open_local,
)
from tests.stacks import IMAGE


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(data)) + data


def test_multiplexed_frames_give_their_payloads_in_order() -> None:
    body = frame(1, b"2026-01-01T00:00:00Z out\n") + frame(2, b"2026-01-01T00:00:01Z err\n")
    assert b"".join(log_payloads(iter([body]))) == (
        b"2026-01-01T00:00:00Z out\n2026-01-01T00:00:01Z err\n"
    )


def test_frames_split_anywhere_across_chunks_are_joined() -> None:
    body = frame(1, b"2026 a\n") + frame(2, b"2026 bb\n") + frame(1, b"")
    for cut in range(1, len(body)):
        pieces = [body[:cut], body[cut : cut + 3], body[cut + 3 :]]
        assert b"".join(log_payloads(iter(pieces))) == b"2026 a\n2026 bb\n", cut


def test_a_terminal_s_raw_stream_passes_through() -> None:
    raw = b"2026-01-01T00:00:00Z tty says hi\r\n"
    assert b"".join(log_payloads(iter([raw[:3], raw[3:]]))) == raw
    assert b"".join(log_payloads(iter([]))) == b""


def test_the_api_versions_are_the_sdk_s() -> None:
    import docker.constants

    assert SDK_API_VERSION == docker.constants.DEFAULT_DOCKER_API_VERSION
    assert SDK_MINIMUM_API_VERSION == docker.constants.MINIMUM_DOCKER_API_VERSION


def test_the_sdk_version_from_metadata_is_the_module_s() -> None:
    import docker

    assert version("docker") == docker.__version__


def test_an_engine_refusal_is_its_message_s_first_line() -> None:
    assert _message(b'{"message": "No such container: x\\nmore"}', "Not Found") == (
        "No such container: x"
    )
    assert _message(b"<html>", "Bad Gateway") == "<html>"
    assert _message(b"", "Bad Gateway") == "Bad Gateway"


def test_only_a_unix_socket_without_a_context_is_read_here(tmp_path) -> None:
    home = {"DOCKER_CONFIG": str(tmp_path)}
    assert local_socket({**home, "DOCKER_HOST": "unix:///srv/d.sock"}) == "/srv/d.sock"
    for other in ("tcp://10.0.0.5:2375", "ssh://me@host", "npipe:////./pipe/docker"):
        assert local_socket({**home, "DOCKER_HOST": other}) is None
    assert local_socket({**home, "DOCKER_CONTEXT": "remote"}) is None
    default = local_socket(home)
    assert default is not None and default.endswith(".sock")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "default"}))
    assert local_socket(home) == default
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "desktop-linux"}))
    assert local_socket(home) is None
    (tmp_path / "config.json").write_text("{not json")
    assert local_socket(home) is None  # the SDK's path says what a broken config means


def test_a_socket_that_does_not_answer_leaves_it_to_the_sdk(tmp_path) -> None:
    assert open_local({"DOCKER_HOST": f"unix://{tmp_path}/none.sock"}) is None


@pytest.fixture(scope="module")
def both_paths(engine, base_image, tmp_path_factory):
    """A three-service stack (output on stdout and stderr, one with a terminal, one that
    exited), read through the SDK (a Stack) and through the socket (a LocalProject)."""
    from dockdjango.api.compose_project import ProjectOptions
    from dockdjango.api.local_engine import local_project
    from dockdjango.api.stack import Stack

    if open_local() is None:
        pytest.skip("the engine is not Docker on a local socket: the SDK's path answers")
    root = tmp_path_factory.mktemp("socket")
    name = f"ddtest-{uuid.uuid4().hex[:10]}"
    (root / "compose.yaml").write_text(
        f"name: {name}\nservices:\n"
        f"  web:\n    image: {IMAGE}\n    init: true\n"
        '    command: ["sh", "-c", "echo out; echo err >&2; exec python3 -m http.server 8000"]\n'
        '    ports: ["127.0.0.1::8000"]\n'
        f"  term:\n    image: {IMAGE}\n    init: true\n    tty: true\n"
        """    command: ["sh", "-c", "printf 'tty \\\\303\\\\274\\\\n'; exec sleep 100000"]\n"""
        f"  once:\n    image: {IMAGE}\n    init: true\n"
        '    command: ["sh", "-c", "echo done; exit 3"]\n'
    )
    options = ProjectOptions.resolve([str(root / "compose.yaml")])
    stack = Stack.from_options(options, typed=False)
    try:
        stack.up(wait=False)
        local = local_project(options)
        assert local is not None
        yield stack, local
    finally:
        stack.down(volumes=True)


def _settled(stack, deadline: float = 30.0) -> None:
    """Until ``once`` has exited and every container wrote its first line (bounded)."""
    import time

    end = time.monotonic() + deadline
    while time.monotonic() < end:
        rows = stack.ps()
        texts = {line.service for line in stack.logs()}
        if any(r.state == "exited" for r in rows) and texts >= {"web", "term", "once"}:
            return
        time.sleep(0.2)
    raise AssertionError("the stack did not settle")


@pytest.mark.engine
def test_the_socket_path_reads_what_the_sdk_path_reads(both_paths) -> None:
    stack, local = both_paths
    _settled(stack)
    assert local.name == stack.name
    strip = lambda rows: [(r.name, r.state, r.health, r.exit_code, r.ports) for r in rows]  # noqa: E731
    assert strip(local.ps()) == strip(stack.ps())
    assert strip(local.ps("web", "once")) == strip(stack.ps("web", "once"))
    assert [r.exit_code for r in local.ps("once")] == [3]
    assert local.logs() == stack.logs()
    assert local.logs("web", tail=1) == stack.logs("web", tail=1)
    assert {line.text for line in local.logs("term")} == {"tty ü"}
    assert {line.text for line in local.logs("web")} >= {"out", "err"}
    assert local.published("web", 8000) == stack.published("web", 8000)


@pytest.mark.engine
def test_the_socket_path_refuses_as_the_sdk_path_does(both_paths) -> None:
    from dockdjango.errors import DockdjangoError

    stack, local = both_paths
    for call in (
        lambda s: s.ps("ghost"),
        lambda s: s.logs("ghost"),
        lambda s: s.published("web", 9000),
        lambda s: s.published("ghost", 8000),
    ):
        with pytest.raises(DockdjangoError) as sdk:
            call(stack)
        with pytest.raises(DockdjangoError) as ours:
            call(local)
        assert (str(ours.value), ours.value.hint) == (str(sdk.value), sdk.value.hint)


@pytest.mark.engine
def test_followed_output_ends_when_the_container_stops(both_paths) -> None:
    stack, local = both_paths
    _settled(stack)
    assert [line.text for line in local.logs("once", follow=True)] == ["done"]


@pytest.mark.engine
def test_the_versions_are_the_ones_the_sdk_reports(engine) -> None:
    from dockdjango.api.connection import versions
    from dockdjango.api.local_engine import local_versions

    if open_local() is None:
        pytest.skip("the engine is not Docker on a local socket: the SDK's path answers")
    assert local_versions() == versions()
    assert os.path.exists(open_local().path)
