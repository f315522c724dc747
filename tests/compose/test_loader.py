"""The loader's stages end to end: merge, extends, include, profiles, names, env, paths."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from compose_oracle import compared, compose_binary

from dockdjango.compose import (
    Project,
    Service,
    ServicePort,
    find_compose_files,
    load_dict,
    load_project,
    normalize_project_name,
)
from dockdjango.errors import SpecError


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_short_forms_become_long_forms(tmp_path: Path) -> None:
    f = write(
        tmp_path / "Shop App",
        "compose.yaml",
        "services:\n  web:\n    build: .\n    command: python manage.py runserver 0:8000\n"
        "    ports: ['127.0.0.1:8000:8000', '9000-9001:9000-9001/udp']\n"
        "    volumes: ['./src:/app:ro', 'data:/data']\n"
        "    environment: [DEBUG=1, TOKEN]\n    depends_on: [db]\n"
        "    healthcheck: {test: curl -f http://x, interval: 90s}\n    stop_grace_period: 1m\n"
        "  db: {image: postgres:16}\nvolumes: {data: {}}\n",
    )
    project = load_project([f], environ={"TOKEN": "t"})
    assert project.name == "shopapp"
    web = project.services["web"]
    assert web.build is not None and web.build.context == str(tmp_path / "Shop App")
    assert web.command == ["python", "manage.py", "runserver", "0:8000"]
    assert web.ports[0] == ServicePort(target=8000, published="8000", host_ip="127.0.0.1")
    assert [(p.target, p.published, p.protocol) for p in web.ports[1:]] == [
        (9000, "9000", "udp"),
        (9001, "9001", "udp"),
    ]
    assert web.volumes[0].type == "bind" and web.volumes[0].read_only
    assert web.volumes[0].source == str(tmp_path / "Shop App" / "src")
    assert web.volumes[1].type == "volume" and web.volumes[1].source == "data"
    assert web.environment == {"DEBUG": "1", "TOKEN": "t"}
    assert web.depends_on["db"].condition == "service_started"
    assert web.healthcheck is not None and web.healthcheck.test == ["CMD-SHELL", "curl -f http://x"]
    assert web.healthcheck.interval == "1m30s" and web.healthcheck.interval_seconds == 90.0
    assert web.stop_grace_period_seconds == 60.0
    assert web.networks == {"default": None}
    assert project.networks["default"].name == "shopapp_default"
    assert project.volumes["data"].name == "shopapp_data"


def test_override_files_merge_like_compose(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    image: web:1\n    command: [a]\n    environment: {A: '1', B: '1'}\n"
        "    ports: ['8000:8000']\n    volumes: ['./a:/app']\n",
    )
    write(
        tmp_path,
        "compose.override.yaml",
        "services:\n  web:\n    image: web:2\n    command: [b]\n    environment: [B=2, C=3]\n"
        "    ports: ['9000:9000']\n    volumes: ['./b:/app']\n",
    )
    assert find_compose_files(tmp_path) == [str(base), str(tmp_path / "compose.override.yaml")]
    web = load_project(workdir=tmp_path, environ={}).services["web"]
    assert web.image == "web:2" and web.command == ["b"]
    assert web.environment == {"A": "1", "B": "2", "C": "3"}
    assert [p.target for p in web.ports] == [8000, 9000]
    assert [v.source for v in web.volumes] == [str(tmp_path / "b")]


def test_reset_and_override_tags(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        "services:\n  web:\n    image: x\n    ports: ['80:80']\n    environment: {A: '1'}\n",
    )
    write(
        tmp_path,
        "b.yaml",
        "services:\n  web:\n    ports: !reset []\n    environment: !override {B: '2'}\n",
    )
    web = load_project(["a.yaml", "b.yaml"], workdir=tmp_path, environ={}).services["web"]
    assert web.ports == [] and web.environment == {"B": "2"}


def test_extends_from_another_file_rebases_paths(tmp_path: Path) -> None:
    write(
        tmp_path / "common",
        "base.yaml",
        "services:\n  app:\n    build: ./ctx\n    environment: {A: '1'}\n",
    )
    f = write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    extends: {file: common/base.yaml, "
        "service: app}\n    environment: {B: '2'}\n",
    )
    web = load_project([f], environ={}).services["web"]
    assert web.build is not None and web.build.context == str(tmp_path / "common" / "ctx")
    assert web.environment == {"A": "1", "B": "2"}


def test_include_brings_services(tmp_path: Path) -> None:
    write(
        tmp_path / "db",
        "compose.yaml",
        "services:\n  db:\n    image: pg\n    volumes: ['./init:/init']\n",
    )
    f = write(
        tmp_path,
        "compose.yaml",
        "include: [db/compose.yaml]\nservices:\n  web:\n    image: w\n    depends_on: [db]\n",
    )
    project = load_project([f], environ={})
    assert set(project.services) == {"web", "db"}
    assert project.services["db"].volumes[0].source == str(tmp_path / "db" / "init")


def test_profiles(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "compose.yaml",
        "services:\n  web: {image: w}\n  debug: {image: d, profiles: [debug]}\n",
    )
    assert set(load_project([f], environ={}).services) == {"web"}
    assert set(load_project([f], environ={}, profiles=["debug"]).services) == {"web", "debug"}
    assert set(load_project([f], environ={"COMPOSE_PROFILES": "debug"}).services) == {
        "web",
        "debug",
    }


def test_project_name_precedence(tmp_path: Path) -> None:
    f = write(
        tmp_path / "Dir.Name",
        "compose.yaml",
        "name: from-file\nservices:\n  web:\n    image: ${COMPOSE_PROJECT_NAME}-img\n",
    )
    assert load_project([f], environ={}).name == "from-file"
    assert load_project([f], environ={}).services["web"].image == "from-file-img"
    assert load_project([f], environ={"COMPOSE_PROJECT_NAME": "env"}).name == "env"
    assert (
        load_project([f], environ={"COMPOSE_PROJECT_NAME": "env"}, project_name="cli").name == "cli"
    )
    assert normalize_project_name("Dir.Name") == "dirname"
    assert normalize_project_name("_-My App") == "myapp"


def test_dotenv_and_env_file(tmp_path: Path) -> None:
    write(tmp_path, ".env", 'TAG=1.2\nexport QUOTED="a b" # comment\n')
    write(tmp_path, "app.env", "FROM_FILE=yes\nOVERRIDDEN=file\n")
    f = write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    image: app:${TAG}\n"
        "    env_file: app.env\n    environment: {OVERRIDDEN: env, Q: $QUOTED}\n",
    )
    web = load_project([f], environ={"TAG": "from-process"}).services["web"]
    assert web.image == "app:from-process"  # the process environment wins over .env
    assert web.environment == {"FROM_FILE": "yes", "OVERRIDDEN": "env", "Q": "a b"}
    assert web.env_file == [str(tmp_path / "app.env")]


def test_optional_missing_env_file_is_skipped(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    image: x\n    env_file:\n"
        "      - path: missing.env\n        required: false\n",
    )
    assert load_project([f], environ={}).services["web"].environment == {}


def test_no_compose_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no compose file found"):
        find_compose_files(tmp_path)


def test_from_dict_and_python_models() -> None:
    project = load_dict(
        {"services": {"web": {"image": "x", "ports": ["8000:8000"]}}}, project_name="py"
    )
    assert project.services["web"].ports[0].published == "8000"
    built = Project(name="py", services={"web": Service(image="x", ports=[ServicePort(target=80)])})
    assert built.to_compose_dict()["services"]["web"]["ports"] == [
        {"target": 80, "mode": "ingress", "protocol": "tcp"}
    ]


def test_to_yaml_is_accepted_by_compose_and_reloads_the_same(tmp_path: Path) -> None:
    binary = compose_binary()
    if binary is None:
        pytest.skip("docker-compose not installed")
    f = write(
        tmp_path,
        "compose.yaml",
        "name: rt\nservices:\n  web:\n    build: .\n"
        "    command: echo '$$HOME' done\n    ports: ['8000:8000']\n    volumes: [data:/d]\n"
        "    healthcheck: {test: [CMD, 'true'], interval: 5s}\n    depends_on: [db]\n"
        "  db: {image: pg, environment: [A=1]}\nvolumes: {data: {}}\n",
    )
    project = load_project([f], environ={})
    assert project.services["web"].command == ["echo", "$HOME", "done"]
    out = write(tmp_path, "roundtrip.yaml", project.to_yaml())
    again = load_project([out], environ={})
    assert again.to_compose_dict() == project.to_compose_dict()
    proc = subprocess.run(
        [binary, "-f", str(out), "config", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(proc.stdout)
    from dockdjango.compose.dollars import escape_dollars

    assert compared(theirs) == compared(escape_dollars(project.to_compose_dict()))


def test_200_services_load(tmp_path: Path) -> None:
    # How fast is benchmarks/spec_load.py's figure (beside `docker compose config`); here
    # only that a large file loads whole.
    lines = ["services:"]
    for i in range(200):
        lines += [
            f"  s{i}:",
            f"    image: img{i}",
            f"    ports: ['{10000 + i}:80']",
            f"    environment: [A={i}]",
            "    volumes: ['./d:/d', 'v:/v']",
            f"    depends_on: [s{max(i - 1, 0)}]" if i else "    restart: always",
        ]
    lines += ["volumes: {v: {}}"]
    f = write(tmp_path, "compose.yaml", "\n".join(lines) + "\n")
    project = load_project([f], environ={})
    assert len(project.services) == 200
    assert list(project.services["s199"].depends_on) == ["s198"]
    assert project.services["s150"].environment == {"A": "150"}


def test_python_built_project_gets_compose_defaults_and_loads_back(tmp_path: Path) -> None:
    from dockdjango.compose import ServiceVolume, Volume

    project = Project(
        name="py",
        services={
            "web": Service(
                image="web:1",
                volumes=[ServiceVolume(type="volume", source="data", target="/data")],
            )
        },
        volumes={"data": Volume()},
    )
    assert project.services["web"].networks == {"default": None}
    assert project.networks["default"].name == "py_default"
    assert project.volumes["data"].name == "py_data"
    path = write(tmp_path, "compose.yaml", project.to_yaml())
    assert load_project([path], environ={}).to_compose_dict() == {
        **project.to_compose_dict(),
    }


def test_service_lookup_names_the_known_services() -> None:
    project = Project(name="py", services={"web": Service(image="x")})
    with pytest.raises(SpecError, match="no service named 'db'") as info:
        project.service("db")
    assert info.value.hint == "services in py: web"


def test_compose_file_and_profiles_from_dotenv_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, ".env", "COMPOSE_FILE=app/compose.yaml\nCOMPOSE_PROFILES=extra\nNAME=cwd\n")
    write(tmp_path / "app", ".env", "NAME=${NAME:-app}\nTAG=${TAG:-1}\n")
    write(
        tmp_path / "app",
        "compose.yaml",
        "services:\n  web: {image: '${NAME}:${TAG}'}\n  more: {image: m, profiles: [extra]}\n",
    )
    monkeypatch.chdir(tmp_path)
    project = load_project(environ={})
    assert project.name == "app"
    assert project.services["web"].image == "cwd:1"
    assert set(project.services) == {"web", "more"}


def test_warnings_for_unset_variables_and_version(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "compose.yaml",
        "version: '3.8'\nservices:\n  web:\n"
        "    image: app:${TAG}\n    environment: {A: '${A:-x}', B: $$B}\n",
    )
    project = load_project([f], environ={})
    assert project.services["web"].image == "app:"
    assert [w.split("compose.yaml:", 1)[1] for w in project.warnings] == [
        "1: version: obsolete, ignored (as Compose v2 does)",
        '4: services.web.image: variable TAG is not set, using ""',
    ]
    assert "warnings" not in project.to_compose_dict()


def test_service_accepts_compose_short_forms_in_python() -> None:
    from dockdjango.compose import DependsOn

    svc = Service(
        image="postgres:16",
        command="postgres -c fsync=off",
        ports=["127.0.0.1:5432:5432"],
        environment=["POSTGRES_PASSWORD=x", "TZ"],
        depends_on=["init"],
        healthcheck={"test": "pg_isready", "interval": "90s"},
        volumes=["pgdata:/var/lib/postgresql/data"],
        shm_size="64m",
    )
    assert svc.command == ["postgres", "-c", "fsync=off"]
    assert svc.ports == [ServicePort(target=5432, published="5432", host_ip="127.0.0.1")]
    assert svc.environment == {"POSTGRES_PASSWORD": "x", "TZ": None}
    assert svc.depends_on == {"init": DependsOn()}
    assert svc.healthcheck is not None and svc.healthcheck.interval_seconds == 90.0
    assert svc.volumes[0].source == "pgdata" and svc.other == {"shm_size": "67108864"}
    long_form = Service(image="x", ports=[ServicePort(target=80)], environment={"A": "1"})
    assert long_form.ports == [ServicePort(target=80)]
    with pytest.raises(SpecError, match="host port must be 0–65535"):
        Service(image="x", ports=["99999:80"])


def test_assigning_a_field_keeps_the_others() -> None:
    """An assignment is validated through the short-form stage with every field; fields it
    does not touch (unset ones included) must stay as they were."""
    svc = Service(image="x", command="a b", build=".", shm_size="64m")
    svc.labels = {"team": "web"}
    assert svc.command == ["a", "b"] and svc.build is not None and svc.build.context == "."
    assert svc.labels == {"team": "web"} and svc.other == {"shm_size": "67108864"}
    assert svc.entrypoint is None and svc.image == "x"
