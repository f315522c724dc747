"""Pure parts of stacks, no daemon: container specs, dependency order, recreate decisions."""

from __future__ import annotations

import json

import pytest
from docker.errors import APIError

from dockdjango.compose import Project, Service, load_dict
from dockdjango.compose.confighash import hashed_service, service_hash
from dockdjango.compose.graph import closure, dependents, find_cycle, graph, levels, order
from dockdjango.compose.models import DependsOn
from dockdjango.compose.naming import container_name, normalize_project_name, resource_name
from dockdjango.engine import labels as L
from dockdjango.engine.failures import explain_start_error
from dockdjango.engine.up.actions import plan_service, propagate_restarts, why_recreate
from dockdjango.engine.up.create_request import create_request
from dockdjango.engine.up.replace import final_name, replacement_labels, temporary_name
from dockdjango.errors import SpecError


def _spec(service):
    """The create request for ``services.web`` (a compose mapping) of project ``proj``."""
    project = load_dict(
        {
            "name": "proj",
            "services": {"web": service},
            "networks": {"back": {}, "default": {}},
            "volumes": {"data": {}},
        }
    )
    return create_request(project, "web", 1, image="img:1", labels={"a": "b"})


def test_names_follow_compose():
    assert container_name("proj", "web", 2) == "proj-web-2"
    assert resource_name("proj", "data") == "proj_data"
    assert resource_name("proj", "data", "shared") == "shared"
    assert resource_name("proj", "data", external=True) == "data"
    assert normalize_project_name("My App.v2") == "myappv2"
    assert normalize_project_name("__x") == "x"


def test_container_spec_translates_the_everyday_settings():
    spec = _spec(
        {
            "image": "x",
            "command": ["python3", "-m", "http.server"],
            "environment": {"B": "2", "A": None},
            "ports": [
                {"target": 8000, "host_ip": "127.0.0.1", "published": "8000", "protocol": "tcp"}
            ],
            "volumes": [
                {"type": "volume", "source": "data", "target": "/data"},
                {"type": "bind", "source": "/src", "target": "/app", "read_only": True},
                {"type": "volume", "target": "/anon"},
                {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 1000}},
            ],
            "networks": {"back": {"aliases": ["api"]}, "default": None},
            "healthcheck": {"test": ["CMD", "true"], "interval": "500ms", "retries": 3},
            "init": True,
            "stop_signal": "SIGINT",
            "stop_grace_period": "3s",
            "restart": "on-failure:2",
            "extra_hosts": ["host.docker.internal=host-gateway"],
            "x-ours": 1,
            "blkio_config": {"weight": 300},
        }
    )
    assert spec.name == "proj-web-1"
    create, host = spec.create, spec.host_config
    assert create["environment"] == ["A", "B=2"]
    assert create["ports"] == [(8000, "tcp")]
    assert create["volumes"] == ["/anon"]
    assert create["stop_signal"] == "SIGINT" and create["stop_timeout"] == 3
    assert create["healthcheck"] == {"Test": ["CMD", "true"], "Interval": 500_000_000, "Retries": 3}
    assert host["port_bindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8000"}]}
    assert host["binds"] == ["proj_data:/data:rw", "/src:/app:ro"]
    assert host["tmpfs"] == {"/tmp": "size=1000"}
    assert host["init"] is True
    assert host["restart_policy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert host["extra_hosts"] == ["host.docker.internal:host-gateway"]
    # networks sorted by name when priorities tie; service name and container name are aliases
    assert list(spec.networks) == ["proj_back", "proj_default"]
    assert spec.networks["proj_back"]["aliases"] == ["proj-web-1", "web", "api"]
    assert host["network_mode"] == "proj_back"
    assert spec.warnings == [
        "services.web.blkio_config is not supported by dockdjango yet and was ignored"
    ]


def test_disabled_healthcheck_and_default_network():
    spec = _spec({"image": "x", "healthcheck": {"disable": True}})
    assert spec.create["healthcheck"] == {"Test": ["NONE"]}
    assert spec.host_config["network_mode"] == "proj_default"


SERVICES = {
    "db": Service(image="x"),
    "cache": Service(image="x"),
    "web": Service(
        image="x",
        depends_on={
            "db": {"condition": "service_healthy"},
            "cache": {"condition": "service_started"},
        },
    ),
    "worker": Service(
        image="x", depends_on={"web": {"condition": "service_started", "restart": True}}
    ),
}


def test_levels_put_dependencies_first_and_group_independent_services():
    deps = graph(SERVICES)
    assert levels(deps) == [["cache", "db"], ["web"], ["worker"]]
    assert order(deps)[-1] == "worker"
    assert dependents(deps, ["db"]) == {"web", "worker"}
    assert closure(deps, ["web"]) == {"web", "db", "cache"}


def test_cycles_and_missing_dependencies_are_spec_errors():
    with pytest.raises(SpecError, match="cycle"):
        levels({"a": {"b"}, "b": {"a"}})
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["b"]}) == ["b", "c", "b"]
    assert find_cycle({"a": ["nope"]}) is None
    with pytest.raises(SpecError, match="'nope'"):
        graph({"a": Service(image="x", depends_on=["nope"])})
    # an optional dependency that is not in the stack is skipped, as Compose does
    optional = {
        "a": Service(
            image="x", depends_on={"nope": {"condition": "service_started", "required": False}}
        )
    }
    assert levels(graph(optional)) == [["a"]]


