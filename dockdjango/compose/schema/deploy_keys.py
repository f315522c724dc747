"""Checks for ``deploy:`` (kept as written): known keys, and GPU/device requests as Docker
needs them. Compose rejects the same mistakes; we say where they are."""

from __future__ import annotations

from typing import Any

from dockdjango.compose.schema.numbers import byte_count
from dockdjango.compose.schema.shapes import Loc, check_keys, show, want_list, want_map
from dockdjango.compose.schema.spec_keys import keys_of

DEPLOY_KEYS = keys_of("deployment")  # as Compose's schema says (see spec_keys)
RESOURCE_KEYS = ("cpus", "memory", "pids", "devices", "generic_resources")
DEVICE_KEYS = keys_of("devices")


def check_deploy(value: Any, loc: Loc) -> None:
    """Raise a located `SpecError` for an unknown key or an impossible device request."""
    deploy = want_map(value, loc)
    check_keys(deploy, DEPLOY_KEYS, loc, what="deploy")
    if deploy.get("resources") is None:
        return
    at = loc.child(deploy, "resources")
    resources = want_map(deploy["resources"], at)
    check_keys(resources, ("limits", "reservations"), at, what="deploy.resources")
    for kind in ("limits", "reservations"):
        if resources.get(kind) is None:
            continue
        kind_at = at.child(resources, kind)
        spec = want_map(resources[kind], kind_at)
        check_keys(spec, RESOURCE_KEYS, kind_at, what=f"deploy.resources.{kind}")
        if spec.get("devices") is None:
            continue
        devices_at = kind_at.child(spec, "devices")
        devices = want_list(spec["devices"], devices_at)
        for i, device in enumerate(devices):
            _check_device(
                want_map(device, devices_at.child(devices, i)), devices_at.child(devices, i)
            )


def _check_device(device: Any, loc: Loc) -> None:
    check_keys(device, DEVICE_KEYS, loc, what="a device request")
    if "capabilities" not in device:
        raise loc.error("is missing `capabilities`", hint="e.g. `capabilities: [gpu]`")
    count = device.get("count")
    if count is not None and count != "all":
        if isinstance(count, bool) or not (
            isinstance(count, int) or (isinstance(count, str) and count.isdigit())
        ):
            raise loc.child(device, "count").error(
                f"{show(count)} — count must be a number or `all`",
                hint="write e.g. `count: 1`",
            )
    if count is not None and device.get("device_ids"):
        raise loc.error(
            "`count` and `device_ids` cannot both be set",
            hint="request a number of devices or name them, not both",
        )


def canonical_deploy(deploy: dict[str, Any], loc: Loc) -> dict[str, Any]:
    """``deploy`` as Compose prints it: ``resources``/``placement`` present, ``cpus`` a
    number, ``memory`` in bytes."""
    out = {**deploy, "resources": dict(deploy.get("resources") or {})}
    out["placement"] = deploy.get("placement") or {}
    at = loc.child(deploy, "resources")
    for kind in ("limits", "reservations"):
        spec = out["resources"].get(kind)
        if not isinstance(spec, dict):
            continue
        spec = dict(spec)
        cpus = spec.get("cpus")
        if isinstance(cpus, str | int) and not isinstance(cpus, bool):
            try:
                spec["cpus"] = float(cpus)
            except ValueError:
                raise at.error(
                    f"cpus {show(cpus)} is not a number", hint="write e.g. 0.5"
                ) from None
        if spec.get("memory") is not None:
            spec["memory"] = byte_count(spec["memory"], at)
        out["resources"][kind] = spec
    return out
