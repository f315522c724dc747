"""``com.docker.compose.config-hash``: the service hash Compose v2 computes, reproduced.

Compose v2.40 (``pkg/compose/hash.go``) hashes a service as
``sha256(json.Marshal(service))`` after dropping ``build``, ``pull_policy``, ``scale``,
``deploy.replicas``, ``depends_on`` and ``profiles``. Go's ``encoding/json`` writes struct
fields in declaration order (compose-go v2.9 ``types.ServiceConfig``), map keys sorted,
no spaces, ``<``/``>``/``&`` escaped, and always writes ``command`` and ``entrypoint``
(``null`` when unset). We start from the same JSON shape ``docker compose config --format
json`` prints (``Project.to_compose_dict()``), put keys in Go's order and serialise the
same way, so both tools agree on "changed?". Networks and volumes are hashed the same way
(``NetworkHash``/``VolumeHash``, a volume's driver defaulting to ``local``).

Pure: ``dockdjango config --hash`` prints these without a daemon; the engine labels the
containers, networks and volumes it creates with them.

Tested against the real binary: ``docker-compose config --hash '*'``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from dockdjango.compose.models import Network, Service, Volume

# Field order of the Go structs, as declared in compose-go v2.9.1 (types/types.go).
_ORDERS: dict[str, tuple[str, ...]] = {
    "service": tuple(
        """profiles annotations attach build develop blkio_config cap_add cap_drop
        cgroup_parent cgroup cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period
        cpu_rt_runtime cpus cpuset cpu_shares command configs container_name
        credential_spec depends_on deploy device_cgroup_rules devices dns dns_opt
        dns_search dockerfile domainname entrypoint provider environment env_file expose
        extends external_links extra_hosts group_add gpus hostname healthcheck image init
        ipc isolation labels label_file links logging log_driver log_opt mem_limit
        mem_reservation memswap_limit mem_swappiness mac_address models net network_mode
        networks oom_kill_disable oom_score_adj pid pids_limit platform ports privileged
        pull_policy read_only restart runtime scale secrets security_opt shm_size
        stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits
        use_api_socket user userns_mode uts volume_driver volumes volumes_from
        working_dir post_start pre_stop""".split()
    ),
    "healthcheck": (
        "test",
        "timeout",
        "interval",
        "retries",
        "start_period",
        "start_interval",
        "disable",
    ),
    "port": ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol"),
    "volume_mount": (
        "type",
        "source",
        "target",
        "read_only",
        "consistency",
        "bind",
        "volume",
        "tmpfs",
        "image",
    ),
    "bind": ("selinux", "propagation", "create_host_path", "recursive"),
    "volume_opts": ("labels", "nocopy", "subpath"),
    "tmpfs": ("size", "mode"),
    "service_network": tuple(
        (
            "aliases driver_opts gw_priority interface_name ipv4_address ipv6_address "
            "link_local_ips mac_address priority"
        ).split()
    ),
    "logging": ("driver", "options"),
    "deploy": tuple(
        (
            "mode replicas labels update_config rollback_config resources restart_policy "
            "placement endpoint_mode"
        ).split()
    ),
    "resources": ("limits", "reservations"),
    "resource": ("cpus", "memory", "pids", "devices", "generic_resources"),
    "file_ref": ("source", "target", "uid", "gid", "mode"),
    "ulimit": ("single", "soft", "hard"),
    "network": (
        "name",
        "driver",
        "driver_opts",
        "ipam",
        "external",
        "internal",
        "attachable",
        "labels",
        "enable_ipv4",
        "enable_ipv6",
    ),
    "ipam": ("driver", "config"),
    "volume": ("name", "driver", "driver_opts", "external", "labels"),
}

# Which struct each key of a struct holds: (kind, "one" | "list" | "map").
_CHILDREN: dict[str, dict[str, tuple[str, str]]] = {
    "service": {
        "healthcheck": ("healthcheck", "one"),
        "ports": ("port", "list"),
        "volumes": ("volume_mount", "list"),
        "networks": ("service_network", "map"),
        "logging": ("logging", "one"),
        "deploy": ("deploy", "one"),
        "secrets": ("file_ref", "list"),
        "configs": ("file_ref", "list"),
        "ulimits": ("ulimit", "map"),
    },
    "volume_mount": {
        "bind": ("bind", "one"),
        "volume": ("volume_opts", "one"),
        "tmpfs": ("tmpfs", "one"),
    },
    "deploy": {
        "resources": ("resources", "one"),
        "placement": ("placement", "one"),
        "restart_policy": ("restart_policy", "one"),
        "update_config": ("update_config", "one"),
        "rollback_config": ("update_config", "one"),
    },
    "resources": {"limits": ("resource", "one"), "reservations": ("resource", "one")},
    "network": {"ipam": ("ipam", "one")},
}

#: Structs inside a service whose false, "", [] and {} fields Compose leaves out, as Go's
#: ``omitempty`` does (a struct-typed field is kept, even empty); with the zero numbers
#: that are plain ints there (not pointers, which Compose keeps when set to 0).
_OMITEMPTY: dict[str, frozenset[str]] = {
    "healthcheck": frozenset(),
    "port": frozenset(),
    "volume_mount": frozenset(),
    "bind": frozenset(),
    "volume_opts": frozenset(),
    "tmpfs": frozenset({"size", "mode"}),
    "service_network": frozenset({"priority", "gw_priority"}),
    "logging": frozenset(),
    "deploy": frozenset(),
    "resources": frozenset(),
    "placement": frozenset(),
    "file_ref": frozenset(),
}

#: Service keys Compose leaves out of the hash: changing them recreates nothing.
NOT_HASHED = ("build", "pull_policy", "scale", "depends_on", "profiles")


def go_json(value: Any) -> str:
    """Serialise like Go's ``json.Marshal``: compact, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _ordered(value: Any, kind: str) -> Any:
    """``value`` (a JSON object of struct ``kind``) with keys in the Go struct's order."""
    if not isinstance(value, Mapping):
        return value
    if kind == "ulimit" and value.get("single"):
        return value["single"]  # UlimitsConfig marshals a single limit as a bare number
    order = _ORDERS.get(kind, ())
    children = _CHILDREN.get(kind, {})
    known = [k for k in order if k in value]
    # Keys we have no order for (newer Compose fields) keep a stable, sorted place.
    rest = sorted(k for k in value if k not in order and not k.startswith("x-"))
    out: dict[str, Any] = {}
    for key in known + rest:
        item = value[key]
        child = children.get(key)
        if kind in _OMITEMPTY and child is None and _omitted(item, key in _OMITEMPTY[kind]):
            continue
        if child and item is not None:
            child_kind, shape = child
            if shape == "one":
                item = _ordered(item, child_kind)
            elif shape == "list":
                item = [_ordered(v, child_kind) for v in item]
            else:
                item = {k: _ordered(v, child_kind) for k, v in sorted(item.items())}
        elif isinstance(item, Mapping):
            item = {k: v for k, v in sorted(item.items())}
        out[key] = item
    return out


