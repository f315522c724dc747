"""Before building a project's own Dockerfile: can the engine have the images it starts from?

BuildKit's own failure for a base image no registry serves is a long resolver error deep in
the build output. This check runs first and says it on one line, naming the file and line,
and offers the way out: build from the Dockerfile dockdjango generates instead (the
project's own file is left as it is)::

    error: service web: Dockerfile:4: FROM python:3.12-slim: not present locally and no
    registry answers
    hint: --generated builds from the Dockerfile dockdjango generates instead (`dockdjango
    up --generated` runs the stack it detects; `dockdjango build --generated` builds the
    image); `dockdjango dockerfile --generated` shows it

To keep the project's compose file and build only its services from generated
Dockerfiles, set ``DOCKDJANGO_DOCKERFILE=generated`` (or mark a service's ``build:`` with
``x-dockdjango: {dockerfile: generated}``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.detection.base_refs import base_refs
from dockdjango.errors import BuildError

if TYPE_CHECKING:
    import docker

#: ``DOCKDJANGO_DOCKERFILE=generated`` builds every service from a generated Dockerfile.
ENV_VAR = "DOCKDJANGO_DOCKERFILE"
GENERATED_HINT = (
    "--generated builds from the Dockerfile dockdjango generates instead (`dockdjango "
    "up --generated` runs the stack it detects; `dockdjango build --generated` builds the "
    "image); `dockdjango dockerfile --generated` shows it"
)


def generated_python(build: Mapping[str, object]) -> str | None:
    """The Python a generated build was told (``x-dockdjango: {python: '3.13'}``), if any."""
    ext = build.get("x-dockdjango")
    value = ext.get("python") if isinstance(ext, Mapping) else None
    return str(value) if value else None


def wants_generated(build: Mapping[str, object], environ: Mapping[str, str] | None = None) -> bool:
    """True when a service's build should use a generated Dockerfile: asked for by the
    environment (``DOCKDJANGO_DOCKERFILE=generated``) or by the compose file's
    ``x-dockdjango: {dockerfile: generated}`` in the build section."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR, "").strip().lower() == "generated":
        return True
    ext = build.get("x-dockdjango")
    return isinstance(ext, Mapping) and ext.get("dockerfile") == "generated"


def check_bases(
    client: docker.DockerClient,
    context: Path,
    dockerfile: str,
    *,
    buildargs: Mapping[str, str] | None = None,
    offline: bool | None = None,
) -> None:
    """Raise a one-line :class:`BuildError` for the first image the Dockerfile starts from
    that the engine lacks and cannot pull; pull what can be pulled, so BuildKit finds it."""
    from dockdjango.api.images.base_image import is_offline
    from dockdjango.engine.image_store import inspect_image, try_pull

    path = context / dockerfile
    if not path.is_file():
        return
    for base in base_refs(path.read_text(encoding="utf-8"), dockerfile, buildargs):
        if inspect_image(client, base.ref) is not None:
            continue
        if is_offline(offline):
            why = "not present locally, and offline (DOCKDJANGO_OFFLINE)"
        else:
            ok, reason = try_pull(client, base.ref)
            if ok:
                continue
            unreachable = any(s in reason for s in ("no such host", "dial tcp", "connection"))
            why = "not present locally and no registry answers" if unreachable else reason
        raise BuildError(f"{base.where}: FROM {base.ref}: {why}", hint=GENERATED_HINT)
