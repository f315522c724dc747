"""`dockdjango config`: output formats, options, and one-line errors (in-process, fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dockdjango.cli import main

COMPOSE = """\
services:
  web:
    build: .
    command: 'echo "cost: $$5"'
    ports: ["8000:8000"]
    depends_on: [db]
  db:
    image: postgres:16
  debug:
    image: busybox
    profiles: [debug]
"""


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    for name in ("COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_FILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_json_and_yaml_agree(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--format", "json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert main(["config"]) == 0
    as_yaml = yaml.safe_load(capsys.readouterr().out)
    assert as_json["name"] == project_dir.name.lower().replace(".", "")
    assert as_json["services"]["web"]["command"] == ["echo", "cost: $$5"]  # escaped like Compose
    assert as_json["services"]["web"]["build"]["context"] == str(project_dir)
    for svc in as_json["services"].values():  # JSON shows unset command/entrypoint as null
        for key in ("command", "entrypoint"):
            if svc[key] is None:
                del svc[key]
    assert as_json == as_yaml


def test_services_profiles_and_project_name(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "--services"]) == 0
    assert capsys.readouterr().out.split() == ["web", "db"]
    assert main(["config", "--services", "--profile", "debug"]) == 0
    assert set(capsys.readouterr().out.split()) == {"web", "db", "debug"}
    assert main(["config", "-p", "demo", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["networks"]["default"]["name"] == "demo_default"
    assert main(["config", "-q"]) == 0
    assert capsys.readouterr().out == ""


def test_error_is_one_line_with_hint(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "compose.yaml").write_text(
        "services:\n  web:\n    image: x\n    ports:\n      - '99999:8000'\n"
    )
    assert main(["config"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'error: compose.yaml:5: services.web.ports[0]: "99999:8000" — host port must be 0–65535'
        " (0: any free port)",
        "hint: write [IP:][HOST:]CONTAINER[/PROTOCOL], e.g. 127.0.0.1:8000:8000",
    ]


def test_missing_file(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "-f", "nope.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: nope.yaml: file not found") and "Traceback" not in err


def test_json_flag_is_format_json(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--format", "json"]) == 0
    long_form = json.loads(capsys.readouterr().out)
    assert main(["config", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == long_form
    assert long_form["services"]