def _container(
    svc, *, state="running", image="sha256:1", record=True, nets=("n1",), vols=("proj_data",)
):
    labels = {
        L.CONFIG_HASH: service_hash(svc),
        L.IMAGE: image,
        L.CONTAINER_NUMBER: "1",
    }
    if record:
        labels[L.CONFIG_DIGESTS] = L.container_labels(
            project="p",
            service="s",
            number=1,
            config_hash="",
            image_id="",
            depends_on={},
            working_dir="",
            config_files=[],
            user_labels={},
            hashed_config=hashed_service(svc),
        )[L.CONFIG_DIGESTS]
    return {
        "Id": "c1",
        "Names": ["/p-s-1"],
        "State": state,
        "Labels": labels,
        "NetworkSettings": {"Networks": {k: {"NetworkID": k} for k in nets}},
        "Mounts": [{"Type": "volume", "Name": v} for v in vols],
    }


def test_why_recreate_names_the_setting_that_changed():
    old = {"image": "x", "environment": {"A": "1"}}
    new = {"image": "x", "environment": {"A": "2"}}
    args = dict(network_ids={"default": "n1"}, volume_names={"data": "proj_data"})
    c = _container(old)
    assert why_recreate(c, service_hash(old), hashed_service(old), "sha256:1", **args) == ""
    assert (
        why_recreate(c, service_hash(new), hashed_service(new), "sha256:1", **args)
        == "changed: environment"
    )
    unrecorded = _container(old, record=False)
    assert why_recreate(unrecorded, service_hash(new), hashed_service(new), "sha256:1", **args) == (
        "configuration changed"
    )
    assert (
        why_recreate(c, service_hash(old), hashed_service(old), "sha256:2", **args)
        == "image changed"
    )
    assert (
        why_recreate(c, service_hash(new), hashed_service(new), "sha256:2", policy="never", **args)
        == ""
    )
    assert why_recreate(
        c, service_hash(old), hashed_service(old), "sha256:1", policy="force", **args
    )
    detached = _container(old, nets=())
    assert why_recreate(detached, service_hash(old), hashed_service(old), "sha256:1", **args) == (
        "not connected to network default"
    )


