"""A service's mounts in Kubernetes terms: claims for named volumes, emptyDir for tmpfs and
anonymous volumes, Secret and ConfigMap files; bind mounts have no cluster meaning."""

from __future__ import annotations

from typing import Any

from dockdjango.cluster import kube_objects as objects
from dockdjango.cluster import kube_pod as pod
from dockdjango.cluster.notes import Notes
from dockdjango.compose import Project, Service


def pod_volumes(
    project: Project,
    key: str,
    service: Service,
    own_volumes: list[str],
    volume_size: str,
    notes: Notes,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumeMounts, pod volumes, volumeClaimTemplates) for a service."""
    mounts: list[dict[str, Any]] = []
    volumes: dict[str, dict[str, Any]] = {}
    templates: list[dict[str, Any]] = []
    for i, volume in enumerate(service.volumes):
        at = f"services.{key}.volumes[{i}]"
        if volume.type == "bind":
            notes.left_out(at, f"a bind mount of {volume.source}: the image must carry the files")
            continue
        if volume.type == "volume" and volume.source:
            claim = objects.dns_name(volume.source)
            if volume.source in own_volumes:
                if all(t["metadata"]["name"] != claim for t in templates):
                    template = objects.claim(claim, project.name, "ReadWriteOnce", volume_size)
                    templates.append({"metadata": {"name": claim}, "spec": template["spec"]})
            else:
                volumes[claim] = {"name": claim, "persistentVolumeClaim": {"claimName": claim}}
        elif volume.type in ("volume", "tmpfs"):
            claim = f"scratch-{i}"
            empty: dict[str, Any] = {"medium": "Memory"} if volume.type == "tmpfs" else {}
            if volume.tmpfs and volume.tmpfs.size:
                empty["sizeLimit"] = pod.quantity_memory(volume.tmpfs.size, at)
            volumes[claim] = {"name": claim, "emptyDir": empty}
        else:
            notes.left_out(at, f"a {volume.type} mount")
            continue
        mount: dict[str, Any] = {"name": claim, "mountPath": volume.target}
        if volume.read_only:
            mount["readOnly"] = True
        if volume.volume and volume.volume.subpath:
            mount["subPath"] = volume.volume.subpath
        mounts.append(mount)
    for i, target in enumerate(service.other.get("tmpfs") or []):
        name = f"tmpfs-{i}"
        volumes[name] = {"name": name, "emptyDir": {"medium": "Memory"}}
        mounts.append({"name": name, "mountPath": str(target).split(":")[0]})
    _file_volumes(project, service, mounts, volumes)
    return mounts, [volumes[k] for k in sorted(volumes)], templates


def _file_volumes(
    project: Project,
    service: Service,
    mounts: list[dict[str, Any]],
    volumes: dict[str, dict[str, Any]],
) -> None:
    """The service's secrets and configs as Secret/ConfigMap volumes, each mounted as the
    one file Compose puts at its target."""
    for kind in ("secret", "config"):
        for entry in service.other.get(f"{kind}s") or []:
            source = entry["source"]
            spec = (project.secrets if kind == "secret" else project.configs).get(source) or {}
            obj = objects.dns_name(f"{kind}-{source}")
            if spec.get("external"):
                obj = objects.dns_name(str(spec.get("name") or source))
            default = f"/run/secrets/{source}" if kind == "secret" else f"/{source}"
            target = str(entry.get("target") or default)
            if not target.startswith("/"):
                target = f"/run/secrets/{target}"
            ref = {"secretName": obj} if kind == "secret" else {"name": obj}
            volumes[obj] = {"name": obj, kind if kind == "secret" else "configMap": ref}
            mounts.append(
                {"name": obj, "mountPath": target, "subPath": "content", "readOnly": True}
            )
