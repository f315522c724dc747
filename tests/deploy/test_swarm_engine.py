"""Deploying the Library to a real one-node swarm: replicas, a roll-out, `docker stack rm`.

The test engine's kernel has no IPVS, so there is no routing mesh: the stack is deployed
with ``routing_mesh=False`` (host-mode ports, DNS round-robin), and a small proxy service
(tests/deploy/front) spreads requests over the two web replicas. Requests go only to the
published port on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from dockdjango.api.deploy import deploy_swarm, swarm_plan, undeploy_swarm
from dockdjango.cli import main

pytestmark = [pytest.mark.engine, pytest.mark.slow]

HERE = Path(__file__).parent
LIBRARY = HERE.parents[1] / "examples" / "library"

OVERRIDE = """\
services:
  db:
    ports: !reset []
  web-prod:
    ports: !reset []
    deploy:
      replicas: 2
      update_config: {{parallelism: 1, order: start-first}}
  front:
    build:
      context: {front}
      args: {{BASE: "{base}"}}
    environment: {{UPSTREAM: web-prod, UPSTREAM_PORT: "8000"}}
    ports: ["127.0.0.1:{port}:8080"]
    depends_on:
      web-prod: {{condition: service_healthy}}
    healthcheck:
      test: ["CMD", "python3", "-c",
             "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/__front__', timeout=2)"]
      interval: 1s
      timeout: 3s
      retries: 10
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int | str:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            reply.read()
            return int(reply.status)
    except Exception as exc:  # every failure is counted, whatever it is
        return repr(exc)


def _stack(*args: str) -> str:
    done = subprocess.run(["docker", "stack", *args], capture_output=True, text=True)
    assert done.returncode == 0, f"docker stack {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


def _stack_rm(name: str) -> None:
    """`docker stack rm`, again while it fails only to remove a resource still in use (its
    own race: it removes networks, configs and secrets right after the services, before
    their tasks have stopped; a later call removes what is left)."""
    for _ in range(30):  # bounded: about a minute
        done = subprocess.run(["docker", "stack", "rm", name], capture_output=True, text=True)
        if done.returncode == 0:
            return
        racing = "active endpoints" in done.stderr or "Failed to remove" in done.stderr
        assert racing, f"docker stack rm {name}: {done.stderr.strip()}"
        print(f"\ndocker stack rm {name}, again after: {done.stderr.strip()}")
        time.sleep(2)
    raise AssertionError(f"docker stack rm {name} kept failing: {done.stderr.strip()}")