def test_the_config_label_holds_digests_never_values():
    old = {"image": "x", "environment": {"POSTGRES_PASSWORD": "s3cret-value"}}
    new = {"image": "x", "environment": {"POSTGRES_PASSWORD": "other-value"}}
    args = dict(network_ids={}, volume_names={})
    c = _container(old)
    assert all("s3cret" not in value for value in c["Labels"].values())
    assert why_recreate(c, service_hash(new), hashed_service(new), "sha256:1", **args) == (
        "changed: environment"
    )
    # a container made by an older dockdjango carries the whole config: still read, as digests
    legacy = _container(old, record=False)
    legacy["Labels"][L.OLD_CONFIG] = json.dumps(hashed_service(old), sort_keys=True)
    assert why_recreate(legacy, service_hash(new), hashed_service(new), "sha256:1", **args) == (
        "changed: environment"
    )
    # a label that does not parse is no record: the generic reason, no crash
    for broken in ("{", "[]", '{"environment": 1}'):
        for key in (L.CONFIG_DIGESTS, L.OLD_CONFIG):
            odd = _container(old, record=False)
            odd["Labels"][key] = broken
            reason = why_recreate(odd, service_hash(new), hashed_service(new), "sha256:1", **args)
            assert reason.startswith(("changed: ", "configuration changed")), reason


def test_plan_creates_starts_keeps_and_scales_down():
    svc = {"image": "x"}
    stopped = _container(svc, state="exited", vols=())
    extra = dict(
        _container(svc, vols=()), Id="c2", Labels={**stopped["Labels"], L.CONTAINER_NUMBER: "2"}
    )
    acts = plan_service(
        "s",
        scale=1,
        config_hash=service_hash(svc),
        hashed=hashed_service(svc),
        image_id="sha256:1",
        existing=[stopped, extra],
        network_ids={},
        volume_names={},
    )
    assert [(a.number, a.op) for a in acts] == [(1, "start"), (2, "remove")]
    acts = plan_service(
        "s",
        scale=2,
        config_hash="h",
        hashed={},
        image_id="i",
        existing=[],
        network_ids={},
        volume_names={},
    )
    assert [a.op for a in acts] == ["create", "create"]


def test_dependents_with_restart_true_restart_when_their_dependency_is_recreated():
    from dockdjango.engine.up.actions import Action

    actions = {"db": [Action("db", 1, "recreate")], "web": [Action("web", 1, "keep")]}
    propagate_restarts(actions, {"web": {"db": DependsOn(restart=True)}, "db": {}})
    assert actions["web"][0].op == "restart" and "db" in actions["web"][0].reason
    actions = {"db": [Action("db", 1, "recreate")], "web": [Action("web", 1, "keep")]}
    propagate_restarts(actions, {"web": {"db": DependsOn(restart=False)}, "db": {}})
    assert actions["web"][0].op == "keep"


def test_port_errors_become_one_sentence_naming_service_and_fix():
    class _Resp:
        status_code = 500
        reason = "error"

    in_use = APIError(
        "x",
        response=_Resp(),
        explanation="driver failed programming external connectivity on endpoint p-web-1 (abc): "
        "Error starting userland proxy: listen tcp4 127.0.0.1:8000: bind: address already in use",
    )
    err = explain_start_error("web", in_use)
    assert str(err) == (
        "port 127.0.0.1:8000 is already in use (by another program) — "
        "free it or change services.web.ports"
    )
    taken = APIError(
        "x",
        response=_Resp(),
        explanation="Bind for 127.0.0.1:8001 failed: port is already allocated",
    )
    assert "(by another container)" in str(explain_start_error("web", taken))


def test_projects_built_in_python_get_compose_defaults():
    project = Project(name="p", services={"a": Service(image="x")}, volumes={"v": {}})
    assert project.services["a"].networks == {"default": None}
    assert project.networks["default"].name == "p_default"
    assert project.volumes["v"].name == "p_v"
    assert project.image_ref("a") == "x"
    assert Project(name="p", services={"b": Service(build=".")}).image_ref("b") == "p-b"


def test_select_keeps_dependencies_and_knows_the_rest():
    project = Project(name="p", services=SERVICES)
    web = project.with_selected_services(["web"])
    assert sorted(web.services) == ["cache", "db", "web"]
    assert sorted(web.disabled_services) == ["worker"]
    assert web.all_service_names == set(SERVICES)  # worker's containers are not orphans
    with pytest.raises(SpecError, match="no such service: nope"):
        project.with_selected_services(["nope"])


