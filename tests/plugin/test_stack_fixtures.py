"""``dockdjango_stack``, ``service_url``/``service_address``: scopes, failures, reuse, xdist."""

from __future__ import annotations

import json
import re

import pytest

from tests.plugin.conftest import BASE, projects_left, session_objects, web_compose

pytestmark = pytest.mark.engine

# An inner test module that records what it saw, one JSON file per test and process.
RECORDER = """
import json, os, urllib.request

def record(name, **data):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"{name}-{worker}.json", "w") as f:
        json.dump(data, f)

def test_first(dockdjango_stack, service_url, service_address, docker_client, dockdjango_session):
    stack = dockdjango_stack
    url = service_url("web", 8000)
    assert urllib.request.urlopen(url + "/").status == 200
    host, port = service_address("web", 8000)
    assert host == "127.0.0.1" and port != 8000  # ephemeral, never the file's 8000
    cid = stack.stack.container_id("web")
    inspected = docker_client.api.inspect_container(cid)
    record("first", project=stack.name, reused=stack.reused, cid=cid,
           started=inspected["State"]["StartedAt"], labels=inspected["Config"]["Labels"],
           session=dockdjango_session.id, pid=os.getpid())

def test_second(dockdjango_stack):
    record("second", project=dockdjango_stack.name)
"""


# Two tests sharing the session stack: a failure to bring it up errors both, each on its own.
TWO_TESTS = """
def test_a(dockdjango_stack):
    pass

def test_b(dockdjango_stack):
    pass
"""


def read(pytester: pytest.Pytester, name: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(pytester.path.glob(f"{name}-*.json"))]


