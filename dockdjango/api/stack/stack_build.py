"""Building a stack service's image from its ``build:`` section, with dockdjango's builder.

The engine asks for an image id through a callback (``engine.up.resources.Builder``); this
module answers it with ``dockdjango.api.images.build_project``: the context's own
Dockerfile when there is one, else a generated one for the Django project found there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.api.images.basecheck import check_bases, generated_python, wants_generated
from dockdjango.api.images.project_images import build_project
from dockdjango.compose.models import BuildConfig
from dockdjango.engine.progress import Event, OnProgress
from dockdjango.errors import BuildError

if TYPE_CHECKING:
    import docker


def build_service(
    client: docker.DockerClient,
    working_dir: str,
    service: str,
    build: BuildConfig,
    tag: str,
    on_warning: Callable[[str], None] | None = None,
) -> str:
    """Build ``tag`` for ``service``; return the image id. Errors name the service.

    ``on_warning(line)`` gets the build's warnings (credential files in the context).
    """
    context = Path(build.context or working_dir or ".")
    dockerfile = build.dockerfile
    generate = wants_generated(build.extensions)
    # Compose fills in `dockerfile: Dockerfile`; when that default is missing, generate one
    if generate or (dockerfile == "Dockerfile" and not (context / dockerfile).is_file()):
        dockerfile = None
    args = {k: str(v) for k, v in build.args.items() if v is not None}
    try:
        if dockerfile:
            check_bases(client, context, str(dockerfile), buildargs=args)
        made = build_project(
            context,
            tag=tag,
            client=client,
            buildargs=args or None,
            labels=build.labels or None,
            # a generated Dockerfile ends with its runtime stage; a compose service made
            # for the project's own file runs the dev server, as dockdjango's own files do
            target=build.target or ("dev" if dockerfile is None else None),
            dockerfile=dockerfile,
            nocache=bool(build.no_cache),
            generate=generate,
            python=generated_python(build.extensions) if generate else None,
        )
    except BuildError as exc:
        from dockdjango.api.images.detect_here import explain_failed_install

        exc = explain_failed_install(exc, context)
        raise BuildError(
            f"service {service}: {exc.message}", step=exc.step, output=exc.output, hint=exc.hint
        ) from None
    if on_warning is not None:
        for line in made.warnings:
            on_warning(line)
    return made.image_id


def image_warnings(on_progress: OnProgress, tag: str) -> Callable[[str], None]:
    """``on_warning`` for :func:`build_service`: each warning as an ``image`` event."""

    def warn(line: str) -> None:
        on_progress(Event("image", tag, "warning", line))

    return warn