def test_profiles_keep_disabled_services_on_the_project(tmp_path):
    from dockdjango.compose import load_project

    (tmp_path / "compose.yaml").write_text(
        "services:\n  a: {image: x}\n  dbg: {image: x, profiles: [debug]}\n"
    )
    off = load_project([str(tmp_path / "compose.yaml")])
    assert list(off.services) == ["a"] and list(off.disabled_services) == ["dbg"]
    assert "dbg" not in off.to_compose_dict()["services"]
    on = load_project([str(tmp_path / "compose.yaml")], profiles=["debug"])
    assert sorted(on.services) == ["a", "dbg"] and on.disabled_services == {}


def test_late_errors_and_warnings_name_file_and_line(tmp_path):
    from dockdjango.compose import load_project
    from dockdjango.errors import ServiceError

    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: x\n    blkio_config: {weight: 300}\n"
        "  side:\n    image: x\n    network_mode: service:web\n    ports: ['8000']\n"
    )
    project = load_project([str(tmp_path / "compose.yaml")])
    file = project.config_files[0]
    shown = project.origin("services.web").file
    assert shown.endswith("compose.yaml") and file.endswith(shown)
    request = create_request(project, "web", 1, image="x", labels={})
    assert request.warnings == [
        f"{shown}:4: services.web.blkio_config is not supported by dockdjango yet and was ignored"
    ]
    with pytest.raises(ServiceError, match=rf"^{shown}:7: services.side.network_mode: service:web"):
        create_request(project, "side", 1, image="x", labels={})


def test_engine_vanishing_mid_operation_is_engine_unavailable(tmp_path):
    import docker

    from dockdjango.api.stack.stack import Stack
    from dockdjango.errors import EngineUnavailable

    sock = tmp_path / "gone.sock"
    client = docker.DockerClient(base_url=f"unix://{sock}", version="1.41")
    stack = Stack({"name": "ddtest-gone", "services": {"a": {"image": "x"}}}, client=client)
    with pytest.raises(EngineUnavailable):
        stack.ps()
    with pytest.raises(EngineUnavailable):
        stack.down()


def test_network_mode_of_a_service_is_its_first_container_and_errors_are_clear():
    from dockdjango.errors import ServiceError

    shared_spec = {"image": "x", "network_mode": "service:db"}
    shared = Service(**shared_spec)
    project = Project(
        name="proj",
        services={"db": Service(image="x"), "web": shared, "cache": shared},
    )
    request = create_request(project, "web", 1, image="x", labels={})
    assert request.host_config["network_mode"] == "container:proj-db-1"
    assert request.networks == {}
    named = Project(
        name="proj", services={"db": Service(image="x", container_name="pg"), "web": shared}
    )
    assert (
        create_request(named, "web", 1, image="x", labels={}).host_config["network_mode"]
        == "container:pg"
    )
    nowhere = Project(name="proj", services={"web": shared})
    with pytest.raises(ServiceError, match=r"service:db names no service of this project"):
        create_request(nowhere, "web", 1, image="x", labels={})
    busy = load_dict(
        {"services": {"db": {"image": "x"}, "web": {**shared_spec, "ports": ["8000"]}}},
        project_name="proj",
    )
    with pytest.raises(ServiceError, match=r"its ports cannot be published here"):
        create_request(busy, "web", 1, image="x", labels={})
    assert _spec({"image": "x", "network_mode": "host"}).host_config["network_mode"] == "host"


def test_replacement_names_and_labels_follow_compose():
    old = "0123456789abcdef" * 4
    assert temporary_name(old, "proj-web-1") == "0123456789ab_proj-web-1"
    assert final_name("0123456789ab_proj-web-1") == "proj-web-1"
    assert final_name("0123456789ab_custom") == "custom"
    assert final_name("proj-web-1") is None
    assert final_name("0123456789ab-proj-web-1") is None  # not Compose's separator
    assert replacement_labels({"a": "b"}, "web", 2, None) == {"a": "b", L.REPLACE: "web-2"}
    assert replacement_labels({}, "web", 1, "custom") == {L.REPLACE: "custom"}
