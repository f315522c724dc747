"""Compose settings in the Engine API's units and shapes, converted once for every target.

A container ``up`` creates (``engine/up/create_request``) and a Swarm service
(``cluster/swarm_parts``) carry the same settings in the same units: durations in
nanoseconds, CPUs as ``NanoCPUs``, ulimits as ``{"Name", "Soft", "Hard"}``, a
healthcheck as the API's ``HealthConfig``, extra hosts as (host, address) pairs each
target writes in its own syntax. Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dockdjango.compose.durations import parse_duration
from dockdjango.compose.models import Healthcheck

#: Healthcheck settings the Engine API this targets (1.41) has no field for.
HEALTH_LEFT_OUT = ("start_interval",)


def nanoseconds(duration: str | int | float | None) -> int | None:
    """A compose duration (``1m30s``, or seconds as a number) in nanoseconds, or None."""
    return None if duration is None else int(round(parse_duration(duration) * 1e9))


def nano_cpus(cpus: str | int | float | None) -> int | None:
    """``cpus: 0.5`` as the API's ``NanoCPUs`` (500000000), or None when unset or 0."""
    return int(round(float(cpus) * 1e9)) if cpus else None


def health_config(check: Healthcheck | None) -> dict[str, Any] | None:
    """The API's ``HealthConfig`` (durations in nanoseconds): ``{"Test": ["NONE"]}`` when
    switched off, None to keep the image's own. ``start_interval`` has no field before
    Engine API 1.44 (see `HEALTH_LEFT_OUT`): callers say it was left out."""
    if check is None:
        return None
    if check.disabled:
        return {"Test": ["NONE"]}
    out: dict[str, Any] = {}
    if check.test:
        out["Test"] = list(check.test)
    for key, value in (
        ("Interval", check.interval),
        ("Timeout", check.timeout),
        ("StartPeriod", check.start_period),
    ):
        if value is not None:
            out[key] = nanoseconds(value)
    if check.retries is not None:
        out["Retries"] = int(check.retries)
    return out or None


def health_left_out(check: Healthcheck | None) -> list[str]:
    """The healthcheck keys set in ``check`` that :func:`health_config` cannot carry."""
    return [key for key in HEALTH_LEFT_OUT if check is not None and getattr(check, key)]


def ulimits(limits: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """``ulimits:`` (``nofile: 1024`` or ``{soft, hard}``) as the API's list, sorted by
    name; None when there are none."""
    if not limits:
        return None
    out = []
    for name, value in sorted(limits.items()):
        if isinstance(value, Mapping):
            soft, hard = int(value.get("soft", 0)), int(value.get("hard", 0))
        else:
            soft = hard = int(value)
        out.append({"Name": name, "Soft": soft, "Hard": hard})
    return out


def extra_hosts(entries: Iterable[str]) -> list[tuple[str, str]]:
    """``extra_hosts`` (Compose's ``host=address`` form, or ``host:address``) as (host,
    address) pairs; an IPv6 address keeps its colons."""
    pairs = []
    for entry in entries:
        text = str(entry)
        host, sep, address = text.partition("=")
        if not sep:
            host, _, address = text.partition(":")
        pairs.append((host, address))
    return pairs
