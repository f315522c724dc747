"""The inputs that used to end in a traceback: now one `error:` line (and a hint), in-process
through the real CLI entry point. None of these needs a Docker engine: each fails before
anything contacts one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.cli import main


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DOCKDJANGO_POSTGRES_IMAGE", raising=False)
    return tmp_path


def one_error(capsys: pytest.CaptureFixture[str], code: int, rc: int) -> str:
    err = capsys.readouterr().err
    assert rc == code and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ") and all(
        line.startswith(("hint: ", "warning: ")) for line in lines[1:]
    ), lines
    return lines[0]


DB = "services:\n  db:\n    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}\n"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ((DB + "    environment: {A: caf\xe9}\n").encode("latin-1"), "compose.yaml:4: not UTF-8"),
        (b"services:\n  db:\n    image: a\x00b\n", "compose.yaml:3: the file holds NUL bytes"),
    ],
)
def test_up_reads_the_file_as_the_loader_does(
    here: Path, capsys: pytest.CaptureFixture[str], data: bytes, words: str
) -> None:
    """`up` looks into the file (for the PostgreSQL image) before loading it: same decoding."""
    (here / "compose.yaml").write_bytes(data)
    line = one_error(capsys, 1, main(["up", "-p", "ddtest-never-started"]))
    assert words in line


def test_utf16_with_a_byte_order_mark_is_read(here: Path) -> None:
    from dockdjango.api.stack.postgres import postgres_environ

    (here / "compose.yaml").write_bytes("services:\n  web:\n    image: café\n".encode("utf-16"))
    env = postgres_environ(environ={})  # no variable named: no engine is asked
    assert env == {}
    assert main(["config", "-q"]) == 0


@pytest.mark.parametrize(
    ("service", "words"),
    [
        ("    expose: ['abc']\n", 'services.web.expose[0]: "abc" is not a container port'),
        ("    cpus: 1e400\n", 'services.web.cpus: "1e400" is out of range'),
        ("    ports: ['localhost:18081:80']\n", 'host IP "localhost" is not an IP address'),
    ],
)
def test_config_errors_name_file_line_and_field(
    here: Path, capsys: pytest.CaptureFixture[str], service: str, words: str
) -> None:
    (here / "compose.yaml").write_text("services:\n  web:\n    image: x\n" + service)
    line = one_error(capsys, 1, main(["config"]))
    assert line.startswith("error: compose.yaml:4: ") and words in line, line


@pytest.mark.parametrize("target", ["notaport", "0", "70000", "80/xyz", "-1"])
def test_port_with_a_bad_target_is_a_usage_error(
    here: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["port", "web", target])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "Traceback" not in err
    assert f"argument target: '{target}'" in err.strip().splitlines()[-1]
