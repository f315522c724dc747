"""Which engine answers and where it is, from its ping headers and its address (pure)."""

from __future__ import annotations

import pytest

from dockdjango.engine.address import default_socket, engine_info, engine_location

DOCKER_PING = {
    "Api-Version": "1.41",
    "Docker-Experimental": "false",
    "Ostype": "linux",
    "Server": "Docker/20.10.24+dfsg1 (linux)",
}
PODMAN_PING = {
    "Api-Version": "1.41",
    "Builder-Version": "",
    "Buildkit-Version": "",
    "Docker-Experimental": "true",
    "Libpod-Api-Version": "4.3.1",
    "Libpod-Buildah-Version": "1.28.2",
    "Server": "Libpod/4.3.1 (linux)",
}


def test_docker_is_told_from_its_ping():
    info = engine_info(DOCKER_PING, "unix:///var/run/docker.sock")
    assert (info.kind, info.version, info.api, info.builder) == (
        "docker",
        "20.10.24+dfsg1",
        "1.41",
        "buildkit",
    )
    assert not info.remote
    assert info.describe() == (
        "Docker engine 20.10.24+dfsg1 (Docker API 1.41, unix:///var/run/docker.sock)"
    )


def test_podman_is_told_from_its_ping_with_its_builder():
    info = engine_info(PODMAN_PING, "unix:///run/podman/podman.sock")
    assert info.is_podman and info.builder == "buildah" and info.builder_version == "1.28.2"
    assert info.describe() == (
        "Podman 4.3.1 (Docker API 1.41, buildah 1.28.2, unix:///run/podman/podman.sock)"
    )


def test_header_names_are_read_in_any_case():
    info = engine_info({k.lower(): v for k, v in PODMAN_PING.items()}, "unix:///x.sock")
    assert info.kind == "podman" and info.version == "4.3.1"


@pytest.mark.parametrize(
    ("address", "remote"),
    [
        ("ssh://me@buildbox", True),
        ("ssh://ddremote@127.0.0.1:2222", True),  # another user: not this checkout's owner
        ("tcp://10.0.0.5:2376", True),
        ("tcp://buildbox.example:2376", True),
        ("tcp://127.0.0.1:2375", False),
        ("tcp://localhost:2375", False),
        ("tcp://[::1]:2375", False),
        ("unix:///var/run/docker.sock", False),
        ("npipe:////./pipe/docker_engine", False),
    ],
)
def test_an_engine_is_remote_when_it_cannot_see_this_machine(address, remote):
    assert engine_location(address)[0] is remote


def test_the_environment_decides_what_an_address_cannot_show():
    assert engine_location("tcp://127.0.0.1:2375", "remote") == (True, "DOCKDJANGO_ENGINE=remote")
    assert engine_location("ssh://me@box", "local")[0] is False
    assert engine_location("ssh://me@box", "nonsense")[0] is True  # ignored when not a word


def test_remote_shows_in_the_line_up_prints():
    info = engine_info(DOCKER_PING, "ssh://me@buildbox")
    assert "remote, ssh://me@buildbox" in info.describe()


def test_podmans_socket_is_found_when_dockers_is_absent(monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert default_socket(lambda p: True) == "unix:///var/run/docker.sock"
    assert default_socket(lambda p: p == "/run/podman/podman.sock") == (
        "unix:///run/podman/podman.sock"
    )
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert default_socket(lambda p: p.startswith("/run/user/")) == (
        "unix:///run/user/1000/podman/podman.sock"
    )
    assert default_socket(lambda p: False) == "unix:///var/run/docker.sock"  # named in errors
