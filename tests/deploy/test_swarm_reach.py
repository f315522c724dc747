"""``deploy --swarm`` is reachable or says why not.

Pure: whether this machine's kernel offers IPVS (the routing mesh's need), read from a
tree shaped like ``/``; a published port that accepts nothing is an error naming it, with
``--no-routing-mesh`` in the hint when the mesh was to publish it.

Engine (a one-node swarm for this module only): the default deploy of a one-service
stack on this engine, whose kernel has no IPVS, publishes in host mode instead and says
so -- and the port it lists answers on 127.0.0.1.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from dockdjango.api.deploy import check_published
from dockdjango.cluster.notes import Notes
from dockdjango.cluster.swarm import SwarmPlan, SwarmService
from dockdjango.engine.swarm.swarm_mesh import has_ipvs
from dockdjango.errors import ServiceError


def test_ipvs_is_read_from_the_kernels_files(tmp_path: Path) -> None:
    assert not has_ipvs("6.1.0", tmp_path)
    (tmp_path / "lib/modules/6.1.0").mkdir(parents=True)
    dep = tmp_path / "lib/modules/6.1.0/modules.dep"
    dep.write_text("kernel/net/netfilter/ipvs/ip_vs.ko.xz: kernel/lib/libcrc32c.ko.xz\n")
    assert has_ipvs("6.1.0", tmp_path)
    assert not has_ipvs("6.2.0", tmp_path)  # another kernel's modules say nothing
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/ip_vs").write_text("")
    assert has_ipvs("6.2.0", tmp_path)


def _plan(port: int, mode: str) -> SwarmPlan:
    spec = {
        "EndpointSpec": {
            "Ports": [
                {"Protocol": "tcp", "TargetPort": 8000, "PublishedPort": port, "PublishMode": mode}
            ]
        }
    }
    service = SwarmService("web", "demo_web", "img", None, spec)
    return SwarmPlan("demo", {"web": service}, {}, [], [], [], [["web"]], [], Notes("Swarm"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


def test_a_port_that_accepts_nothing_is_an_error_with_the_way_out(monkeypatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    port = _closed_port()
    with pytest.raises(ServiceError) as raised:
        check_published(None, _plan(port, "ingress"), within=0.5)  # type: ignore[arg-type]
    assert str(raised.value) == (
        f"stack demo is deployed, but nothing accepts connections on 127.0.0.1:{port} "
        "(services.web.ports, target 8000)"
    )
    assert "--no-routing-mesh" in (raised.value.hint or "")
    with pytest.raises(ServiceError) as raised:
        check_published(None, _plan(port, "host"), within=0.5)  # type: ignore[arg-type]
    assert raised.value.hint == "see why: docker service ps demo_web --no-trunc"
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        open_port = listening.getsockname()[1]
        found = check_published(None, _plan(open_port, "ingress"))  # type: ignore[arg-type]
    assert found == [f"web 127.0.0.1:{open_port}"]


STACK = """\
name: {name}
services:
  web:
    image: dockdjango/python:3.11-bookworm
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1:{port}:8000"]
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000')"]
      interval: 1s
      retries: 30
"""


@pytest.mark.engine
def test_the_default_deploy_answers_where_it_says(swarm, tmp_path, unique_name, base_image):
    from dockdjango.engine.swarm.swarm_mesh import mesh_support

    if mesh_support(swarm) is not False:
        pytest.skip("this engine has a routing mesh (IPVS): nothing to fall back from")
    port = _closed_port()
    (tmp_path / "compose.yaml").write_text(STACK.format(name=unique_name, port=port))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dockdjango", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    try:
        deployed = cli("deploy", "--swarm", "--timeout", "180")
        assert deployed.returncode == 0, deployed.stderr
        assert "this engine's kernel has no IPVS" in deployed.stderr
        assert "(what --no-routing-mesh does)" in deployed.stderr
        assert f"  web 127.0.0.1:{port}" in deployed.stdout.splitlines()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as reply:
            assert reply.status == 200
    finally:
        removed = cli("undeploy")
        assert removed.returncode == 0, removed.stderr
