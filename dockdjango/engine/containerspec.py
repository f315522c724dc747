"""From one service (Compose JSON shape) to the engine's container-create request.

Pure: returns plain dicts for ``APIClient.create_container`` so the translation is tested
without a daemon. Settings the engine can express map one to one (see the Compose
Specification); the few we do not translate yet are returned as warnings, never silently
dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockdjango.engine.naming import container_name

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}

# Keys that do not reach the engine on purpose (handled elsewhere or not per-container).
_HANDLED_ELSEWHERE = {
    "build",
    "depends_on",
    "profiles",
    "pull_policy",
    "scale",
    "deploy",
    "image",
    "container_name",
    "develop",
    "env_file",
    "label_file",
    "post_start",
    "pre_stop",
}
_TRANSLATED = {
    "command",
    "entrypoint",
    "environment",
    "ports",
    "expose",
    "volumes",
    "networks",
    "healthcheck",
    "labels",
    "init",
    "stop_signal",
    "stop_grace_period",
    "restart",
    "user",
    "working_dir",
    "hostname",
    "domainname",
    "tty",
    "stdin_open",
    "extra_hosts",
    "cap_add",
    "cap_drop",
    "privileged",
    "read_only",
    "shm_size",
    "tmpfs",
    "mem_limit",
    "cpus",
    "ulimits",
    "sysctls",
    "dns",
    "dns_search",
    "dns_opt",
    "security_opt",
    "group_add",
    "logging",
    "network_mode",
    "ipc",
    "pid",
    "mac_address",
    "platform",
    "runtime",
}


def parse_duration(text: str | int | float | None) -> float | None:
    """Seconds in a Go duration (``1m30s``, ``500ms``, ``1.5s``) or a plain number."""
    if text is None or text == "":
        return None
    if isinstance(text, int | float):
        return float(text)
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * _UNIT_NS[u] for n, u in parts) / 1e9


def _ns(text: Any) -> int | None:
    seconds = parse_duration(text)
    return None if seconds is None else int(round(seconds * 1e9))


@dataclass
class ContainerSpec:
    """Everything needed to create one container and attach it to its networks."""

    name: str
    create: dict[str, Any]
    host_config: dict[str, Any]
    #: engine network name -> endpoint settings (aliases, addresses); the first is primary
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def container_spec(
    *,
    project: str,
    service: str,
    number: int,
    config: Mapping[str, Any],
    image: str,
    labels: Mapping[str, str],
    network_names: Mapping[str, str],
    volume_names: Mapping[str, str],
) -> ContainerSpec:
    """The create request for container ``number`` of ``service``.

    ``network_names``/``volume_names`` map the file's keys to engine names
    (``default`` -> ``myproj_default``).
    """
    name = str(config.get("container_name") or container_name(project, service, number))
    warnings = [
        f"services.{service}.{key} is not supported by dockdjango yet and was ignored"
        for key in sorted(config)
        if key not in _TRANSLATED and key not in _HANDLED_ELSEWHERE and not key.startswith("x-")
    ]
    env = []
    for key, value in sorted((config.get("environment") or {}).items()):
        env.append(key if value is None else f"{key}={value}")

    exposed: dict[str, dict[str, Any]] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for port in config.get("ports") or []:
        key = f"{port['target']}/{port.get('protocol') or 'tcp'}"
        exposed[key] = {}
        bindings.setdefault(key, []).append(
            {"HostIp": str(port.get("host_ip") or ""), "HostPort": str(port.get("published") or "")}
        )
    for item in config.get("expose") or []:
        text = str(item)
        proto = "tcp"
        if "/" in text:
            text, proto = text.split("/", 1)
        lo, _, hi = text.partition("-")
        for p in range(int(lo), int(hi or lo) + 1):
            exposed.setdefault(f"{p}/{proto}", {})

    binds: list[str] = []
    anonymous: dict[str, dict[str, Any]] = {}
    tmpfs: dict[str, str] = {}
    for vol in config.get("volumes") or []:
        mode = "ro" if vol.get("read_only") else "rw"
        kind = vol.get("type") or "volume"
        target = vol["target"]
        if kind == "volume" and vol.get("source"):
            opts = mode + (",nocopy" if (vol.get("volume") or {}).get("nocopy") else "")
            binds.append(f"{volume_names.get(vol['source'], vol['source'])}:{target}:{opts}")
        elif kind == "volume":
            anonymous[target] = {}
        elif kind == "bind":
            binds.append(f"{vol['source']}:{target}:{mode}")
        elif kind == "tmpfs":
            size = (vol.get("tmpfs") or {}).get("size")
            tmpfs[target] = f"size={size}" if size else ""
        else:
            warnings.append(f"services.{service}.volumes: type {kind!r} is not supported yet")
    for entry in config.get("tmpfs") or []:
        path, _, opts = str(entry).partition(":")
        tmpfs[path] = opts

    create: dict[str, Any] = {
        "image": image,
        "name": name,
        "labels": dict(labels),
        "environment": env or None,
        "command": config.get("command"),
        "entrypoint": config.get("entrypoint"),
        "user": config.get("user") or None,
        "working_dir": config.get("working_dir") or None,
        "hostname": config.get("hostname") or None,
        "domainname": config.get("domainname") or None,
        "tty": bool(config.get("tty")),
        "stdin_open": bool(config.get("stdin_open")),
        "stop_signal": config.get("stop_signal") or None,
        "mac_address": config.get("mac_address") or None,
        "platform": config.get("platform") or None,
        # the SDK wants (port, protocol) pairs; it writes "8000/tcp" itself
        "ports": [(int(k.split("/")[0]), k.split("/")[1]) for k in exposed] or None,
        "volumes": list(anonymous) or None,
    }
    grace = parse_duration(config.get("stop_grace_period"))
    if grace is not None:
        create["stop_timeout"] = int(grace)
    health = _healthcheck(config.get("healthcheck"))
    if health is not None:
        create["healthcheck"] = health

    host: dict[str, Any] = {
        "binds": binds or None,
        "port_bindings": bindings or None,
        "tmpfs": tmpfs or None,
        "init": config.get("init"),
        "privileged": bool(config.get("privileged")),
        "read_only": bool(config.get("read_only")),
        "cap_add": config.get("cap_add") or None,
        "cap_drop": config.get("cap_drop") or None,
        "extra_hosts": [_host_entry(h) for h in config.get("extra_hosts") or []] or None,
        "restart_policy": _restart(config.get("restart")),
        "shm_size": int(config["shm_size"]) if config.get("shm_size") else None,
        "mem_limit": int(config["mem_limit"]) if config.get("mem_limit") else None,
        "nano_cpus": int(float(config["cpus"]) * 1e9) if config.get("cpus") else None,
        "sysctls": {k: str(v) for k, v in (config.get("sysctls") or {}).items()} or None,
        "dns": config.get("dns") or None,
        "dns_search": config.get("dns_search") or None,
        "dns_opt": config.get("dns_opt") or None,
        "security_opt": config.get("security_opt") or None,
        "group_add": config.get("group_add") or None,
        "ipc_mode": config.get("ipc") or None,
        "pid_mode": config.get("pid") or None,
        "runtime": config.get("runtime") or None,
        "ulimits": _ulimits(config.get("ulimits")),
        "log_config": _logging(config.get("logging")),
    }

    networks: dict[str, dict[str, Any]] = {}
    check_supported(service, config)
    network_mode = config.get("network_mode")
    if network_mode:
        host["network_mode"] = network_mode
    else:
        wanted = config.get("networks") or {"default": None}
        for key in _by_priority(wanted):
            settings = wanted[key] or {}
            aliases = [name, service, *(settings.get("aliases") or [])]
            endpoint: dict[str, Any] = {"aliases": list(dict.fromkeys(aliases))}
            for src, dst in (("ipv4_address", "ipv4_address"), ("ipv6_address", "ipv6_address")):
                if settings.get(src):
                    endpoint[dst] = settings[src]
            networks[network_names.get(key, key)] = endpoint
        host["network_mode"] = next(iter(networks))
    return ContainerSpec(
        name=name,
        create={k: v for k, v in create.items() if v is not None},
        host_config={k: v for k, v in host.items() if v is not None},
        networks=networks,
        warnings=warnings,
    )


def check_supported(service: str, config: Mapping[str, Any]) -> None:
    """Raise for settings we cannot honour at all (rather than fail halfway through ``up``)."""
    from dockdjango.errors import ServiceError

    network_mode = str(config.get("network_mode") or "")
    if network_mode.startswith("service:"):
        raise ServiceError(
            service,
            f"services.{service}.network_mode: {network_mode} is not supported by dockdjango yet",
            hint="join a shared network instead (networks:), or use docker compose for this stack",
        )


def _by_priority(networks: Mapping[str, Any]) -> list[str]:
    """Networks by ``priority`` (highest first), then name: Compose's primary-network rule."""
    return sorted(networks, key=lambda k: (-int((networks[k] or {}).get("priority") or 0), k))


