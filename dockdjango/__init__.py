"""dockdjango: a reproducible Docker dev environment for Django projects.

The floors, each importing only those below it: ``compose`` (compose files, pure),
``detection`` (reading a user's project, pure), ``images`` (what dockdjango writes and
builds, pure), ``cluster`` (Swarm and Kubernetes plans, pure), ``engine`` (the only one
that imports ``docker``), ``api`` (what a script imports), then the front ends ``cli`` and
``pytest_plugin``; ``errors`` serves them all (docs/architecture.md draws them). The names
below are imported lazily so ``import dockdjango`` (and the CLI's ``--help``) stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "DockdjangoError": "dockdjango.errors",
    "SpecError": "dockdjango.errors",
    "EngineError": "dockdjango.errors",
    "EngineUnavailable": "dockdjango.errors",
    "BuildError": "dockdjango.errors",
    "ServiceError": "dockdjango.errors",
    "ensure_base_image": "dockdjango.api.images.base_image",
    "BaseImage": "dockdjango.api.images.base_image",
    "connect": "dockdjango.api.connection",
    "ensure_postgres_image": "dockdjango.api.stack.postgres",
    "resolve_postgres_image": "dockdjango.api.stack.postgres",
    "PostgresImage": "dockdjango.api.stack.postgres",
    "postgres_environ": "dockdjango.api.stack.postgres",
    "Stack": "dockdjango.api.stack.stack",
    "build_project": "dockdjango.api.images.project_images",
    "explain_project": "dockdjango.api.images.project_images",
    "detect_project": "dockdjango.api.images.project_images",
    "write_project_files": "dockdjango.api.images.project_images",
    "ImageBuild": "dockdjango.api.images.project_images",
    "DockerfileOptions": "dockdjango.images.dockerfile",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dockdjango' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
