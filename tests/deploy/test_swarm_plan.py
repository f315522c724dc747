"""The Swarm plan (pure): names and labels as `docker stack deploy` writes them, deploy
keys, start waves, and a note for every setting Swarm cannot take."""

from __future__ import annotations

import pytest

from dockdjango.cli import main
from dockdjango.cluster.keys import KUBE, SWARM, WHY_NOT
from dockdjango.cluster.swarm import swarm_plan
from dockdjango.compose import load_dict
from dockdjango.compose.schema.canonical import SERVICE_KEYS
from dockdjango.errors import SpecError

NS = "com.docker.stack.namespace"


def _project(services, **top):
    return load_dict({"name": "shop", "services": services, **top}, workdir="/srv")


def test_names_and_labels_follow_docker_stack():
    plan = swarm_plan(
        _project(
            {
                "web": {
                    "image": "shop-web",
                    "labels": {"tier": "front"},
                    "deploy": {"labels": {"team": "a"}},
                    "volumes": ["data:/data"],
                }
            },
            volumes={"data": {"labels": {"keep": "yes"}}},
        )
    )
    spec = plan.services["web"].spec
    assert spec["Name"] == "shop_web"
    assert spec["Labels"] == {"team": "a", NS: "shop", "com.docker.stack.image": "shop-web"}
    container = spec["TaskTemplate"]["ContainerSpec"]
    assert container["Labels"] == {"tier": "front", NS: "shop"}
    assert container["Mounts"] == [
        {
            "Type": "volume",
            "Target": "/data",
            "Source": "shop_data",
            "VolumeOptions": {"Labels": {"keep": "yes", NS: "shop"}},
        }
    ]
    assert spec["TaskTemplate"]["Networks"] == [{"Target": "shop_default", "Aliases": ["web"]}]
    assert plan.networks["shop_default"]["Driver"] == "overlay"
    assert plan.networks["shop_default"]["Labels"] == {NS: "shop"}
    assert plan.volumes == ["shop_data"]


def test_deploy_keys_and_healthcheck_convert():
    plan = swarm_plan(
        _project(
            {
                "web": {
                    "image": "w",
                    "healthcheck": {
                        "test": ["CMD", "true"],
                        "interval": "2s",
                        "retries": 3,
                        "start_period": "1m",
                    },
                    "restart": "on-failure:4",
                    "deploy": {
                        "replicas": 2,
                        "resources": {
                            "limits": {"cpus": "0.5", "memory": "1g", "pids": 100},
                            "reservations": {"memory": "64m"},
                        },
                        "update_config": {"parallelism": 1, "order": "start-first", "delay": "3s"},
                        "placement": {
                            "constraints": ["node.role==manager"],
                            "max_replicas_per_node": 1,
                        },
                    },
                }
            }
        )
    )
    spec = plan.services["web"].spec
    task = spec["TaskTemplate"]
    assert spec["Mode"] == {"Replicated": {"Replicas": 2}}
    assert task["Resources"] == {
        "Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 1 << 30, "Pids": 100},
        "Reservations": {"MemoryBytes": 64 << 20},
    }
    assert spec["UpdateConfig"] == {
        "Parallelism": 1,
        "Delay": 3_000_000_000,
        "Order": "start-first",
    }
    assert task["Placement"] == {"Constraints": ["node.role==manager"], "MaxReplicas": 1}
    assert task["RestartPolicy"] == {"Condition": "on-failure", "MaxAttempts": 4}
    assert task["ContainerSpec"]["Healthcheck"] == {
        "Test": ["CMD", "true"],
        "Interval": 2_000_000_000,
        "StartPeriod": 60_000_000_000,
        "Retries": 3,
    }
    assert not plan.notes


def test_no_routing_mesh_publishes_in_host_mode_with_dnsrr_and_says_so():
    project = _project({"web": {"image": "w", "ports": ["127.0.0.1:8000:8000"]}})
    mesh = swarm_plan(project).services["web"].spec["EndpointSpec"]
    assert mesh == {
        "Mode": "vip",
        "Ports": [
            {"Protocol": "tcp", "TargetPort": 8000, "PublishMode": "ingress", "PublishedPort": 8000}
        ],
    }
    plan = swarm_plan(project, routing_mesh=False)
    assert plan.services["web"].spec["EndpointSpec"] == {
        "Mode": "dnsrr",
        "Ports": [
            {"Protocol": "tcp", "TargetPort": 8000, "PublishMode": "host", "PublishedPort": 8000}
        ],
    }
    lines = plan.notes.warning().splitlines()
    assert lines[0] == "3 compose setting(s) not carried over to Swarm as is:"
    assert any("ports[0].host_ip" in line and "every interface" in line for line in lines)