def test_one_stack_for_the_session_labelled_and_down_at_the_end(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    pytester.makefile(".yaml", compose=web_compose())
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    pytester.makepyfile(test_stack=RECORDER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    (first,) = read(pytester, "first")
    (second,) = read(pytester, "second")
    assert first["project"] == second["project"]  # session scope: one stack
    assert first["reused"] is False
    labels = first["labels"]
    assert labels["dev.dockdjango.session"] == first["session"]
    assert labels["dev.dockdjango.owner-pid"] == str(first["pid"])
    assert labels["com.docker.compose.project"] == first["project"]
    assert session_objects(engine, first["session"]) == []  # down at the end
    assert not engine.api.networks(filters={"label": f"dev.dockdjango.session={first['session']}"})


def test_a_failing_service_shows_its_last_log_lines(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    failing = '["sh", "-c", "echo booting; echo db-password-missing-4e1 >&2; exit 4"]'
    pytester.makefile(".yaml", compose=web_compose(command=failing))
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    pytester.makepyfile(TWO_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    out = result.stdout.str()
    assert "db-password-missing-4e1" in out and "booting" in out, out
    assert re.search(r"service web", out), out
    assert "Traceback" not in out
    assert projects_left(engine, pytester.path) == []


def test_a_failing_build_shows_the_failing_steps_last_lines(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    """A session stack whose image fails to build: each test using it errors with the
    failing step and its last output lines, on one screen, no traceback, nothing left."""
    pytester.makefile(
        "",
        Dockerfile=f"FROM {BASE}\n"
        "RUN echo compiling-4f2 && echo missing-header-9c1 >&2 && exit 3\n",
    )
    compose = web_compose().replace(f"    image: {BASE}\n", "    build: .\n")
    pytester.makefile(".yaml", compose=compose)
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    pytester.makepyfile(TWO_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    out = result.stdout.str()
    assert "output lines of the failing step" in out, out
    assert "missing-header-9c1" in out and "compiling-4f2" in out, out
    assert "step [2/2]" in out and "exit code: 3" in out, out
    assert "Traceback" not in out
    assert projects_left(engine, pytester.path) == []


def test_reuse_keeps_the_stack_and_recreates_it_only_when_the_config_changes(
    pytester: pytest.Pytester, engine, base_image, project_cleanup
) -> None:
    compose = pytester.makefile(".yaml", compose=web_compose(extra_env="one"))
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    pytester.makepyfile(test_stack=RECORDER)

    def run() -> dict:
        for old in pytester.path.glob("*.json"):
            old.unlink()
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--dockdjango-reuse")
        result.assert_outcomes(passed=2)
        (first,) = read(pytester, "first")
        project_cleanup.append(first["project"])
        return first

    cold = run()
    assert cold["reused"] is False
    assert cold["labels"]["dev.dockdjango.keep"] == "reuse"
    running = engine.api.containers(filters={"id": cold["cid"], "status": "running"})
    assert running, "the kept stack must outlive the session"

    warm = run()
    assert warm["project"] == cold["project"]
    # reused: the very container the first session started, not restarted or recreated
    assert warm["reused"] is True and warm["cid"] == cold["cid"]
    assert warm["started"] == cold["started"]

    compose.write_text(web_compose(extra_env="two"))
    changed = run()
    assert changed["project"] == cold["project"]
    assert changed["reused"] is False and changed["cid"] != cold["cid"]
    assert not engine.api.containers(all=True, filters={"id": cold["cid"]})


def test_xdist_workers_share_one_stack_brought_up_once(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    pytester.makefile(".yaml", compose=web_compose())
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    # Enough tests that both workers get some; each records which stack it saw.
    pytester.makepyfile(
        test_many="""
        import json, os, time, urllib.request

        def test_a(dockdjango_stack, service_url):
            assert urllib.request.urlopen(service_url("web", 8000)).status == 200
            worker = os.environ["PYTEST_XDIST_WORKER"]
            cid = dockdjango_stack.stack.container_id("web")
            with open(f"seen-{worker}-{time.monotonic_ns()}.json", "w") as f:
                json.dump({"worker": worker, "project": dockdjango_stack.name, "cid": cid}, f)
            time.sleep(0.3)  # keep this worker busy so the other takes tests too
        """
    )
    (pytester.path / "test_more.py").write_text(
        "from test_many import test_a as test_b, test_a as test_c, test_a as test_d\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
    seen = read(pytester, "seen")
    assert {s["worker"] for s in seen} == {"gw0", "gw1"}
    assert len({s["project"] for s in seen}) == 1
    assert len({s["cid"] for s in seen}) == 1
    project = seen[0]["project"]
    assert not engine.api.containers(
        all=True, filters={"label": [f"com.docker.compose.project={project}"]}
    ), "the controller takes the shared stack down"


def test_profiles_and_services_choose_what_starts(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    sleeper = '["sleep", "300"]'
    pytester.makefile(
        ".yaml",
        compose=web_compose()
        + f"""\
  side:
    image: {BASE}
    command: {sleeper}
    init: true
    profiles: [extra]
    depends_on: [helper]
  helper:
    image: {BASE}
    command: {sleeper}
    init: true
""",
    )
    pytester.makeini(
        "[pytest]\ndockdjango_compose_file = compose.yaml\n"
        "dockdjango_profiles = extra\ndockdjango_services = side\n"
    )
    pytester.makepyfile(
        """
        import json

        def test_it(dockdjango_stack):
            with open("services.json", "w") as f:
                json.dump(sorted(c.service for c in dockdjango_stack.stack.ps()), f)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    # `side` (only with the profile) and what it depends on; not `web`.
    assert json.loads((pytester.path / "services.json").read_text()) == ["helper", "side"]


def test_under_xdist_a_failing_stack_fails_every_worker_with_its_logs(
    pytester: pytest.Pytester, engine, base_image
) -> None:
    failing = '["sh", "-c", "echo cannot-bind-9d2 >&2; exit 5"]'
    pytester.makefile(".yaml", compose=web_compose(command=failing))
    pytester.makeini("[pytest]\ndockdjango_compose_file = compose.yaml\n")
    pytester.makepyfile("".join(f"def test_{i}(dockdjango_stack):\n    pass\n\n" for i in range(4)))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(errors=4)
    out = result.stdout.str()
    # The worker that tried reports it; the other fails fast from the shared record.
    assert out.count("cannot-bind-9d2") >= 4, out
    assert "Traceback" not in out
    assert projects_left(engine, pytester.path) == []


def test_bad_configuration_is_a_one_line_error(pytester: pytest.Pytester, engine) -> None:
    pytester.makefile(".yaml", compose='services:\n  web:\n    image: x\n    ports: ["99999:80"]\n')
    pytester.makepyfile("def test_it(dockdjango_stack):\n    pass\n")
    missing = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--dockdjango-file", "no.yaml"
    )
    missing.assert_outcomes(errors=1)
    missing.stdout.fnmatch_lines(["dockdjango: compose file */no.yaml not found"])
    invalid = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--dockdjango-file", "compose.yaml"
    )
    invalid.assert_outcomes(errors=1)
    invalid.stdout.fnmatch_lines(["dockdjango: *compose.yaml:4*99999*"])
    assert "Traceback" not in missing.stdout.str() + invalid.stdout.str()
