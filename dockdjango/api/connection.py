"""The Docker engine a script talks to: connecting, where, and which versions answer."""

from __future__ import annotations

from dockdjango import __version__
from dockdjango.api.local_engine import Versions
from dockdjango.engine.client import (
    DockerClient,
    EngineInfo,
    connect,
    describe_engine,
    engine_address,
    engine_version,
    sdk_version,
)
from dockdjango.errors import EngineUnavailable

__all__ = [
    "DockerClient",
    "EngineInfo",
    "Versions",
    "connect",
    "describe_engine",
    "engine_address",
    "engine_version",
    "prediction_note",
    "versions",
]


def versions() -> Versions:
    """The versions ``dockdjango version`` prints; never raises for a missing engine."""
    try:
        info = describe_engine(connect())
    except EngineUnavailable as exc:
        return Versions(__version__, sdk_version(), unreachable=exc)
    return Versions(__version__, sdk_version(), info.version, info.api, info=info)


def prediction_note(client: DockerClient | None = None) -> str:
    """What a cache prediction cannot know on this engine: "" on BuildKit; on Podman,
    how buildah's cache differs from the BuildKit rules the prediction follows."""
    engine = describe_engine(client or connect())
    if engine.builder != "buildah":
        return ""
    return (
        f"{engine.name} builds with buildah {engine.builder_version or '?'}: this prediction "
        "follows BuildKit's cache rules; buildah reuses a step only when every instruction "
        "before it was reused, and does not key RUN --mount=type=bind files (a changed file "
        "mounted that way leaves its step reused: build with --no-cache)"
    )