def test_unconverted_keys_are_listed_in_one_warning():
    plan = swarm_plan(
        _project(
            {
                "web": {
                    "image": "w",
                    "privileged": True,
                    "container_name": "web-1",
                    "network_mode": "host",
                    "pull_policy": "always",
                    "environment": {"UNSET": None},
                    "healthcheck": {"test": ["CMD", "true"], "start_interval": "1s"},
                }
            }
        )
    )
    paths = [n.path for n in plan.notes.sorted()]
    assert paths == [
        "services.web.container_name",
        "services.web.environment.UNSET",
        "services.web.healthcheck.start_interval",
        "services.web.network_mode",
        "services.web.privileged",
        "services.web.pull_policy",
    ]


def test_depends_on_becomes_waves_and_completed_dependencies_jobs():
    plan = swarm_plan(
        _project(
            {
                "db": {"image": "pg", "healthcheck": {"test": ["CMD", "true"]}},
                "migrate": {"image": "app", "depends_on": {"db": {"condition": "service_healthy"}}},
                "web": {
                    "image": "app",
                    "depends_on": {
                        "migrate": {"condition": "service_completed_successfully"},
                        "db": {"condition": "service_healthy", "restart": True},
                    },
                },
            }
        )
    )
    assert plan.waves == [["db"], ["migrate"], ["web"]]
    assert plan.services["migrate"].job
    assert plan.services["migrate"].spec["Mode"] == {
        "ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}
    }
    assert [(w.dependency, w.condition) for w in plan.waits_for("web")] == [
        ("db", "service_healthy"),
        ("migrate", "service_completed_successfully"),
    ]
    assert {n.path for n in plan.notes.items} == {
        "services.migrate.deploy.mode",
        "services.migrate.depends_on",
        "services.web.depends_on",
        "services.web.depends_on.db.restart",
    }


def test_configs_and_secrets_are_objects_with_references(tmp_path):
    (tmp_path / "pw").write_text("s3cret")
    project = load_dict(
        {
            "name": "shop",
            "services": {
                "web": {
                    "image": "w",
                    "secrets": ["pw"],
                    "configs": [{"source": "conf", "target": "/etc/app.conf", "mode": 0o440}],
                }
            },
            "secrets": {"pw": {"file": "./pw"}},
            "configs": {"conf": {"content": "debug = false\n"}},
        },
        workdir=tmp_path,
    )
    plan = swarm_plan(project)
    assert [(o.kind, o.name, o.data) for o in plan.objects] == [
        ("config", "shop_conf", b"debug = false\n"),
        ("secret", "shop_pw", b"s3cret"),
    ]
    container = plan.services["web"].spec["TaskTemplate"]["ContainerSpec"]
    assert container["Secrets"] == [
        {"File": {"Name": "pw", "UID": "0", "GID": "0", "Mode": 0o444}, "SecretName": "shop_pw"}
    ]
    assert container["Configs"][0]["File"]["Name"] == "/etc/app.conf"
    assert container["Configs"][0]["File"]["Mode"] == 0o440


def test_a_dependency_cycle_is_a_spec_error():
    with pytest.raises(SpecError, match="cycle"):
        swarm_plan(
            _project(
                {"a": {"image": "x", "depends_on": ["b"]}, "b": {"image": "x", "depends_on": ["a"]}}
            )
        )


def test_key_tables_cover_every_compose_service_key():
    assert set(SWARM) <= SERVICE_KEYS and set(KUBE) <= SERVICE_KEYS
    assert set(WHY_NOT) <= SERVICE_KEYS


def test_docs_table_lists_every_service_key():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "deploy.md").read_text()
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in text.splitlines()
        if line.startswith("| `")
    }
    assert SERVICE_KEYS - {"extends"} <= rows | {"extends"}


def test_deploy_without_a_target_is_a_one_line_error(capsys):
    assert main(["deploy"]) == 1
    assert "say where to deploy: --swarm" in capsys.readouterr().err


def test_cluster_package_is_pure():
    """The conversions import nothing of engine/api/cli, and never docker."""
    import ast
    from pathlib import Path

    import dockdjango.cluster

    offenders = []
    for module in sorted(Path(dockdjango.cluster.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] == "docker" or name.startswith(
                    ("dockdjango.engine", "dockdjango.api", "dockdjango.cli")
                ):
                    offenders.append(f"{module.name}: {name}")
    assert offenders == []
