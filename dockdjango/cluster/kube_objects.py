"""Kubernetes objects around the workloads: names, labels, ConfigMaps, Secrets, Services,
PersistentVolumeClaims. Plain dicts in the order ``kubectl get -o yaml`` shows fields."""

from __future__ import annotations

import base64
import re
from typing import Any

import yaml

from dockdjango.cluster.notes import Notes
from dockdjango.compose import Service

NAME_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"

#: Environment names that go into a Secret rather than a ConfigMap.
_SECRET_NAME = re.compile(r"PASSW|SECRET|TOKEN|PRIVATE|CREDENTIAL|(^|_)KEY($|_)|API_?KEY", re.I)
#: Values that carry a password inside a URL (``postgres://user:pw@db/app``).
_SECRET_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/:@\s]+:[^@\s]+@", re.I)


def dns_name(name: str, *, service: bool = False) -> str:
    """``name`` as a DNS-1123 label (a Service name must also start with a letter)."""
    out = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63].rstrip("-") or "x"
    if service and not out[0].isalpha():
        out = ("s-" + out)[:63].rstrip("-")
    return out


def meta(name: str, project: str, service: str | None = None, **extra: Any) -> dict[str, Any]:
    """``metadata`` with the recommended labels (and annotations etc. from ``extra``)."""
    labels = {PART_OF_LABEL: dns_name(project), MANAGED_BY_LABEL: "dockdjango"}
    if service:
        labels = {NAME_LABEL: service, **labels}
    out: dict[str, Any] = {"name": name, "labels": labels}
    out.update({k: v for k, v in extra.items() if v})
    return out


def selector(project: str, service: str) -> dict[str, str]:
    """The labels a workload's pods carry and its Service selects."""
    return {NAME_LABEL: service, PART_OF_LABEL: dns_name(project)}


def is_secret(name: str, value: str) -> bool:
    """True when an environment variable looks like it holds a secret."""
    return bool(_SECRET_NAME.search(name) or _SECRET_URL.match(value))


def environment(
    project: str, key: str, name: str, service: Service, notes: Notes
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(objects, envFrom) for a service's environment: a ConfigMap for plain values, a
    Secret for secret-looking ones, both named ``<service>-env``."""
    plain: dict[str, str] = {}
    secret: dict[str, str] = {}
    for var, value in sorted(service.environment.items()):
        if value is None:
            notes.add(f"services.{key}.environment.{var}", "has no value here, left unset")
        elif is_secret(var, value):
            secret[var] = value
        else:
            plain[var] = value
    objects: list[dict[str, Any]] = []
    env_from: list[dict[str, Any]] = []
    if plain:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta(f"{name}-env", project, name),
                "data": plain,
            }
        )
        env_from.append({"configMapRef": {"name": f"{name}-env"}})
    if secret:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": meta(f"{name}-env", project, name),
                "type": "Opaque",
                "stringData": secret,
            }
        )
        env_from.append({"secretRef": {"name": f"{name}-env"}})
    return objects, env_from


def file_object(kind: str, key: str, spec: dict[str, Any], project: str) -> dict[str, Any] | None:
    """A Secret or ConfigMap holding one project secret/config file (None if external)."""
    if spec.get("external"):
        return None
    name = dns_name(f"{kind}-{key}")
    if spec.get("file"):
        with open(spec["file"], "rb") as handle:
            data = handle.read()
    elif spec.get("content") is not None:
        data = str(spec["content"]).encode()
    else:
        return None
    if kind == "secret":
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta(name, project),
            "type": "Opaque",
            "data": {"content": base64.b64encode(data).decode("ascii")},
        }
    try:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(name, project),
            "data": {"content": data.decode("utf-8")},
        }
    except UnicodeDecodeError:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(name, project),
            "binaryData": {"content": base64.b64encode(data).decode("ascii")},
        }


def ports(service: Service) -> list[tuple[int, str]]:
    """(container port, protocol) pairs from ``ports`` and ``expose``, sorted, unique."""
    found = {(p.target, p.protocol.upper()) for p in service.ports}
    for entry in service.expose:
        number, _, proto = str(entry).partition("/")
        first = number.split("-")[0]
        if first.isdigit():
            found.add((int(first), (proto or "tcp").upper()))
    return sorted(found)


def port_name(port: int, protocol: str) -> str:
    """An IANA-style port name (at most 15 characters): ``tcp-8000``."""
    return f"{protocol.lower()}-{port}"


def kube_service(
    project: str, name: str, service_ports: list[tuple[int, str]], headless: bool
) -> dict[str, Any]:
    """A ClusterIP Service named as the compose service, so the same host names work."""
    spec: dict[str, Any] = {"selector": selector(project, name)}
    if headless:
        spec["clusterIP"] = "None"
    if service_ports:
        spec["ports"] = [
            {"name": port_name(p, proto), "port": p, "targetPort": p, "protocol": proto}
            for p, proto in service_ports
        ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, project, name),
        "spec": spec,
    }


def claim(name: str, project: str, access: str, size: str) -> dict[str, Any]:
    """A PersistentVolumeClaim (standalone, or the template of a StatefulSet's)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": meta(name, project),
        "spec": {"accessModes": [access], "resources": {"requests": {"storage": size}}},
    }


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors; multi-line strings as literal blocks, for readability."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(obj: dict[str, Any]) -> str:
    """One object as block-style YAML, keys in the order given."""
    return yaml.dump(
        obj,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        allow_unicode=False,
    )