@pytest.fixture
def library(tmp_path, unique_name, base_image, engine, cleanup_images):
    """A copy of the Library with a swarm override; its images and volumes go afterwards."""
    root = tmp_path / "library"
    shutil.copytree(LIBRARY, root, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    port = _free_port()
    (root / "compose.swarm.yaml").write_text(
        OVERRIDE.format(front=HERE / "front", base=base_image, port=port)
    )
    cleanup_images += [f"{unique_name}-web-prod", f"{unique_name}-front"]
    yield root, port
    for volume in engine.volumes.list(
        filters={"label": f"com.docker.stack.namespace={unique_name}"}
    ):
        volume.remove(force=True)


def test_library_on_swarm_rolls_out_without_a_failed_request(
    swarm, library, unique_name, engine, capsys
):
    from dockdjango.api.stack.postgres import postgres_environ

    root, port = library
    files = [str(root / "compose.yaml"), str(root / "compose.swarm.yaml")]
    env = postgres_environ(files, {"SECRET_KEY": "swarm-test-" + "k" * 40})
    # db runs the PostgreSQL image under a tag of the test's own: the shared tag may be
    # rebuilt by another run meanwhile, and then the redeploy would rightly update db
    db_image = f"dockdjango-test/{unique_name}-db:pinned"
    engine.images.get(env["DOCKDJANGO_POSTGRES_IMAGE"]).tag(db_image)
    env["DOCKDJANGO_POSTGRES_IMAGE"] = db_image
    options = dict(
        project_name=unique_name, profiles=["prod"], environ=env, routing_mesh=False, timeout=420
    )
    site = f"http://127.0.0.1:{port}"
    try:
        first = deploy_swarm(files, client=swarm, **options)
        assert [s.service for s in first.services] == ["db", "web-prod", "front"]  # waves
        assert {s.action for s in first.services} == {"created"}
        web = next(s for s in first.services if s.service == "web-prod")
        assert web.convergence and web.convergence.running == 2
        assert web.image_id.startswith("sha256:")  # by id: no registry look-up
        assert _get(site + "/api/") == 200
        listed = _stack("services", unique_name, "--format", "{{.Name}} {{.Replicas}}")
        assert f"{unique_name}_web-prod 2/2" in listed
        assert "host_ip" in first.warning()  # Swarm cannot publish on 127.0.0.1 only

        # a rebuilt image rolls out, one replica at a time, while requests keep coming
        (root / "books" / "views.py").write_text(
            (root / "books" / "views.py").read_text() + "\n# rolled out\n"
        )
        results: list[int | str] = []
        stop = threading.Event()

        def requests_loop() -> None:
            deadline = time.monotonic() + 600
            while not stop.is_set() and len(results) < 10_000 and time.monotonic() < deadline:
                results.append(_get(site + "/api/"))
                time.sleep(0.05)

        worker = threading.Thread(target=requests_loop)
        worker.start()
        try:
            second = deploy_swarm(files, client=swarm, **options)
            time.sleep(1)
        finally:
            stop.set()
            worker.join()
        actions = {s.service: s.action for s in second.services}
        assert actions == {"db": "unchanged", "web-prod": "updated", "front": "unchanged"}
        rolled = next(s for s in second.services if s.service == "web-prod")
        assert rolled.image_id != web.image_id
        failed = [r for r in results if r != 200]
        with capsys.disabled():
            print(
                f"\nswarm: first deploy {first.seconds:.1f} s "
                f"(web-prod 2/2 healthy {web.convergence.seconds:.1f} s after creation); "
                f"roll-out converged {rolled.convergence.seconds:.1f} s after the update; "
                f"{len(results)} requests during it, {len(failed)} failed"
                + (f": {Counter(map(str, failed)).most_common(3)}" if failed else "")
            )
        assert len(results) > 20
        assert failed == []

        # `docker stack rm` manages what dockdjango deployed
        _stack_rm(unique_name)
        deadline = time.monotonic() + 300  # a hang guard, not a speed check
        label = f"com.docker.stack.namespace={unique_name}"
        while engine.containers.list(all=True, filters={"label": label}, ignore_removed=True):
            assert time.monotonic() < deadline, "the stack's containers were not removed"
            time.sleep(0.5)
        assert not swarm.api.services(filters={"label": label})
        assert engine.volumes.list(filters={"label": label})  # named volume kept
    finally:
        undeploy_swarm(unique_name, volumes=True, client=swarm)
        # the tag only (no force: another run may use the image); a failure here must not
        # hide the test's own
        with contextlib.suppress(Exception):
            engine.api.remove_image(db_image)


def test_cli_deploy_then_undeploy_keeps_volumes(
    swarm, tmp_path, unique_name, base_image, capsys, monkeypatch
):
    (tmp_path / "motd").write_text("hello\n")
    (tmp_path / "token").write_text("s3cret\n")
    (tmp_path / "compose.yaml").write_text(f"""\
name: {unique_name}
services:
  job:
    image: {base_image}
    command: ["sh", "-c", "test \\"$(cat /etc/motd)\\" = hello && test -s /run/secrets/token"]
    configs: [{{source: motd, target: /etc/motd}}]
    secrets: [token]
    volumes: [data:/data]
    deploy: {{restart_policy: {{condition: none}}}}
  app:
    image: {base_image}
    command: ["sleep", "600"]
    init: true
    stop_grace_period: 1s
    depends_on:
      job: {{condition: service_completed_successfully}}
configs:
  motd: {{file: ./motd}}
secrets:
  token: {{file: ./token}}
volumes:
  data:
""")
    files = [str(tmp_path / "compose.yaml")]
    plan = swarm_plan(files)
    assert plan.waves == [["job"], ["app"]]
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["deploy", "--swarm", "--timeout", "120"]) == 0
        out = capsys.readouterr().out
        assert "job: created, 1/1 completed" in out  # ran as a job, before app started
        assert "app: created, 1/1 running" in out
        label = f"com.docker.stack.namespace={unique_name}"
        assert [c["Spec"]["Name"] for c in swarm.api.configs(filters={"label": label})] == [
            f"{unique_name}_motd"
        ]
        removed = undeploy_swarm(unique_name, client=swarm)
        assert sorted(removed.services) == [f"{unique_name}_app", f"{unique_name}_job"]
        assert removed.networks == [f"{unique_name}_default"]
        assert removed.configs == [f"{unique_name}_motd"]
        assert removed.secrets == [f"{unique_name}_token"]
        assert removed.volumes == []
        assert [v.name for v in swarm.volumes.list(filters={"label": label})] == [
            f"{unique_name}_data"
        ]
    finally:
        undeploy_swarm(unique_name, volumes=True, client=swarm)
