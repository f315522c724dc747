"""Stacks on the real engine: order, health gates, recreate, orphans, volumes, failures.

Every test uses its own ``ddtest-<hex>`` project; the fixture takes it down (volumes too)
and checks that no container, network or volume of that project is left.
"""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta

import docker
import pytest
import requests

from dockdjango.api.stack.stack import Stack, down_project
from dockdjango.engine import labels as L
from dockdjango.engine.project.lifecycle import down
from dockdjango.errors import ServiceError
from tests.stacks import IMAGE, http_service, ready_after

pytestmark = pytest.mark.engine


# A "database" that becomes healthy `delay` seconds after start; a web server healthy once
# it answers, which needs the database healthy first.
def db_service(delay: float) -> str:
    return "\n" + ready_after(delay)  # make_stack writes `services:` with no newline


def web_service(greeting: str) -> str:
    extra = (
        "    environment:\n"
        f'      GREETING: "{greeting}"\n'
        "    depends_on:\n"
        "      db: {condition: service_healthy}\n"
    )
    return http_service(extra=extra)


def sleeper(environment: str, extra: str = "") -> str:
    """A service ``app`` that sleeps, with ``environment`` (a YAML flow mapping)."""
    return f"""
  app:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
    environment: {environment}
{extra}"""


def leftovers(client, project: str) -> list[str]:
    """Names of anything still labelled with ``project``."""
    f = L.project_filter(project)
    names = [c["Names"][0] for c in client.api.containers(all=True, filters=f)]
    names += [n["Name"] for n in client.api.networks(filters=f)]
    names += [v["Name"] for v in client.api.volumes(filters=f).get("Volumes") or []]
    return names


@pytest.fixture
def make_stack(engine, base_image, unique_name, tmp_path):
    """``make_stack(services_yaml, volumes=True)`` -> a loaded Stack; cleaned up after."""

    def make(services: str, *, volumes: bool = True, extra: str = "") -> Stack:
        text = f"name: {unique_name}\nservices:{services}\n"
        if volumes:
            text += "volumes:\n  data:\n"
        (tmp_path / "compose.yaml").write_text(text + extra)
        return Stack.load(tmp_path / "compose.yaml", client=engine)

    yield make
    down(engine, unique_name, volumes=True)
    assert leftovers(engine, unique_name) == []


def _started(client, name: str) -> datetime:
    return _time(client.api.inspect_container(name)["State"]["StartedAt"])


def _time(text: str) -> datetime:
    # the engine writes nanoseconds; datetime takes microseconds
    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00")


@pytest.mark.matrix
def test_dependency_order_health_gate_and_parallel_start(make_stack, engine, unique_name):
    worker = f"""
  worker:
    image: {IMAGE}
    init: true
    command: ["python3", "-c", "import time; time.sleep(1e6)"]
"""
    stack = make_stack(db_service(3) + web_service("hi") + worker)
    events = []
    result = stack.up(on_progress=events.append)
    assert result.services == {
        "db": ("created", "new"),
        "web": ("created", "new"),
        "worker": ("created", "new"),
    }

    # db's check cannot pass before /tmp/ready exists, 3 s after it started (whether the
    # engine or dockdjango's own exec of the check saw it pass first) ...
    healthy_at = _started(engine, f"{unique_name}-db-1") + timedelta(seconds=3)
    # ... and web waited for db's first passing health check
    assert _started(engine, f"{unique_name}-web-1") >= healthy_at
    # ... while worker, which depends on nothing, did not wait behind that gate
    assert _started(engine, f"{unique_name}-worker-1") < healthy_at

    # the service name is a DNS alias on the network, and the published port answers
    code = stack.exec("web", ["python3", "-c", "import socket; print(socket.gethostbyname('db'))"])
    assert code.exit_code == 0 and code.stdout.strip().count(".") == 3
    host, port = stack.port("web", 8000)
    assert host == "127.0.0.1"
    assert requests.get(f"http://{host}:{port}/", timeout=5).status_code == 200
    rows = {r.service: r for r in stack.ps()}
    assert rows["db"].health == "healthy" and rows["web"].state == "running"
    assert rows["web"].ports_text() == f"127.0.0.1:{port}->8000/tcp"
    assert any(e.action == "healthy" and e.name.endswith("db-1") for e in events)


