"""A compose project as Kubernetes manifests: deterministic, readable, optionally a
Kustomize base.

Each service becomes a Deployment — or a StatefulSet when it keeps data in a named volume
of its own (a database) — and, when it has ports, a ClusterIP Service with the compose
service's name, so the host names services use for each other keep working. The
environment goes into a ConfigMap (secret-looking names and passwords in URLs into a
Secret), healthchecks into probes, ``depends_on`` into init containers that wait for
the dependency's Service, ``deploy`` into replicas, resources, strategy and node
selectors. What has no Kubernetes meaning is noted, never dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockdjango.cluster import kube_objects as objects
from dockdjango.cluster import kube_pod as pod
from dockdjango.cluster.keys import KUBE, note_unconverted
from dockdjango.cluster.kube_container import container_spec, process
from dockdjango.cluster.kube_objects import dump_yaml as _dump
from dockdjango.cluster.notes import Notes
from dockdjango.cluster.ordering import completed_dependencies, waits
from dockdjango.cluster.settings import deploy_of, replicas
from dockdjango.compose import Project, Service

#: Image of the init containers that wait for a dependency (needs ``sh`` and ``nc``).
DEFAULT_WAIT_IMAGE = "busybox:1.36"
#: Size asked for each named volume (compose has no size); change it in the base.
DEFAULT_VOLUME_SIZE = "1Gi"
_KIND_ORDER = [
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "Service",
    "StatefulSet",
    "Deployment",
]


@dataclass
class KubeManifests:
    """The objects for one project, in apply order, and what was not carried over."""

    project: str
    objects: list[dict[str, Any]]
    notes: Notes = field(default_factory=lambda: Notes("Kubernetes"))
    namespace: str | None = None

    def yaml(self) -> str:
        """Every object as one multi-document YAML stream, with a header comment."""
        head = [
            f"# Kubernetes manifests for the compose project {self.project!r}, "
            "written by dockdjango."
        ]
        if self.notes:
            head.append("# Not carried over as is (see docs/deploy.md):")
            head += [f"#   {n.line()}" for n in self.notes.sorted()]
        docs = [_dump(obj) for obj in self.objects]
        return "\n".join(head) + "\n---\n" + "---\n".join(docs)

    def files(self) -> dict[str, str]:
        """A Kustomize base: file name -> content, one object per file plus
        ``kustomization.yaml``."""
        out: dict[str, str] = {}
        for obj in self.objects:
            name = f"{obj['metadata']['name']}-{obj['kind'].lower()}.yaml"
            out[name] = _dump(obj)
        kustomization: dict[str, Any] = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
        }
        if self.namespace:
            kustomization["namespace"] = self.namespace
        kustomization["resources"] = list(out)
        out["kustomization.yaml"] = _dump(kustomization)
        return out

    def write_kustomize(self, directory: str | Path) -> list[Path]:
        """Write :meth:`files` into ``directory`` (created if missing); return the paths."""
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files().items():
            path = root / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def kube_manifests(
    project: Project,
    *,
    namespace: str | None = None,
    wait_image: str = DEFAULT_WAIT_IMAGE,
    volume_size: str = DEFAULT_VOLUME_SIZE,
) -> KubeManifests:
    """Convert ``project``; see the module's docstring for what becomes what."""
    notes = Notes("Kubernetes")
    note_unconverted(project.services, KUBE, notes)
    jobs = completed_dependencies(project)
    names = {key: objects.dns_name(key, service=True) for key in project.services}
    for key, name in sorted(names.items()):
        if name != key:
            notes.add(
                f"services.{key}",
                f"named {name} in Kubernetes (a DNS label): other services must use that host name",
            )
    users: dict[str, set[str]] = {}
    for key, service in project.services.items():
        for mount in service.volumes:
            if mount.type == "volume" and mount.source:
                users.setdefault(mount.source, set()).add(key)
    out: list[dict[str, Any]] = []
    for kind, table in (("config", project.configs), ("secret", project.secrets)):
        for key, spec in sorted(table.items()):
            made = objects.file_object(kind, key, dict(spec or {}), project.name)
            if made is not None:
                out.append(made)
    for volume, used_by in sorted(users.items()):
        if len(used_by) > 1:
            out.append(
                objects.claim(objects.dns_name(volume), project.name, "ReadWriteMany", volume_size)
            )
            notes.add(
                f"volumes.{volume}",
                f"shared by {', '.join(sorted(used_by))}: one "
                "ReadWriteMany claim (the storage class must support it)",
            )
    for key, service in sorted(project.services.items()):
        if key in jobs:
            continue  # runs as an init container of what waits for it
        out += _service(project, key, service, names, users, jobs, wait_image, volume_size, notes)
    out.sort(key=lambda o: (_KIND_ORDER.index(o["kind"]), o["metadata"]["name"]))
    if namespace:
        for obj in out:
            obj["metadata"] = {
                "name": obj["metadata"]["name"],
                "namespace": namespace,
                **{k: v for k, v in obj["metadata"].items() if k != "name"},
            }
    return KubeManifests(project.name, out, notes, namespace)