def _healthcheck(hc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not hc:
        return None
    if hc.get("disable"):
        return {"test": ["NONE"]}
    out: dict[str, Any] = {}
    if hc.get("test"):
        out["test"] = list(hc["test"])
    for key, api in (
        ("interval", "interval"),
        ("timeout", "timeout"),
        ("start_period", "start_period"),
        ("start_interval", "start_interval"),
    ):
        if hc.get(key) is not None:
            out[api] = _ns(hc[key])
    if hc.get("retries") is not None:
        out["retries"] = int(hc["retries"])
    return out


def _restart(policy: str | None) -> dict[str, Any] | None:
    if not policy or policy == "no":
        return None
    name, _, count = policy.partition(":")
    return {"Name": name, "MaximumRetryCount": int(count or 0)}


def _host_entry(entry: str) -> str:
    # Compose writes `host=ip`; the engine wants `host:ip` (IPv6 addresses keep their colons).
    host, sep, ip = str(entry).partition("=")
    return f"{host}:{ip}" if sep else str(entry)


def _ulimits(limits: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    if not limits:
        return None
    out = []
    for name, value in sorted(limits.items()):
        if isinstance(value, Mapping):
            out.append(
                {"Name": name, "Soft": int(value.get("soft", 0)), "Hard": int(value.get("hard", 0))}
            )
        else:
            out.append({"Name": name, "Soft": int(value), "Hard": int(value)})
    return out


def _logging(logging: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not logging or not logging.get("driver"):
        return None
    return {"Type": logging["driver"], "Config": dict(logging.get("options") or {})}
