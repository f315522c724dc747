"""The parts of a `Service`, in Compose's long (canonical) form: ``build``, a published
port, a mount and its options, a ``depends_on`` entry, the healthcheck and a network
attachment, on their common base `SpecModel`.

Field names are the compose keys; :mod:`dockdjango.compose.models` (which re-exports
these) holds `Service`, `Volume` and `Network`. Pure pydantic: imports ``durations`` and
``schema.numbers`` of ``compose``, nothing else of ours.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dockdjango.compose.durations import parse_duration

__all__ = [
    "BindOptions",
    "BuildConfig",
    "DependsOn",
    "Healthcheck",
    "ServiceNetwork",
    "ServicePort",
    "ServiceVolume",
    "SpecModel",
    "TmpfsOptions",
    "VolumeOptions",
]


class SpecModel(BaseModel):
    """Common base: unknown fields are refused, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    def to_compose_dict(self) -> dict[str, Any]:
        """A plain JSON-able dict in Compose's canonical shape (empty/None keys left out)."""
        out = self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        extensions = out.pop("extensions", None) or {}
        out.update(extensions)
        return out


def _seconds(value: str | None) -> float | None:
    return None if value is None else parse_duration(value)


class BuildConfig(SpecModel):
    """``build:``: ``context`` is an absolute path (or a URL); ``dockerfile`` defaults."""

    context: str
    dockerfile: str | None = "Dockerfile"
    dockerfile_inline: str | None = None
    args: dict[str, str | None] = Field(default_factory=dict)
    target: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    cache_from: list[str] = Field(default_factory=list)
    cache_to: list[str] = Field(default_factory=list)
    network: str | None = None
    shm_size: str | int | None = None
    extra_hosts: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    no_cache: bool | None = None
    pull: bool | None = None
    additional_contexts: dict[str, str] = Field(default_factory=dict)
    other: dict[str, Any] = Field(default_factory=dict, description="keys kept as written")
    extensions: dict[str, Any] = Field(default_factory=dict)

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose's shape; ``other`` keys are printed back as they were written; an empty
        ``context`` is left out."""
        out = super().to_compose_dict()
        if out.get("context") == "":
            del out["context"]
        if self.dockerfile == "Dockerfile":
            out["dockerfile"] = "Dockerfile"
        if self.dockerfile_inline is not None:
            out.pop("dockerfile", None)
        out.update(out.pop("other", {}))
        return out


class ServicePort(SpecModel):
    """One published or exposed port, long form. ``published`` is a string (may be a range)."""

    target: int = Field(ge=0, le=65535)
    published: str | None = None
    host_ip: str | None = None
    protocol: str = "tcp"
    mode: str = "ingress"
    name: str | None = None
    app_protocol: str | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose always prints ``mode`` and ``protocol``."""
        out = super().to_compose_dict()
        out["mode"], out["protocol"] = self.mode, self.protocol
        return out


class BindOptions(SpecModel):
    """``bind:`` options of a bind mount."""

    propagation: str | None = None
    create_host_path: bool | None = None
    selinux: Literal["z", "Z"] | None = None
    recursive: str | None = None

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose leaves out ``create_host_path: false``."""
        return {k: v for k, v in super().to_compose_dict().items() if v is not False}


class VolumeOptions(SpecModel):
    """``volume:`` options of a named or anonymous volume mount."""

    nocopy: bool | None = None
    subpath: str | None = None

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose leaves out ``nocopy: false``."""
        return {k: v for k, v in super().to_compose_dict().items() if v is not False}


class TmpfsOptions(SpecModel):
    """``tmpfs:`` options; ``size`` is kept as Compose prints it (bytes as a string)."""

    size: str | None = None
    mode: int | None = None

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose leaves out a zero ``size`` or ``mode``."""
        return {k: v for k, v in super().to_compose_dict().items() if v not in ("0", 0)}


class ServiceVolume(SpecModel):
    """One mount, long form. Bind sources are absolute paths; volume sources are names."""

    type: Literal["bind", "volume", "tmpfs", "npipe", "cluster", "image"]
    source: str | None = None
    target: str
    read_only: bool = False
    consistency: str | None = None
    bind: BindOptions | None = None
    volume: VolumeOptions | None = None
    tmpfs: TmpfsOptions | None = None
    image: dict[str, Any] | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)

    def to_compose_dict(self) -> dict[str, Any]:
        """The options as each prints itself (Compose leaves out their false values)."""
        out = super().to_compose_dict()
        for key in ("bind", "volume", "tmpfs"):
            options = getattr(self, key)
            if options is not None:
                out[key] = options.to_compose_dict()
        return out


class DependsOn(SpecModel):
    """One ``depends_on`` entry, long form."""

    condition: Literal["service_started", "service_healthy", "service_completed_successfully"] = (
        "service_started"
    )
    restart: bool | None = None
    required: bool = True

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose always prints ``condition`` and ``required``; ``restart`` only when true."""
        out = super().to_compose_dict()
        out["condition"], out["required"] = self.condition, self.required
        if out.get("restart") is False:
            del out["restart"]
        return out


class Healthcheck(SpecModel):
    """``healthcheck:``; ``test`` is a list (``["CMD-SHELL", "..."]`` for the string form)."""

    test: list[str] | None = None
    interval: str | None = None
    timeout: str | None = None
    start_period: str | None = None
    start_interval: str | None = None
    retries: int | None = None
    disable: bool | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)

    @property
    def interval_seconds(self) -> float | None:
        """``interval`` in seconds, or None when unset (Docker's default is 30 s)."""
        return _seconds(self.interval)

    @property
    def timeout_seconds(self) -> float | None:
        """``timeout`` in seconds, or None when unset (Docker's default is 30 s)."""
        return _seconds(self.timeout)

    @property
    def start_period_seconds(self) -> float | None:
        """``start_period`` in seconds, or None when unset."""
        return _seconds(self.start_period)

    @property
    def start_interval_seconds(self) -> float | None:
        """``start_interval`` in seconds, or None when unset."""
        return _seconds(self.start_interval)

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose leaves out an empty ``test`` list and ``disable: false``."""
        out = super().to_compose_dict()
        if out.get("test") == []:
            del out["test"]
        if out.get("disable") is False:
            del out["disable"]
        return out

    @property
    def disabled(self) -> bool:
        """True when the image's healthcheck is switched off (``disable`` or ``test: [NONE]``)."""
        return bool(self.disable) or (self.test or [""])[0] == "NONE"


class ServiceNetwork(SpecModel):
    """A service's attachment to one network (``networks: {name: {...}}``)."""

    aliases: list[str] = Field(default_factory=list)
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    link_local_ips: list[str] = Field(default_factory=list)
    mac_address: str | None = None
    priority: int | None = None
    gw_priority: int | None = None
    interface_name: str | None = None
    driver_opts: dict[str, str] = Field(default_factory=dict)
    extensions: dict[str, Any] = Field(default_factory=dict)

    def to_compose_dict(self) -> dict[str, Any]:
        """Compose leaves out empty values (``""``, ``0``) of an attachment."""
        return {k: v for k, v in super().to_compose_dict().items() if v not in ("", 0)}