def _service(
    project: Project,
    key: str,
    service: Service,
    names: dict[str, str],
    users: dict[str, set[str]],
    jobs: set[str],
    wait_image: str,
    volume_size: str,
    notes: Notes,
) -> list[dict[str, Any]]:
    path = f"services.{key}"
    name = names[key]
    out, env_from = objects.environment(project.name, key, name, service, notes)
    own_volumes = sorted(
        v.source
        for v in service.volumes
        if v.type == "volume" and v.source and len(users.get(v.source, ())) == 1
    )
    stateful = bool(own_volumes)
    ports = objects.ports(service)
    if ports or stateful:
        out.append(objects.kube_service(project.name, name, ports, headless=not ports))
    container, volumes, templates = container_spec(
        project, key, service, name, env_from, ports, own_volumes, volume_size, notes
    )
    pod_spec: dict[str, Any] = {}
    init = _init_containers(project, key, names, jobs, wait_image, notes)
    if init:
        pod_spec["initContainers"] = init
    pod_spec["containers"] = [container]
    _pod_settings(pod_spec, service, path, notes)
    if volumes:
        pod_spec["volumes"] = volumes
    _note_deploy(service, path, stateful, notes)
    out.append(_workload(project, name, service, path, stateful, pod_spec, templates, notes))
    return out


def _note_deploy(service: Service, path: str, stateful: bool, notes: Notes) -> None:
    """What a Deployment or StatefulSet does differently from Compose's deploy keys."""
    deploy = deploy_of(service)
    for extra in ("mode", "endpoint_mode"):
        if deploy.get(extra) not in (None, "replicated", "vip"):
            notes.left_out(f"{path}.deploy.{extra}")
    policy = (deploy.get("restart_policy") or {}).get("condition") or service.restart
    if policy not in (None, "any", "always", "unless-stopped"):
        notes.add(
            f"{path}.restart",
            f"{policy}: pods of a {'StatefulSet' if stateful else 'Deployment'} always restart",
        )


def _workload(
    project: Project,
    name: str,
    service: Service,
    path: str,
    stateful: bool,
    pod_spec: dict[str, Any],
    templates: list[dict[str, Any]],
    notes: Notes,
) -> dict[str, Any]:
    """The Deployment (or, with volumes of its own, StatefulSet) that runs the pod."""
    annotations = dict(service.labels) | dict(service.other.get("annotations") or {})
    template_meta: dict[str, Any] = {"labels": objects.selector(project.name, name)}
    if annotations:
        template_meta["annotations"] = {k: str(v) for k, v in sorted(annotations.items())}
    spec: dict[str, Any] = {}
    count = replicas(service)
    if count is not None:
        spec["replicas"] = count
    if stateful:
        spec["serviceName"] = name
    spec["selector"] = {"matchLabels": objects.selector(project.name, name)}
    rollout = pod.strategy(service, path, stateful, notes)
    if rollout:
        spec["strategy"] = rollout
    spec["template"] = {"metadata": template_meta, "spec": pod_spec}
    if templates:
        spec["volumeClaimTemplates"] = templates
    deploy = deploy_of(service)
    workload_labels = {k: str(v) for k, v in sorted((deploy.get("labels") or {}).items())}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet" if stateful else "Deployment",
        "metadata": objects.meta(name, project.name, name, annotations=workload_labels),
        "spec": spec,
    }


def _init_containers(
    project: Project,
    key: str,
    names: dict[str, str],
    jobs: set[str],
    wait_image: str,
    notes: Notes,
) -> list[dict[str, Any]]:
    """Init containers: run each dependency that must complete, then wait for each
    dependency that must be started or healthy (its Service answers only once a pod
    is ready, which for a healthcheck means healthy)."""
    out: list[dict[str, Any]] = []
    for wait in waits(project):
        if wait.service != key:
            continue
        dep = project.services[wait.dependency]
        dep_name = names[wait.dependency]
        at = f"services.{key}.depends_on.{wait.dependency}"
        if project.services[key].depends_on[wait.dependency].restart:
            notes.left_out(f"{at}.restart")
        if wait.condition == "service_completed_successfully":
            job: dict[str, Any] = {
                "name": f"run-{dep_name}"[:63],
                "image": dep.image or f"{project.name}-{wait.dependency}",
            }
            job.update(process(dep))
            env = [
                {"name": k, "value": v} for k, v in sorted(dep.environment.items()) if v is not None
            ]
            if env:
                job["env"] = env
            if dep.volumes:
                notes.left_out(
                    f"services.{wait.dependency}.volumes", "it runs as an init container of " + key
                )
            out.append(job)
            continue
        ports = objects.ports(dep)
        if not ports:
            notes.add(
                at,
                f"{wait.dependency} has no port to wait on: start order not kept "
                "(add `expose:` to it)",
            )
            continue
        port = ports[0][0]
        check = (
            f"until nc -z -w 2 {dep_name} {port}; do echo waiting for {dep_name}:{port}; "
            "sleep 2; done"
        )
        out.append(
            {
                "name": f"wait-for-{dep_name}"[:63],
                "image": wait_image,
                "command": ["sh", "-c", check],
            }
        )
    return out


def _pod_settings(spec: dict[str, Any], service: Service, path: str, notes: Notes) -> None:
    if service.hostname:
        spec["hostname"] = service.hostname
    aliases = pod.host_aliases(service)
    if aliases:
        spec["hostAliases"] = aliases
    dns = pod.dns_config(service)
    if dns:
        spec["dnsConfig"] = dns
    selector = pod.node_selector(service, path, notes)
    if selector:
        spec["nodeSelector"] = selector
    _, context = pod.security(service, path, Notes("Kubernetes"))  # notes said once above
    if context:
        spec["securityContext"] = context
    if service.stop_grace_period is not None:
        spec["terminationGracePeriodSeconds"] = math.ceil(service.stop_grace_period_seconds or 0)
    networks = [n for n in service.networks if n != "default"]
    for net in networks:
        notes.add(
            f"services.{path.split('.')[1]}.networks.{net}",
            "one flat pod network (no NetworkPolicy written)",
        )
    if service.network_mode:
        notes.left_out(f"{path}.network_mode")
