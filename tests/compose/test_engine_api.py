"""Compose settings in the Engine API's units, converted once: a container ``up`` creates
and a Swarm service carry the same numbers for the same file (no engine needed)."""

from __future__ import annotations

from dockdjango.cluster.swarm import swarm_plan
from dockdjango.compose import load_dict
from dockdjango.compose.engine_api import extra_hosts, nano_cpus, nanoseconds, ulimits
from dockdjango.engine.up.create_request import create_request

SERVICE = {
    "image": "x",
    "cpus": 0.3,
    "ulimits": {"nproc": 512, "nofile": {"soft": 1024, "hard": 2048}},
    "extra_hosts": ["db.local=10.0.0.5", "v6.local=::1"],
    "stop_grace_period": "1m30s",
    "healthcheck": {
        "test": ["CMD", "true"],
        "interval": "1m30s",
        "timeout": "250ms",
        "start_period": "2s",
        "start_interval": "1s",
        "retries": 4,
    },
}


def _project():
    return load_dict({"name": "units", "services": {"web": SERVICE}})


def test_the_units_of_the_engine_api() -> None:
    assert nanoseconds("1m30s") == 90_000_000_000
    assert nanoseconds(1.5) == 1_500_000_000
    assert nanoseconds(None) is None
    assert nano_cpus("0.3") == 300_000_000  # rounded, not 299999999
    assert nano_cpus(0) is None
    assert ulimits({"nproc": 5}) == [{"Name": "nproc", "Soft": 5, "Hard": 5}]
    assert ulimits({}) is None
    assert extra_hosts(["a=1.2.3.4", "b:::1", "c=::1"]) == [
        ("a", "1.2.3.4"),
        ("b", "::1"),
        ("c", "::1"),
    ]


def test_a_container_and_a_swarm_service_carry_the_same_settings() -> None:
    project = _project()
    request = create_request(project, "web", 1, image="x", labels={})
    plan = swarm_plan(project)
    task = plan.services["web"].spec["TaskTemplate"]
    container = task["ContainerSpec"]
    assert request.create["healthcheck"] == container["Healthcheck"] == {
        "Test": ["CMD", "true"],
        "Interval": 90_000_000_000,
        "Timeout": 250_000_000,
        "StartPeriod": 2_000_000_000,
        "Retries": 4,
    }
    assert request.host_config["ulimits"] == container["Ulimits"]
    assert request.host_config["nano_cpus"] == task["Resources"]["Limits"]["NanoCPUs"]
    assert request.host_config["extra_hosts"] == ["db.local:10.0.0.5", "v6.local:::1"]
    assert container["Hosts"] == ["10.0.0.5 db.local", "::1 v6.local"]
    assert container["StopGracePeriod"] == 90_000_000_000
    # neither carries start_interval (Engine API 1.44), and both say so
    assert any("healthcheck.start_interval" in w for w in request.warnings)
    assert "services.web.healthcheck.start_interval" in plan.notes.warning()