def _omitted(value: Any, numeric: bool) -> bool:
    """Whether Go's ``omitempty`` leaves a struct field with this value out."""
    if value is False or (isinstance(value, str | list | dict) and not value):
        return True
    return numeric and value in (0, "0") and value is not True


def _json(model: Service | Network | Volume | Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON ``docker compose config`` prints for a model (a mapping is taken as that)."""
    return model.to_compose_dict() if isinstance(model, Service | Network | Volume) else model


def hashed_service(service: Service | Mapping[str, Any]) -> dict[str, Any]:
    """The part of a service that Compose hashes, in Go's order (plain JSON data).

    ``service`` is a `Service`, or its JSON as ``docker compose config --format json``
    prints it."""
    data = {k: v for k, v in _json(service).items() if k not in NOT_HASHED}
    if isinstance(data.get("deploy"), Mapping):
        data["deploy"] = {k: v for k, v in data["deploy"].items() if k != "replicas"}
    data.setdefault("command", None)
    data.setdefault("entrypoint", None)
    return dict(_ordered(data, "service"))


def service_hash(service: Service | Mapping[str, Any]) -> str:
    """The ``com.docker.compose.config-hash`` Compose v2.40 gives this service."""
    return _sha256(go_json(hashed_service(service)))


def network_hash(network: Network | Mapping[str, Any]) -> str:
    """The config-hash label Compose puts on a network it creates."""
    data = dict(_json(network))
    data.setdefault("ipam", {})  # a struct, so Go writes it even when empty
    return _sha256(go_json(_ordered(data, "network")))


def volume_hash(volume: Volume | Mapping[str, Any]) -> str:
    """The config-hash label Compose puts on a volume it creates."""
    data = dict(_json(volume))
    if not data.get("driver"):
        data["driver"] = "local"
    return _sha256(go_json(_ordered(data, "volume")))


def changed_settings(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of the settings that differ between two hashed configurations.

    Stops at the first level where a list differs (``ports`` rather than ``ports[0].x``):
    that is the setting a person changed.
    """
    changed: list[str] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        path = f"{prefix}{key}"
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            changed.extend(changed_settings(a, b, path + "."))
        else:
            changed.append(path)
    return changed


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
