"""The URLs ``up`` prints answer on this machine, on every engine: on a remote one reached
over ssh an attached ``up`` forwards the published ports here while it runs, and ``up -d``
says they are the engine host's and how to reach them (``port --forward``, ``ssh -L``).

In the ``matrix`` set: with ``DOCKDJANGO_TEST_ENGINE=ssh`` the engine is this machine's,
behind an sshd of the session's own, so its published port also answers here directly. The
test tells a forward from that by its port: the engine's port is taken here (the engine
publishes it on this very machine), so the forward listens on another one.
"""

from __future__ import annotations

import re
import time

import pytest
import requests

from dockdjango.engine.client import describe_engine
from tests.devloop.test_cli_devloop import Background
from tests.stacks import http_service

pytestmark = [pytest.mark.engine, pytest.mark.matrix]

PAGE = "served\n"
SERVE = (
    '["sh", "-c", "mkdir -p /srv && cd /srv && echo served > index.html'
    ' && exec python3 -m http.server 8000"]'
)
URLS = "    x-dockdjango:\n      urls: {site: /}\n"


def _project(root) -> None:
    root.mkdir()
    (root / "compose.yaml").write_text("services:\n" + http_service(command=SERVE, extra=URLS))


def _get(url: str, timeout: float = 60.0) -> requests.Response:
    """The page, retried while nothing answers yet (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=3)
        except requests.ConnectionError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.2)


def _end(proc: Background) -> None:
    """Ctrl-C to a command a failed assertion left running, then wait for it (bounded)."""
    if proc.proc.poll() is None:
        proc.interrupt()
        proc.finish(timeout=60)


def _engine_port(engine, project: str) -> int:
    (row,) = engine.api.containers(filters={"label": f"com.docker.compose.project={project}"})
    return int(next(p["PublicPort"] for p in row["Ports"] if p.get("PublicPort")))


def test_attached_up_prints_a_url_that_answers_here(engine, base_image, tmp_path, unique_name):
    root = tmp_path / "site"
    _project(root)
    remote = describe_engine(engine).remote
    up = Background(["-p", unique_name, "up"], root)
    try:
        up.wait_for(lambda: any("  site  http" in line for line in up.err), what="site URL")
        url = next(line.split()[-1] for line in up.err if "  site  http" in line)
        assert _get(url).text == PAGE
        if remote:  # the URL is the local end of a forward, not the engine host's port
            assert any(line.startswith("forwarding 127.0.0.1:") for line in up.err), up.err
            local = int(re.search(r":(\d+)/$", url).group(1))
            assert local != _engine_port(engine, unique_name)
        up.interrupt()
        assert up.finish() == 130
        if remote:  # the forward lived only as long as the command
            with pytest.raises(requests.ConnectionError):
                requests.get(url, timeout=3)
    finally:
        _end(up)
        down = Background(["-p", unique_name, "down", "-v"], root)
        assert down.finish() == 0, down.err


def test_detached_up_prints_no_url_as_local_that_is_not(engine, base_image, tmp_path, unique_name):
    root = tmp_path / "site"
    _project(root)
    forward = None
    try:
        up = Background(["-p", unique_name, "up", "-d", "--wait"], root)
        assert up.finish() == 0, up.err
        url = next(line.split()[-1] for line in up.out if "  site  http" in line)
        if not describe_engine(engine).remote:
            assert f"{unique_name} is up:" in up.out
            assert _get(url).text == PAGE
            return
        assert f"{unique_name} is up on the engine host (not here until forwarded):" in up.out
        assert any(
            f"the engine is remote ({describe_engine(engine).address})" in line for line in up.err
        )
        assert any(line.strip().startswith("or: ssh -N -L ") for line in up.err), up.err
        forward = Background(["-p", unique_name, "port", "--forward", "web", "8000"], root)
        forward.wait_for(lambda: bool(forward.out), what="forwarded address")
        assert _get(f"http://{forward.out[0]}/").text == PAGE
        assert forward.out[0] != f"127.0.0.1:{_engine_port(engine, unique_name)}"
        forward.interrupt()
        assert forward.finish() == 0, forward.err
    finally:
        if forward is not None:
            _end(forward)
        down = Background(["-p", unique_name, "down", "-v"], root)
        assert down.finish() == 0, down.err