@pytest.mark.matrix
def test_recreate_only_what_changed_and_say_why(make_stack, engine, unique_name):
    stack = make_stack(db_service(0) + web_service("one"))
    stack.up()
    ids = {r.service: stack.container_id(r.service) for r in stack.ps()}

    again = stack.up()
    assert not again.changed
    assert {s: stack.container_id(s) for s in ids} == ids

    changed = make_stack(db_service(0) + web_service("two"))
    result = changed.up()
    assert result.services["web"] == ("recreated", "changed: environment")
    assert result.services["db"] == ("unchanged", "")
    assert changed.container_id("db") == ids["db"]
    assert changed.container_id("web") != ids["web"]
    assert changed.exec("web", "printenv GREETING").stdout.strip() == "two"

    before = changed.container_id("db")
    assert changed.up(no_recreate=True).services["db"] == ("unchanged", "")
    forced = changed.up(force_recreate=True)
    assert forced.services["db"] == ("recreated", "--force-recreate")
    assert changed.container_id("db") != before


def test_no_label_carries_a_setting_value(make_stack, engine, unique_name):
    def app(password: str) -> str:
        return sleeper(f"{{POSTGRES_PASSWORD: {password}}}")

    def labels_everywhere(stack: Stack) -> str:
        cid = stack.container_id("app")
        listed = engine.api.containers(all=True, filters={"id": cid})[0]["Labels"]
        inspected = engine.api.inspect_container(cid)["Config"]["Labels"]
        return repr(sorted(listed.items())) + repr(sorted(inspected.items()))

    first = make_stack(app("s3cret-value"), volumes=False)
    first.up()
    shown = labels_everywhere(first)
    assert L.CONFIG_DIGESTS in shown and "POSTGRES_PASSWORD" not in shown
    assert "s3cret-value" not in shown and "s3cret" not in shown
    second = make_stack(app("other-s3cret"), volumes=False)
    assert second.up().services["app"] == ("recreated", "changed: environment")
    assert "s3cret" not in labels_everywhere(second)


def test_orphans_reported_then_removed(make_stack, engine, unique_name):
    two = make_stack(
        f"""
  a:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
  b:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
""",
        volumes=False,
    )
    two.up()
    one = make_stack(
        f"""
  a:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
""",
        volumes=False,
    )
    events = []
    result = one.up(on_progress=events.append)
    assert result.orphans == ["b"]
    assert any(e.action == "orphan" and e.name == "b" for e in events)
    assert [r.service for r in one.ps()] == ["a", "b"]  # kept without remove_orphans
    one.down()  # down without remove_orphans keeps the orphan too
    assert [r.service for r in one.ps()] == ["b"]
    one.up(remove_orphans=True)
    assert [r.service for r in one.ps()] == ["a"]
    # without a file: everything labelled with the project goes
    removed = down_project(unique_name, client=engine)
    assert removed.containers == [f"{unique_name}-a-1"] and one.ps() == []


@pytest.mark.matrix
def test_named_volume_survives_down_and_goes_with_down_v(make_stack, engine, unique_name):
    stack = make_stack(db_service(0))
    with stack:
        assert stack.exec("db", ["sh", "-c", "echo kept > /data/row.txt"]).exit_code == 0
    assert leftovers(engine, unique_name) == [f"{unique_name}_data"]
    stack.up()
    assert stack.exec("db", "cat /data/row.txt").stdout == "kept\n"
    result = stack.down(volumes=True)
    assert result.volumes == [f"{unique_name}_data"]
    stack.up()
    assert stack.exec("db", "cat /data/row.txt").exit_code != 0


def test_port_in_use_is_one_sentence_and_down_cleans_up(make_stack, engine, unique_name):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stack = make_stack(
            f"""
  web:
    image: {IMAGE}
    init: true
    command: ["python3", "-m", "http.server", "8000"]
    ports: ["127.0.0.1:{port}:8000"]
""",
            volumes=False,
        )
        with pytest.raises(ServiceError) as err:
            stack.up()
    assert err.value.service == "web"
    assert str(err.value) == (
        f"port 127.0.0.1:{port} is already in use (by another program) — "
        "free it or change services.web.ports"
    )
    # where the port was written, found after loading, still points into the file
    assert err.value.hint is not None
    assert "; services.web.ports is at " in err.value.hint, err.value.hint
    assert err.value.hint.endswith("compose.yaml:7"), err.value.hint


