"""Pure parts of the plugin: owner liveness, labels, names, stack preparation. No daemon."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from dockdjango.api.stack.stack import Stack
from dockdjango.api.testing.testprep import own_project_name, prepare_for_tests, project_name
from dockdjango.engine.testing.readiness import Call, LogPattern, PortOpen, as_conditions
from dockdjango.engine.testing.sessions import (
    KEEP,
    OWNER_PID,
    OWNER_STARTED,
    SESSION,
    Owner,
    new_session_id,
    owner_alive,
    process_started,
    session_labels,
)
from tests.plugin.conftest import inner_env


def test_labels_name_the_session_and_its_owner() -> None:
    owner = Owner.current()
    labels = session_labels("pytest-abc", owner)
    assert labels[SESSION] == "pytest-abc"
    assert labels[OWNER_PID] == str(os.getpid())
    assert labels[OWNER_STARTED] == process_started(os.getpid()) != ""
    assert KEEP not in labels
    assert session_labels("s", owner, keep=True)[KEEP] == "reuse"


def test_session_ids_are_unique() -> None:
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200 and all(i.startswith("pytest-") for i in ids)


def test_a_live_owner_is_alive() -> None:
    assert owner_alive(session_labels("s", Owner.current())) is True


def test_a_finished_process_is_not() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    labels = session_labels("s", Owner.current(proc.pid))
    proc.wait()
    assert owner_alive(labels) is False


def test_a_recycled_pid_is_not_the_owner() -> None:
    labels = session_labels("s", Owner.current())
    labels[OWNER_STARTED] = str(int(labels[OWNER_STARTED]) - 1)  # started before us: another
    assert owner_alive(labels) is False


def test_another_hosts_owner_is_not_judged() -> None:
    labels = session_labels("s", Owner(pid=999999, started="1", host=socket.gethostname() + "x"))
    assert owner_alive(labels) is None
    assert owner_alive({SESSION: "s"}) is None


def test_project_names() -> None:
    one = project_name("/src/My App/compose.yaml", (), "pytest-0123456789ab", reuse=False)
    assert one == "myapp-0123456789ab"
    kept = project_name("/src/My App/compose.yaml", (), "pytest-0123456789ab", reuse=True)
    assert kept.startswith("myapp-pytest-") and kept == project_name(
        "/src/My App/compose.yaml", (), "pytest-ffffffffffff", reuse=True
    )
    other = project_name("/src/My App/compose.yaml", ("dev",), "pytest-0123456789ab", reuse=True)
    assert other != kept  # profiles make a different stack


def test_a_test_stack_gets_ephemeral_local_ports_labels_and_no_fixed_names() -> None:
    stack = Stack(
        {
            "name": "p",
            "services": {
                "web": {
                    "image": "x",
                    "container_name": "fixed",
                    "ports": [{"target": 8000, "published": "8000", "protocol": "tcp"}],
                    "labels": {"mine": "1"},
                    "volumes": ["data:/data"],
                }
            },
            "volumes": {"data": {}},
        }
    )
    prepare_for_tests(stack, {SESSION: "s1"})
    web = stack.project.services["web"].to_compose_dict()
    assert web["ports"] == [
        {"target": 8000, "protocol": "tcp", "host_ip": "127.0.0.1", "mode": "ingress"}
    ]
    assert "container_name" not in web
    assert web["labels"] == {"mine": "1", SESSION: "s1"}
    assert stack.project.volumes["data"].labels == {SESSION: "s1"}
    assert stack.project.networks["default"].labels == {SESSION: "s1"}


def test_wait_shorthands() -> None:
    def check(c: object) -> bool:
        return True

    conds = as_conditions(["ready", PortOpen(5432), check])
    assert conds[0] == LogPattern("ready")
    assert conds[1] == PortOpen(5432)
    assert isinstance(conds[2], Call) and conds[2].check is check
    assert as_conditions(None) == []
    with pytest.raises(TypeError):
        as_conditions(42)  # type: ignore[arg-type]


def test_prune_without_an_engine_says_so_on_one_line() -> None:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/dd.sock"}
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", "prune"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "error: cannot reach the Docker engine at unix:///nonexistent/dd.sock"
    ), proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_engine_is_an_error_naming_the_socket(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(docker_client):\n    pass\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=pytester.path,
        env=inner_env(DOCKER_HOST="unix:///nonexistent/dd.sock"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 error" in out, out
    assert "cannot reach the Docker engine at unix:///nonexistent/dd.sock" in out, out
    assert "Traceback" not in out


def test_a_built_service_keeps_its_usual_image_tag(tmp_path, monkeypatch) -> None:
    stack = Stack({"name": "library-0123", "services": {"web": {"build": {"context": "."}}}})
    prepare_for_tests(stack, {SESSION: "s1"}, image_project="library")
    # Not library-0123-web: one tag per test project would pile up image tags.
    assert stack.project.services["web"].image == "library-web"

    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    named = tmp_path / "My Dir" / "compose.yaml"
    named.parent.mkdir()
    named.write_text("name: library\nservices: {}\n")
    assert own_project_name(str(named)) == "library"
    named.write_text("services: {}\n")
    assert own_project_name(str(named)) == "mydir"
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "Other")
    assert own_project_name(str(named)) == "other"


def test_a_failed_build_reports_its_steps_last_lines() -> None:
    """A fixture whose stack fails to build shows the failing step's last 20 lines."""
    from dockdjango.errors import BuildError
    from dockdjango.pytest_plugin.fixtures import failure_report

    error = BuildError(
        "service web: step [2/2] `RUN make` failed: exit code: 2",
        step="RUN make",
        output=[f"out {i}" for i in range(1, 31)],
        hint="fix the instruction, or the files it reads",
    )
    lines = failure_report(error).splitlines()
    assert lines[0] == "dockdjango: service web: step [2/2] `RUN make` failed: exit code: 2"
    assert lines[1] == "  last 20 output lines of the failing step:"
    assert lines[2:22] == [f"    | out {i}" for i in range(11, 31)]
    assert lines[-1] == "hint: fix the instruction, or the files it reads"


def test_the_postgres_tmpfs_setting_is_a_size_or_off() -> None:
    from dockdjango.pytest_plugin.options import tmpfs_size

    assert tmpfs_size("") == "1g"
    assert tmpfs_size(" 2G ") == "2g" and tmpfs_size("512m") == "512m"
    assert [tmpfs_size(v) for v in ("false", "off", "no", "0")] == [None] * 4
    with pytest.raises(pytest.UsageError, match="dockdjango_postgres_tmpfs = '1 GB'"):
        tmpfs_size("1 GB")


def test_without_a_prepared_image_the_tmpfs_is_the_images_data_directory() -> None:
    from dockdjango.api.testing.testpostgres import TMPFS_POSTGRES, server_run

    env = {"POSTGRES_USER": "u"}
    fresh = server_run(None, "postgres:16", env, prepared=False, tmpfs_size="256m")  # type: ignore[arg-type]
    assert fresh["tmpfs"] == {"/var/lib/postgresql/data": "rw,size=256m"}
    assert fresh["command"][-2:] == list(TMPFS_POSTGRES)
    on_disk = server_run(None, "postgres:16", env, prepared=True, tmpfs_size=None)  # type: ignore[arg-type]
    assert "tmpfs" not in on_disk and on_disk["env"]["PGDATA"] == "/var/lib/dockdjango-pgdata"


def test_a_bad_postgres_tmpfs_value_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--dockdjango-postgres-tmpfs=lots"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*dockdjango_postgres_tmpfs = 'lots': expected a size such as 1g*"]
    )
