"""``stop`` and ``down`` over the local socket, without the SDK: on two copies of one real
stack, the socket's path and the SDK's stop in the same order, say the same, and leave
nothing behind -- containers, networks, named and anonymous volumes -- and both take a
container, network or volume already gone, or still in use, alike."""

from __future__ import annotations

import uuid

import docker
import pytest

from dockdjango.engine import stop as teardown
from dockdjango.engine.socket_client import open_local
from dockdjango.engine.stop import SdkOperations
from tests.stacks import IMAGE

pytestmark = pytest.mark.engine

COMPOSE = f"""services:
  db:
    image: {IMAGE}
    init: true
    command: ["sleep", "100000"]
    volumes: ["data:/data", "/anon"]
  web:
    image: {IMAGE}
    init: true
    command: ["sleep", "100000"]
    depends_on: [db]
  extra:
    image: {IMAGE}
    init: true
    command: ["sleep", "100000"]
    profiles: [x]
volumes:
  data: {{}}
"""


@pytest.fixture
def two_stacks(engine, base_image, tmp_path):
    """The same stack twice (its ``x`` profile up too): one for the SDK's path, one for
    the socket's; every one of their resources removed after, whatever happened."""
    from dockdjango.api.compose_project import ProjectOptions
    from dockdjango.api.local_engine import local_project
    from dockdjango.api.stack import Stack
    from dockdjango.api.stack.stack import down_project

    if open_local() is None:
        pytest.skip("the engine is not Docker on a local socket: the SDK's path answers")
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    names = [f"ddtest-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    pairs = []
    # a plain `down` (as a test makes) keeps the containers' anonymous volumes, as
    # Compose's does: remembered here to be removed at the end
    anonymous: list[str] = []
    try:
        for name in names:
            options = ProjectOptions.resolve(
                [str(tmp_path / "compose.yaml")], project_name=name, profiles=["x"]
            )
            Stack.from_options(options, typed=False).up(wait=False)
            anonymous += [
                m["Name"]
                for c in engine.api.containers(
                    all=True, filters={"label": [f"com.docker.compose.project={name}"]}
                )
                for m in engine.api.inspect_container(c["Id"])["Mounts"]
                if m["Type"] == "volume" and m["Destination"] == "/anon"
            ]
            plain = ProjectOptions.resolve([str(tmp_path / "compose.yaml")], project_name=name)
            pairs.append((Stack.from_options(plain, typed=False), local_project(plain)))
        yield pairs[0][0], pairs[1][1]
    finally:
        for name in names:
            down_project(name, volumes=True)
        for volume in anonymous:
            try:
                engine.api.remove_volume(volume)
            except docker.errors.NotFound:
                pass


def left(engine, name: str) -> dict[str, list[str]]:
    """What the engine still has of project ``name``."""
    f = {"label": [f"com.docker.compose.project={name}"]}
    return {
        "containers": [c["Id"] for c in engine.api.containers(all=True, filters=f)],
        "networks": [n["Name"] for n in engine.api.networks(filters=f)],
        "volumes": [v["Name"] for v in engine.api.volumes(filters=f).get("Volumes") or []],
    }


def recorded(name: str, events: list) -> list[tuple[str, str, str, str]]:
    """The events, the project's name and the network's id left out."""
    detail = lambda e: e.detail.split(" id ")[0].replace(name, "P")  # noqa: E731
    return [(e.kind, e.name.replace(name, "P"), e.action, detail(e)) for e in events]


def test_stop_and_down_do_what_the_sdk_path_does(engine, two_stacks) -> None:
    sdk, local = two_stacks
    assert local is not None
    said: dict[str, list] = {sdk.name: [], local.name: []}
    for stack in (sdk, local):
        stack.stop("web", "db", on_progress=said[stack.name].append)
    for stack in (sdk, local):
        events = recorded(stack.name, said[stack.name])
        # dependents first: web before db
        assert events == [
            ("container", "P-web-1", "stopped", ""),
            ("container", "P-db-1", "stopped", ""),
        ]
    assert [r.state for r in local.ps()] == [r.state for r in sdk.ps()]
    results = {}
    for stack in (sdk, local):
        said[stack.name] = []
        results[stack.name] = stack.down(on_progress=said[stack.name].append)
    assert sorted(recorded(sdk.name, said[sdk.name])) == sorted(
        recorded(local.name, said[local.name])
    )
    a, b = results[sdk.name], results[local.name]
    assert [n.replace(sdk.name, "P") for n in a.containers] == [
        n.replace(local.name, "P") for n in b.containers
    ]
    assert (a.networks, b.networks) == ([], [])  # the profile's container still uses it
    # the profile's container stays on both (and keeps the network)
    assert len(left(engine, local.name)["containers"]) == 1


def test_down_with_volumes_leaves_nothing(engine, two_stacks) -> None:
    _, local = two_stacks
    anonymous = [
        m["Name"]
        for c in engine.api.containers(
            all=True, filters={"label": [f"com.docker.compose.project={local.name}"]}
        )
        for m in c["Mounts"]
        if m["Type"] == "volume" and m["Name"] != f"{local.name}_data"
    ]
    assert len(anonymous) == 1
    result = local.down(volumes=True, remove_orphans=True)
    assert (result.networks, result.volumes) == ([], [f"{local.name}_data"])
    # the profile's container kept the network: by name only, every container goes
    result = teardown.down(open_local(), local.name, volumes=True)
    assert (result.networks, result.volumes) == ([f"{local.name}_default"], [])
    assert left(engine, local.name) == {"containers": [], "networks": [], "volumes": []}
    assert [v for v in anonymous if engine.api.volumes(filters={"name": v})["Volumes"]] == []


def test_gone_and_in_use_are_taken_alike(engine, two_stacks) -> None:
    sdk, _ = two_stacks
    ops = [SdkOperations(engine), open_local()]
    ghost = "ddtest-gone-" + uuid.uuid4().hex
    for op in ops:
        assert op.stop_container(ghost, None) is False
        assert op.remove_container(ghost, True) is False
        assert op.remove_network(ghost) == ""
        assert op.remove_volume(ghost) == ""
    net = f"{sdk.name}_default"
    vol = f"{sdk.name}_data"
    assert ops[1].remove_network(net) == ops[0].remove_network(net)
    assert "active endpoints" in str(ops[1].remove_network(net))
    assert ops[1].remove_volume(vol) == ops[0].remove_volume(vol)
    assert "in use" in str(ops[1].remove_volume(vol))


def test_start_and_restart_do_what_the_sdk_path_does(two_stacks) -> None:
    from dockdjango.errors import DockdjangoError

    sdk, local = two_stacks
    for stack in (sdk, local):
        stack.stop()
    said: dict[str, list] = {sdk.name: [], local.name: []}
    for stack in (sdk, local):
        stack.start("web", "db", on_progress=said[stack.name].append)
        stack.restart("web", on_progress=said[stack.name].append)
    expected = [
        ("container", "P-db-1", "started", ""),  # what others depend on first
        ("container", "P-web-1", "started", ""),
        ("container", "P-web-1", "stopped", ""),
        ("container", "P-web-1", "started", ""),
    ]
    for stack in (sdk, local):
        assert recorded(stack.name, said[stack.name]) == expected
    assert [(r.service, r.state) for r in local.ps()] == [(r.service, r.state) for r in sdk.ps()]
    for call in (lambda s: s.start("ghost"), lambda s: s.restart("ghost")):
        with pytest.raises(DockdjangoError) as by_sdk:
            call(sdk)
        with pytest.raises(DockdjangoError) as ours:
            call(local)
        theirs = str(by_sdk.value).replace(sdk.name, "P")
        assert str(ours.value).replace(local.name, "P") == theirs
