"""Images from a project directory: detect it, write its files, explain the cache, build.

``project_images`` holds the calls (`build_project`, `explain_project`,
`write_project_files`, `detect_project`); ``project_build`` runs one build of a prepared
project on BuildKit and ``project_files`` writes the generated files into a project;
``imageprep`` prepares a build (which Dockerfile, which context, which files to add);
``detect_here`` detects with the Pythons this machine can really give; ``base_image`` makes
or finds the base image and ``basecheck`` checks that a project's own Dockerfile can have
the images it starts from. Modules here import the top of ``api`` and the floors below,
never the other ``api`` rooms.
``from dockdjango.api.images import build_project`` is the public path (re-exported here).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockdjango.api.images.project_images import (
        GENERATED_DOCKERFILE,
        ImageBuild,
        Prepared,
        build_project,
        compare,
        context_credentials,
        context_index,
        detect_project,
        explain_project,
        plan_project,
        prepare,
        resolve_base_image,
        write_project_files,
    )

__all__ = [
    "GENERATED_DOCKERFILE",
    "ImageBuild",
    "Prepared",
    "build_project",
    "compare",
    "context_credentials",
    "context_index",
    "detect_project",
    "explain_project",
    "plan_project",
    "prepare",
    "resolve_base_image",
    "write_project_files",
]


def __getattr__(name: str) -> Any:
    # on first use, so that a module of this room (``base_image``, ``basecheck``) can be
    # imported without the whole of image building and project detection behind it
    if name not in __all__:
        raise AttributeError(f"module 'dockdjango.api.images' has no attribute {name!r}")
    return getattr(importlib.import_module("dockdjango.api.images.project_images"), name)
