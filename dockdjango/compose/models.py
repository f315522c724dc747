"""Typed models of a compose project, in Compose's long (canonical) form.

Field names are the compose keys. The loader fills these only at the very end of its
pipeline, from a tree that is already interpolated, canonicalised and defaulted, so the
models hold no parsing logic: a Python user can build them directly and get the same
objects. ``to_compose_dict()`` gives the shape ``docker compose config --format json``
prints; keys Compose omits when empty are omitted here too.

The parts of a service (build, ports, mounts, healthcheck ...) live in
:mod:`dockdjango.compose.service_parts` and are re-exported here.

Durations (healthcheck intervals, ``stop_grace_period``) are Compose duration strings
normalised the way Compose prints them (``90s`` -> ``1m30s``); the ``*_seconds``
properties give them as floats.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from dockdjango.compose.schema.numbers import OMITTED_WHEN_ZERO
from dockdjango.compose.service_parts import (
    BindOptions,
    BuildConfig,
    DependsOn,
    Healthcheck,
    ServiceNetwork,
    ServicePort,
    ServiceVolume,
    SpecModel,
    TmpfsOptions,
    VolumeOptions,
    _seconds,
)

__all__ = [
    "BindOptions",
    "BuildConfig",
    "DependsOn",
    "Healthcheck",
    "Network",
    "Service",
    "ServiceNetwork",
    "ServicePort",
    "ServiceVolume",
    "SpecModel",
    "TmpfsOptions",
    "Volume",
    "VolumeOptions",
    "service_fields",
    "split_fields",
]


class Service(SpecModel):
    """One service, long form. ``other`` keeps Compose keys dockdjango does not model yet."""

    image: str | None = None
    build: BuildConfig | None = None
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    environment: dict[str, str | None] = Field(default_factory=dict)
    env_file: list[str] = Field(
        default_factory=list, description="absolute paths; already merged into environment"
    )
    ports: list[ServicePort] = Field(default_factory=list)
    expose: list[str] = Field(default_factory=list)
    volumes: list[ServiceVolume] = Field(default_factory=list)
    depends_on: dict[str, DependsOn] = Field(default_factory=dict)
    healthcheck: Healthcheck | None = None
    restart: str | None = None
    networks: dict[str, ServiceNetwork | None] = Field(default_factory=dict)
    network_mode: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    working_dir: str | None = None
    user: str | None = None
    init: bool | None = None
    stop_signal: str | None = None
    stop_grace_period: str | None = None
    profiles: list[str] = Field(default_factory=list)
    extra_hosts: list[str] = Field(default_factory=list, description="'host=ip', sorted")
    tty: bool | None = None
    stdin_open: bool | None = None
    container_name: str | None = None
    hostname: str | None = None
    platform: str | None = None
    pull_policy: str | None = None
    privileged: bool | None = None
    read_only: bool | None = None
    other: dict[str, Any] = Field(default_factory=dict, description="keys kept as written")
    extensions: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _compose_short_forms(cls, data: Any, info: ValidationInfo) -> Any:
        """Accept what a compose file accepts (``ports=["8000:8000"]``, ``command="a b"``,
        ``environment=["A=1"]``, ``depends_on=["db"]``...): plain values go through the
        loader's own canonical stage; model instances are taken as they are. Relative
        paths stay relative (there is no project directory here)."""
        if not isinstance(data, dict) or (info.context or {}).get("canonical"):
            return data  # the loader's projection: already canonical
        from dockdjango.compose.schema.canonical import SERVICE_KEYS

        plain = {
            k: v
            for k, v in data.items()
            if k in SERVICE_KEYS and k != "env_file" and v is not None and not _has_model(v)
        }
        if not plain:
            return data
        from dockdjango.compose.loader.tree import Tree
        from dockdjango.compose.schema.canonical import canonical_service
        from dockdjango.compose.schema.shapes import Loc

        canonical = canonical_service(Tree(plain), Loc("Service", None))
        fields = service_fields({k: v for k, v in canonical.items() if v is not None})
        other = {**fields.pop("other", {}), **data.get("other", {})}
        extensions = {**fields.pop("extensions", {}), **data.get("extensions", {})}
        fields = {k: v for k, v in fields.items() if k in plain}
        # what the canonical stage left out (None: unset) stays as given, so an assignment
        # (validated through here with every field) keeps the fields it does not touch
        kept = {
            k: v
            for k, v in data.items()
            if k not in plain or (k in cls.model_fields and k not in fields)
        }
        return {**kept, **fields, "other": other, "extensions": extensions}

    @property
    def stop_grace_period_seconds(self) -> float | None:
        """``stop_grace_period`` in seconds, or None when unset (Docker's default is 10 s)."""
        return _seconds(self.stop_grace_period)

    @property
    def has_healthcheck(self) -> bool:
        """True when this service defines a healthcheck that is not disabled."""
        return self.healthcheck is not None and not self.healthcheck.disabled

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose's shape: ``command``/``entrypoint`` always present, env_file merged away."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name in ("other", "extensions", "env_file"):
                continue
            if name == "networks":
                if value:
                    out[name] = {
                        k: (v.to_compose_dict() if v is not None else None)
                        for k, v in value.items()
                    }
                continue
            if name in ("command", "entrypoint"):
                out[name] = value
                continue
            if _empty(value) and not (name == "init" and value is False):
                continue  # as Compose: empty values are left out (`init: false` is kept)
            out[name] = _dump(value)
        out.update(
            (k, v)
            for k, v in self.other.items()
            if v is not None
            and not (k in OMITTED_WHEN_ZERO and v in (0, "0"))
            and not (_empty(v) and k not in _PRINTED_WHEN_EMPTY)
        )
        # Service-level x- keys stay in the model but, as in `docker compose config`, are
        # not printed.
        return out


class Volume(SpecModel):
    """A top-level named volume; ``name`` is the engine name (``<project>_<key>`` by default)."""

    name: str | None = None
    driver: str | None = None
    driver_opts: dict[str, str] = Field(default_factory=dict)
    external: bool | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    extensions: dict[str, Any] = Field(default_factory=dict)

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose leaves out ``external: false`` and an empty ``driver``."""
        return {k: v for k, v in super().to_compose_dict().items() if v not in ("", False)}


class Network(SpecModel):
    """A top-level network; ``name`` is the engine name (``<project>_<key>`` by default)."""

    name: str | None = None
    driver: str | None = None
    driver_opts: dict[str, str] = Field(default_factory=dict)
    external: bool | None = None
    internal: bool | None = None
    attachable: bool | None = None
    enable_ipv4: bool | None = None
    enable_ipv6: bool | None = None
    ipam: dict[str, Any] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    extensions: dict[str, Any] = Field(default_factory=dict)

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose prints ``ipam: {}`` for every network, and ``enable_ipv4``/``enable_ipv6``
        even when false, but leaves out other false or empty values."""
        out = {
            k: v
            for k, v in super().to_compose_dict().items()
            if v not in ("", False) or k in ("enable_ipv4", "enable_ipv6")
        }
        out["ipam"] = dict(self.ipam)
        return out


def _dump(value: Any) -> Any:
    """Plain data for a model, a list/dict of models, or a scalar."""
    if isinstance(value, SpecModel):
        return value.to_compose_dict()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


# Keys Compose prints even when false or empty (Go pointers to a bool or a struct).
_PRINTED_WHEN_EMPTY = frozenset(
    {"attach", "logging", "deploy", "develop", "blkio_config", "credential_spec", "healthcheck"}
)


def _empty(value: Any) -> bool:
    """None, false, "", [] or {}: what Compose leaves out of a service it prints."""
    return value is None or value is False or (isinstance(value, str | list | dict) and not value)


def _has_model(value: Any) -> bool:
    """True if ``value`` is a model or holds one (then it is already in long form)."""
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, dict):
        return any(isinstance(v, BaseModel) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(v, BaseModel) for v in value)
    return False