CRASH = (
    "import sys; print('connecting'); "
    "print('FATAL: cannot open database file', file=sys.stderr); raise SystemExit(3)"
)


def test_crashing_service_names_service_cause_and_output(make_stack, engine, unique_name):
    stack = make_stack(
        f"""
  db:
    image: {IMAGE}
    command:
      - python3
      - -c
      - "{CRASH}"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 250ms
  web:
    image: {IMAGE}
    command: ["sleep", "1000"]
    depends_on:
      db: {{condition: service_healthy}}
""",
        volumes=False,
    )
    with pytest.raises(ServiceError) as err:
        stack.up(timeout=30)
    assert err.value.service == "db"
    assert "service db exited with code 3" in str(err.value)
    # the stderr line is quoted, though stdout ("connecting") was flushed after it
    assert str(err.value).endswith("; last error line: FATAL: cannot open database file")
    assert "connecting" in err.value.logs
    # web, which waits for db to be healthy, was never started (created while db started,
    # as Compose creates every container before it starts any)
    webs = engine.api.containers(all=True, filters={"name": f"{unique_name}-web-1"})
    assert [c["State"] for c in webs] in ([], ["created"])
    # `with` brings a stack down again when it cannot come up
    with pytest.raises(ServiceError), stack:
        pass
    assert leftovers(engine, unique_name) == []


def test_wait_timeout_names_service_with_health_output(make_stack, engine, unique_name):
    stack = make_stack(
        f"""
  slow:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "echo starting up; sleep 1000000"]
    healthcheck:
      test: ["CMD-SHELL", "echo not ready yet; exit 1"]
      interval: 250ms
      retries: 100
""",
        volumes=False,
    )
    with pytest.raises(ServiceError) as err:
        stack.up(timeout=3)
    text = str(err.value)
    # 100 failed checks 250 ms apart take at least 25 s: only the 3 s timeout (not the
    # default 600 s one) ends the wait before the engine calls it unhealthy
    assert text.startswith("service slow did not become healthy in time"), text
    assert "not ready yet" in text
    assert err.value.logs == ["starting up"]


def test_missing_image_names_service_and_image(make_stack, unique_name):
    stack = make_stack(
        f"""
  web:
    image: {unique_name}-no-such-image:1
""",
        volumes=False,
    )
    with pytest.raises(ServiceError) as err:
        stack.up()
    assert err.value.service == "web"
    assert f"service web: image {unique_name}-no-such-image:1 is not available locally" in str(
        err.value
    )
    never = make_stack(
        f"""
  web:
    image: {unique_name}-no-such-image:1
    pull_policy: never
""",
        volumes=False,
    )
    with pytest.raises(ServiceError, match=r"not available locally \(pull_policy: never\)$"):
        never.up()


def _serving(stack: Stack) -> None:
    """Wait until web's Python has started (and installed its SIGINT handler)."""
    probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000', timeout=1)"
    deadline = time.monotonic() + 300  # a hang guard, not a speed check
    while stack.exec("web", ["python3", "-c", probe]).exit_code != 0:
        assert time.monotonic() < deadline, "web never served"
        time.sleep(0.1)


@pytest.mark.matrix
def test_stop_start_restart_and_fast_stop(make_stack, engine, unique_name):
    stack = make_stack(
        f"""
  web:
    image: {IMAGE}
    command: ["python3", "-m", "http.server", "8000"]
    stop_signal: SIGINT
    stop_grace_period: 20s
  tini:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "echo hello from tini; exec sleep 1000000"]
""",
        volumes=False,
    )
    stack.up()
    _serving(stack)
    stack.stop()
    # PID 1 python exits on SIGINT, sleep under init exits on SIGTERM: neither is killed
    # (exit code 137) once its 10-20 s stop timeout has run out
    assert {r.state for r in stack.ps()} == {"exited"}
    assert 137 not in {r.exit_code for r in stack.ps()}, stack.ps()
    stack.start("web")
    assert {r.service: r.state for r in stack.ps()} == {"tini": "exited", "web": "running"}
    with pytest.raises(ServiceError, match=r"^service tini is not running \(exited\)$"):
        stack.exec("tini", "true")
    first = engine.api.inspect_container(f"{unique_name}-web-1")["State"]["StartedAt"]
    _serving(stack)
    stack.restart("web")
    assert engine.api.inspect_container(f"{unique_name}-web-1")["State"]["StartedAt"] != first
    _serving(stack)  # so the teardown's stop does not land before Python handles SIGINT
    lines = stack.logs("tini")
    assert [(line.container, line.text) for line in lines] == [("tini-1", "hello from tini")]
    assert lines[0].prefixed(8) == "tini-1   | hello from tini"
    # stop_signal reached PID 1: Python shut the server down on SIGINT
    assert any("Keyboard interrupt received" in line.text for line in stack.logs("web")), (
        stack.logs("web")
    )


