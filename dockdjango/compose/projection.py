"""The last stage: the finished canonical tree projected into pydantic models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from dockdjango.compose.models import (
    BuildConfig,
    Healthcheck,
    Network,
    Service,
    ServicePort,
    ServiceVolume,
    Volume,
)
from dockdjango.compose.project import Project
from dockdjango.compose.shapes import Loc
from dockdjango.compose.tree import Tree
from dockdjango.errors import SpecError

_BUILD_FIELDS = set(BuildConfig.model_fields) - {"other", "extensions"}
_SERVICE_FIELDS = set(Service.model_fields) - {"other", "extensions"}


def _split(spec: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """Known fields as they are; ``x-`` keys into ``extensions``; the rest into ``other``."""
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
    data = _split(spec, _SERVICE_FIELDS | {"other"})
    if isinstance(data.get("build"), dict):
        data["build"] = _split(data["build"], _BUILD_FIELDS | {"other"})
    data["env_file"] = [e["path"] for e in data.get("env_file") or []]
    if data.get("labels"):
        data["labels"] = {k: "" if v is None else v for k, v in data["labels"].items()}
    for key in ("ports", "volumes"):
        data[key] = [_split(item, _ITEM_FIELDS[key]) for item in data.get(key) or []]
    if isinstance(data.get("healthcheck"), dict):
        data["healthcheck"] = _split(data["healthcheck"], _HEALTH_FIELDS)
    return data


_ITEM_FIELDS = {"ports": set(ServicePort.model_fields), "volumes": set(ServiceVolume.model_fields)}
_HEALTH_FIELDS = set(Healthcheck.model_fields)


def to_project(
    tree: Tree,
    *,
    name: str,
    working_dir: str,
    config_files: list[str],
    disabled: Mapping[str, Any] | None = None,
) -> Project:
    """The stage: build the `Project` (with the ``disabled`` services, left out by profiles,
    kept aside); a model error becomes a `SpecError` with its path."""
    services = tree.get("services") or Tree()
    current = Loc("", tree.origin)
    try:
        built: dict[str, Service] = {}
        for key, spec in [*services.items(), *(disabled or {}).items()]:
            current = Loc(f"services.{key}", services.where(key))
            built[key] = Service.model_validate(service_fields(spec), context=CANONICAL)
        current = Loc("", tree.origin)
        project = Project(
            name=name,
            services={k: v for k, v in built.items() if k in services},
            disabled_services={k: v for k, v in built.items() if k not in services},
            networks={
                k: Network.model_validate(_split(v, set(Network.model_fields)))
                for k, v in (tree.get("networks") or {}).items()
            },
            volumes={
                k: Volume.model_validate(_split(v, set(Volume.model_fields)))
                for k, v in (tree.get("volumes") or {}).items()
            },
            secrets=dict(tree.get("secrets") or {}),
            configs=dict(tree.get("configs") or {}),
            models=dict(tree.get("models") or {}),
            working_dir=working_dir,
            config_files=config_files,
            extensions={k: v for k, v in tree.items() if str(k).startswith("x-")},
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        dotted = ".".join(str(p) for p in err["loc"])
        path = f"{current.path}.{dotted}" if current.path else dotted
        raise SpecError(
            err["msg"],
            file=current.origin.file if current.origin else None,
            line=current.origin.line if current.origin else None,
            path=path,
        ) from None
    project.record_origins(tree)
    return project