_BUILD_FIELDS = set(BuildConfig.model_fields) - {"other", "extensions"}
_SERVICE_FIELDS = set(Service.model_fields) - {"other", "extensions"}


def split_fields(spec: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """Known fields as they are; ``x-`` keys into ``extensions``; the rest into ``other``.

    How the loader's last stage (and `Service`'s short forms) fill a model from a canonical
    mapping."""
    out: dict[str, Any] = {"extensions": {}}
    other: dict[str, Any] = {}
    for key, value in spec.items():
        if key in fields:
            out[key] = value
        elif str(key).startswith("x-"):
            out["extensions"][key] = value
        else:
            other[key] = value
    if "other" in fields or other:
        out["other"] = other
    return out


# Tells `Service` its input is already canonical (no short forms to expand).
CANONICAL = {"canonical": True}


def service_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """A canonical service mapping as `Service` field values (``other``/``extensions`` split)."""
    data = split_fields(spec, _SERVICE_FIELDS | {"other"})
    if isinstance(data.get("build"), dict):
        data["build"] = split_fields(data["build"], _BUILD_FIELDS | {"other"})
        if data["build"].get("extra_hosts"):
            data["build"]["extra_hosts"] = sorted(data["build"]["extra_hosts"])
    if data.get("extra_hosts"):
        data["extra_hosts"] = sorted(data["extra_hosts"])  # Compose prints them sorted
    data["env_file"] = [e["path"] for e in data.get("env_file") or []]
    if data.get("labels"):
        data["labels"] = {k: "" if v is None else v for k, v in data["labels"].items()}
    for key in ("ports", "volumes"):
        data[key] = [split_fields(item, _ITEM_FIELDS[key]) for item in data.get(key) or []]
    if isinstance(data.get("healthcheck"), dict):
        data["healthcheck"] = split_fields(data["healthcheck"], _HEALTH_FIELDS)
    return data


_ITEM_FIELDS = {"ports": set(ServicePort.model_fields), "volumes": set(ServiceVolume.model_fields)}
_HEALTH_FIELDS = set(Healthcheck.model_fields)
