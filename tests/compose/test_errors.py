"""Every kind of bad input gets its own SpecError naming file, line and dotted path."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.compose import load_project
from dockdjango.errors import SpecError


def load_error(tmp_path: Path, text: str, **kwargs: object) -> SpecError:
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_project([path], environ={}, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "path", "words"),
    [
        (
            "services:\n  web:\n    image: x\n    ports:\n      - '99999:8000'\n",
            5,
            "services.web.ports[0]",
            '"99999:8000" — host port must be 0–65535 (0: any free port)',
        ),
        ("services:\n  web:\n    image: x\n    prots: [80]\n", 4, "services.web.prots", "unknown"),
        ("services:\n  web:\n    image: [a]\n", 3, "services.web.image", "must be a string"),
        (
            "services:\n  web:\n    image: x\n    depends_on: [db]\n",
            4,
            "services.web.depends_on.db",
            "undefined service",
        ),
        (
            "services:\n  a:\n    image: x\n    depends_on: [b]\n"
            "  b:\n    image: x\n    depends_on: [a]\n",
            None,
            "depends_on",
            "dependency cycle",
        ),
        (
            "services:\n  web:\n    image: x\n    volumes:\n      - data:/d\n",
            5,
            "services.web.volumes[0]",
            'undefined volume "data"',
        ),
        (
            "services:\n  web:\n    image: x\n    networks: [front]\n",
            4,
            "services.web.networks.front",
            'undefined network "front"',
        ),
        (
            "services:\n  web:\n    image: ${TAG:?set TAG to the release}\n",
            3,
            "services.web.image",
            "set TAG to the release",
        ),
        (
            "services:\n  web:\n    image: ${TAG?}\n",
            3,
            "services.web.image",
            "required variable TAG",
        ),
        (
            "services:\n  web:\n    image: x\n    healthcheck:\n      interval: 10x\n",
            5,
            "services.web.healthcheck.interval",
            "not a duration",
        ),
        ("services:\n  web:\n    build: {context: ., dockerfil: D}\n", 3, "dockerfil", "unknown"),
        ("services:\n  web:\n    command: x\n", 2, "services.web", "neither an image"),
        ("services:\n  web:\n    image: x\n    restart: sometimes\n", 4, "restart", "restart"),
        ("services:\n  web:\n    image: x\n    ports: [80\n", 5, None, "invalid YAML"),
        ("services:\n  web:\n    image: x\n    image: y\n", 4, None, "already defined"),
        ("services:\n  web:\n    image: 'x${'\n", 3, "services.web.image", "invalid template"),
        ("services:\n  123:\n    image: x\n", 2, None, "non-string key"),
        ("services: []\n", 1, "services", "must be a mapping"),
        ("", None, None, "empty"),
        (
            "services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: ready}\n",
            5,
            "condition",
            "not a condition",
        ),
        (
            "services:\n  a: {image: x, container_name: bx}\n  b: {image: x, container_name: bx}\n",
            3,
            "container_name",
            "already used",
        ),
    ],
)
def test_error_names_file_line_and_path(
    tmp_path: Path, text: str, line: int | None, path: str | None, words: str
) -> None:
    err = load_error(tmp_path, text)
    assert err.file == "compose.yaml" or err.file.endswith("compose.yaml")
    if line is not None:
        assert err.line == line, str(err)
    if path is not None:
        assert err.path is not None and path in err.path, str(err)
    assert words in str(err), str(err)
    assert "\n" not in str(err)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    err = load_error(tmp_path, "services:\n  web:\n    image: x\n    enviroment: {A: 1}\n")
    assert err.hint == "did you mean `environment`?"


def test_profile_dependency_error_says_which_profile(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        "services:\n  web:\n    image: x\n    depends_on: [dbg]\n"
        "  dbg:\n    image: y\n    profiles: [debug]\n",
    )
    assert "inactive profiles" in str(err) and "--profile debug" in (err.hint or "")


def test_invalid_explicit_project_name(tmp_path: Path) -> None:
    err = load_error(tmp_path, "services:\n  web:\n    image: x\n", project_name="My App")
    assert "invalid project name" in str(err)


def test_missing_env_file(tmp_path: Path) -> None:
    err = load_error(tmp_path, "services:\n  web:\n    image: x\n    env_file: nope.env\n")
    assert "nope.env" in str(err) and err.path == "services.web.env_file"


def test_extends_cycle(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        "services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n",
    )
    assert "extends cycle" in str(err)


@pytest.mark.parametrize(
    ("deploy", "words"),
    [
        ("{resources: {impossible: {x: 1}}}", 'unknown key "impossible"'),
        ("{resources: {reservations: {devices: [{count: 1}]}}}", "missing `capabilities`"),
        (
            "{resources: {reservations: {devices: [{capabilities: [gpu], count: lots}]}}}",
            "count must be a number or `all`",
        ),
        (
            "{resources: {reservations: {devices: [{capabilities: [gpu], count: 1, "
            "device_ids: [a]}]}}}",
            "cannot both be set",
        ),
        ("{resources: {limits: {memory: 12zb}}}", "is not a size"),
        ("{replicaz: 2}", "did you mean"),
    ],
)
def test_deploy_mistakes(tmp_path: Path, deploy: str, words: str) -> None:
    err = load_error(tmp_path, f"services:\n  web:\n    image: x\n    deploy: {deploy}\n")
    assert err.line == 4 and err.path is not None and err.path.startswith("services.web.deploy")
    assert words in str(err) + (err.hint or ""), str(err)


def test_sizes_and_cpus_print_like_compose(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n  web:\n    image: x\n    deploy:\n      resources:\n"
        "        limits: {cpus: '0.50', memory: 50M}\n        reservations: {memory: 1gb}\n"
    )
    deploy = load_project([path], environ={}).services["web"].other["deploy"]
    assert deploy["resources"]["limits"] == {"cpus": 0.5, "memory": "52428800"}
    assert deploy["resources"]["reservations"] == {"memory": str(1024**3)}
    assert deploy["placement"] == {}
