"""``up --dry-run`` / ``Stack.plan()`` on the real engine: the plan is printed, and not a
container, network, volume or image of the project is created, changed or removed.

"Nothing changed" is checked two ways: a snapshot of everything the project owns (and of
the images it names) before and after, and the engine's own event log for the span of the
dry run, in which nothing may mention the project.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cli_run import cli

from dockdjango.api.stack.stack import Stack
from dockdjango.engine import labels as L
from dockdjango.engine.project.lifecycle import down
from tests.stacks import IMAGE

pytestmark = pytest.mark.engine


COMPOSE = """name: {name}
services:
  db:
    image: {image}
    init: true
    command: ["sleep", "1000000"]
    environment:
      GREETING: "{greeting}"
    volumes: [data:/data]
  web:
    build: .
    init: true
    command: ["sleep", "1000000"]
    depends_on: [db]
volumes:
  data:
"""


def snapshot(engine, project: str) -> dict[str, Any]:
    """What the project owns (and the images it names), as the engine lists them."""
    f = L.project_filter(project)
    containers = engine.api.containers(all=True, filters=f)
    return {
        "containers": sorted(
            (c["Id"], c["Names"][0], c["State"], c["Image"], c["ImageID"]) for c in containers
        ),
        "by name": sorted(
            c["Id"] for c in engine.api.containers(all=True, filters={"name": project})
        ),
        "networks": sorted((n["Id"], n["Name"]) for n in engine.api.networks(names=[project])),
        "volumes": sorted(
            v["Name"] for v in engine.api.volumes().get("Volumes") or [] if project in v["Name"]
        ),
        "images": sorted(
            (i["Id"], tuple(sorted(i.get("RepoTags") or [])))
            for i in engine.api.images(all=True)
            if any(project in t for t in i.get("RepoTags") or [])
            or IMAGE in (i.get("RepoTags") or [])
        ),
    }


def events_about(engine, project: str, since: float, until: float) -> list[dict[str, Any]]:
    """The engine's events in [since, until] that name the project anywhere."""
    found = engine.api.events(since=int(since), until=int(until) + 1, decode=True)
    # the engine takes whole seconds here: what came before `since` is left out by hand
    return [e for e in found if project in str(e) and e.get("timeNano", 0) >= since * 1e9]


def dry_run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(root, "up", "--dry-run", *args)


@pytest.fixture
def project(engine, base_image, unique_name, tmp_path, cleanup_images):
    """A two-service project (one built, one not) in ``tmp_path``; removed after."""
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\n")
    (tmp_path / "compose.yaml").write_text(
        COMPOSE.format(name=unique_name, image=IMAGE, greeting="hello")
    )
    cleanup_images.append(f"{unique_name}-web")
    yield tmp_path
    down(engine, unique_name, volumes=True)


def test_dry_run_of_a_fresh_project_changes_nothing_and_names_every_step(
    engine, project, unique_name
):
    before = snapshot(engine, unique_name)
    began = time.time()
    run = dry_run(project)
    ended = time.time()
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.splitlines() == [
        f"would create network {unique_name}_default",
        f"would create volume {unique_name}_data",
        f"would build image {unique_name}-web",
        f"would create container {unique_name}-db-1",
        f"would create container {unique_name}-web-1",
        "dry run: nothing was changed (5 step(s) planned)",
    ]
    assert snapshot(engine, unique_name) == before
    assert before["containers"] == [] and before["networks"] == [] and before["volumes"] == []
    assert events_about(engine, unique_name, began, ended) == []


def test_dry_run_of_a_running_project_names_the_changed_setting_and_changes_nothing(
    engine, project, unique_name
):
    stack = Stack.load(project / "compose.yaml", client=engine)
    stack.up(wait=False)
    (project / "compose.yaml").write_text(
        COMPOSE.format(name=unique_name, image=IMAGE, greeting="changed")
    )
    before = snapshot(engine, unique_name)
    assert len(before["containers"]) == 2 and before["networks"] and before["volumes"]
    began = time.time()
    run = dry_run(project)
    ended = time.time()
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"would recreate container {unique_name}-db-1 (changed: environment)",
        f"container {unique_name}-web-1 unchanged",
        "dry run: nothing was changed (1 step(s) planned)",
    ]
    # --build: the build is planned, not run; what it may change is said as a condition
    rebuild = dry_run(project, "--build")
    assert rebuild.returncode == 0, rebuild.stderr
    assert f"would build image {unique_name}-web" in rebuild.stdout
    assert (
        f"would recreate container {unique_name}-web-1 (if the new image differs)" in rebuild.stdout
    )
    # the API gives the same plan as data
    changed = Stack.load(project / "compose.yaml", client=engine)
    planned = changed.plan()
    assert planned.dry_run and planned.changed
    assert planned.services == {
        "db": ("would recreate", "changed: environment"),
        "web": ("unchanged", ""),
    }
    assert [(e.kind, e.action) for e in planned.planned] == [
        ("container", "would recreate"),
        ("container", "unchanged"),
    ]
    ended = time.time()
    assert snapshot(engine, unique_name) == before
    assert events_about(engine, unique_name, began, ended) == []
    # and the real up does what the dry run said
    result = changed.up(wait=False)
    assert result.services == {
        "db": ("recreated", "changed: environment"),
        "web": ("unchanged", ""),
    }
