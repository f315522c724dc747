"""The last stage: the finished canonical tree projected into pydantic models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from dockdjango.compose.loader.tree import Tree
from dockdjango.compose.models import (
    CANONICAL,
    Network,
    Service,
    Volume,
    service_fields,
    split_fields,
)
from dockdjango.compose.project import Project
from dockdjango.compose.schema.shapes import Loc
from dockdjango.errors import SpecError


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
                k: Network.model_validate(split_fields(v, set(Network.model_fields)))
                for k, v in (tree.get("networks") or {}).items()
            },
            volumes={
                k: Volume.model_validate(split_fields(v, set(Volume.model_fields)))
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
            hint="see this key in the Compose file reference",
        ) from None
    project.record_origins(tree)
    return project
