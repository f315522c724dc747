"""A project in a sub directory, run from the directory above through the real CLI and
engine, with every project option Compose has on every command (issue 21: ``dockdjango
--project-directory sub up`` once failed with "no compose file found in <cwd>").

The options go before the command for some commands and after it for others, as users
write them; the project's ``.env`` is replaced by ``--env-file``, a profile adds a second
service, and ``-p`` names the project.
"""

from __future__ import annotations

import json

import pytest
from cli_run import cli

from dockdjango.engine.project.lifecycle import down
from tests.stacks import IMAGE, http_service

pytestmark = pytest.mark.engine

COMPOSE = (
    "services:\n"
    + http_service(extra="    environment:\n      WHERE: ${WHERE:-unset}\n")
    + f"  debug:\n    image: {IMAGE}\n    init: true\n"
    + '    command: ["sleep", "1000000"]\n    profiles: [debug]\n'
)


@pytest.fixture
def workspace(engine, base_image, unique_name, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "compose.yaml").write_text(COMPOSE)
    (sub / ".env").write_text("WHERE=dotenv\n")
    (sub / "alt.env").write_text("WHERE=env-file\n")
    yield tmp_path
    down(engine, unique_name, volumes=True)


def test_every_command_finds_the_project_in_a_sub_directory(workspace, unique_name) -> None:
    opts = [
        "--project-directory",
        "sub",
        "--env-file",
        "sub/alt.env",
        "-p",
        unique_name,
        "--profile",
        "debug",
    ]

    def ok(*args: str) -> str:
        run = cli(workspace, *args)
        assert run.returncode == 0, f"{args}: {run.stderr}"
        return run.stdout

    ok(*opts, "up", "-d")
    rows = json.loads(ok("ps", *opts, "--json"))
    assert sorted((r["service"], r["state"]) for r in rows) == [
        ("debug", "running"),
        ("web", "running"),
    ]
    assert ok(*opts, "exec", "-T", "web", "sh", "-c", "echo $WHERE").strip() == "env-file"
    host, _, port = ok("port", *opts, "web", "8000").strip().rpartition(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert ok(*opts, "run", "--rm", "-T", "web", "sh", "-c", "echo run $WHERE").strip() == (
        "run env-file"
    )
    ok("logs", *opts)
    ok(*opts, "stop", "debug")
    stopped = {r["service"]: r["state"] for r in json.loads(ok(*opts, "ps", "--json"))}
    assert stopped == {"debug": "exited", "web": "running"}
    ok("start", *opts, "debug")
    ok(*opts, "restart", "web")
    # nothing changed: up with the same options recreates nothing
    assert "nothing to do" in ok("up", *opts, "-d")
    assert "removed 2 container(s)" in ok(*opts, "down")