def test_logs_follow_merges_containers_as_lines_arrive(make_stack):
    ticker = """
  {name}:
    image: {image}
    init: true
    command: ["sh", "-c", "i=0; while true; do i=$$((i+1)); echo {name} $$i; sleep 0.2; done"]
"""
    stack = make_stack(
        ticker.format(name="left", image=IMAGE) + ticker.format(name="right", image=IMAGE),
        volumes=False,
    )
    stack.up()
    seen: dict[str, list[str]] = {"left-1": [], "right-1": []}
    began = time.monotonic()
    for line in stack.logs(follow=True, tail=0):
        seen[line.container].append(line.text)
        if all(len(v) >= 3 for v in seen.values()) or time.monotonic() - began > 300:
            break
    assert all(len(v) >= 3 for v in seen.values()), seen
    # each container's lines arrive in order, with their own prefix
    for name, texts in seen.items():
        numbers = [int(t.split()[1]) for t in texts]
        assert texts[0].startswith(name.split("-")[0]) and numbers == sorted(numbers)


@pytest.mark.matrix
def test_build_then_rebuild_recreates_only_the_built_service(
    cleanup_images, make_stack, engine, unique_name, tmp_path
):
    # cleanup_images first: torn down after make_stack has removed the containers
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nRUN echo v1 > /version\n")
    services = f"""
  app:
    build: .
    init: true
    command: ["sleep", "1000000"]
  side:
    image: {IMAGE}
    init: true
    command: ["sleep", "1000000"]
"""
    stack = make_stack(services, volumes=False)
    tag = f"{unique_name}-app"  # Compose's name for a built image with no `image:`
    cleanup_images.append(tag)
    events = []
    stack.up(on_progress=events.append)
    assert [(e.name, e.action) for e in events if e.kind == "image"] == [
        (tag, "building"),
        (tag, "built"),
    ]
    first = engine.api.inspect_image(tag)["Id"]
    cleanup_images.append(first)
    assert stack.exec("app", "cat /version").stdout == "v1\n"

    assert not stack.up().changed  # the image exists: no build without --build

    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nRUN echo v2 > /version\n")
    result = stack.up(build=True)
    assert result.services["app"] == ("recreated", "image changed")
    assert result.services["side"] == ("unchanged", "")
    assert stack.exec("app", "cat /version").stdout == "v2\n"


def test_name_taken_by_a_foreign_container(make_stack, engine, unique_name):
    squatter = engine.api.create_container(IMAGE, ["true"], name=f"{unique_name}-web-1")
    try:
        stack = make_stack(f"\n  web:\n    image: {IMAGE}\n", volumes=False)
        with pytest.raises(ServiceError) as err:
            stack.up()
        assert str(err.value) == (
            f"service web: a container named {unique_name}-web-1 already exists and is not "
            f"part of stack {unique_name}"
        )
    finally:
        engine.api.remove_container(squatter["Id"], force=True)


def test_recreate_keeps_anonymous_volume_data(make_stack, engine, unique_name):
    def app(version: str) -> str:
        return sleeper(f'{{VERSION: "{version}"}}', '    volumes: ["/cache"]\n')

    first = make_stack(app("1"), volumes=False)
    first.up()
    assert first.exec("app", ["sh", "-c", "echo warm > /cache/entry"]).exit_code == 0
    second = make_stack(app("2"), volumes=False)
    assert second.up().services["app"] == ("recreated", "changed: environment")
    assert second.exec("app", "cat /cache/entry").stdout == "warm\n"
    # down -v removes the anonymous volume with its container; the fixture checks the rest
    mounts = engine.api.inspect_container(second.container_id("app"))["Mounts"]
    second.down(volumes=True)
    for m in mounts:
        with pytest.raises(docker.errors.NotFound):
            engine.api.inspect_volume(m["Name"])
