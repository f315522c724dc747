"""What dockdjango says about a remote engine's published ports (pure: no engine)."""

from __future__ import annotations

from dockdjango.api.stack.remote_ports import RemotePorts
from dockdjango.engine.project.port_forward import forward_command


def test_the_ssh_command_forwards_each_port_from_the_engine_hosts_loopback():
    command = forward_command(
        "ssh://me@buildbox:2222", [("127.0.0.1", 8000), ("0.0.0.0", 5432), ("10.0.0.5", 9000)]
    )
    assert command == (
        "ssh -N -L 8000:127.0.0.1:8000 -L 5432:127.0.0.1:5432 -L 9000:10.0.0.5:9000"
        " -p 2222 me@buildbox"
    )
    assert forward_command("ssh://buildbox", [("127.0.0.1", 8000)]) == (
        "ssh -N -L 8000:127.0.0.1:8000 buildbox"
    )


def test_a_tcp_engine_has_no_ssh_command():
    assert forward_command("tcp://buildbox:2376", [("127.0.0.1", 8000)]) == ""


def test_the_note_names_the_engine_host_and_both_ways_to_reach_the_ports():
    lines = RemotePorts(
        "ssh://me@buildbox",
        [("127.0.0.1", 8000)],
        "ssh -N -L 8000:127.0.0.1:8000 me@buildbox",
        True,
        ("web", 8000),
    ).lines()
    assert lines[0] == (
        "the engine is remote (ssh://me@buildbox): 127.0.0.1:8000 is the engine host's,"
        " not this machine's"
    )
    assert "`dockdjango port --forward web 8000`" in lines[1]
    assert lines[2] == "  or: ssh -N -L 8000:127.0.0.1:8000 me@buildbox"


def test_a_tcp_engine_is_told_to_publish_where_it_can_be_reached():
    lines = RemotePorts(
        "tcp://buildbox:2376", [("0.0.0.0", 8000)], "", False, ("web", 8000)
    ).lines()
    assert "0.0.0.0:8000 is the engine host's" in lines[0]
    assert lines[1:] == ["  publish on an address of the engine host you can reach, or tunnel"]
