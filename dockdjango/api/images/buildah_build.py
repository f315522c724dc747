"""What a build on Podman sends instead: the uv stage as an image, bind mounts keyed.

See :mod:`dockdjango.images.buildah` for the two buildah bugs this works around. The
stage image is built once per content of the stage (as BuildKit would reuse it) and kept,
like the CA bundle image, under ``dockdjango/uv:<digest>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dockdjango.api.images.imageprep import Prepared
from dockdjango.images.buildah import key_bind_mounts, mount_stage_from, stage_image

if TYPE_CHECKING:
    import docker

#: The stage dockdjango's Dockerfile mounts its installer from.
UV_STAGE = "uv"


def buildah_inputs(
    client: docker.DockerClient, prepared: Prepared, log: Callable[[str], None]
) -> tuple[dict[str, bytes], dict[str, str]]:
    """(context files to add or replace, build args) for building ``prepared`` on buildah."""
    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.images.context import make_context

    text = prepared.sent_dockerfile
    extras = dict(prepared.extras)
    image = stage_image(text, UV_STAGE) if f"from={UV_STAGE}," in text else None
    if image is not None:
        if inspect_image(client, image) is None:
            log(f"building the {UV_STAGE} stage as {image} (Podman's builder mounts it from there)")
            extras[prepared.dockerfile_path] = text.encode()
            context = make_context(prepared.root, exclude=prepared.ignore, extra_files=extras)
            build_image(
                client, context, dockerfile=prepared.dockerfile_path, target=UV_STAGE, tag=image
            )
        text = mount_stage_from(text, UV_STAGE, image)

    def read(path: str) -> bytes | None:
        if path in extras:
            return extras[path]
        full = prepared.root / path
        return full.read_bytes() if full.is_file() else None

    text, args = key_bind_mounts(text, read)
    extras[prepared.dockerfile_path] = text.encode()
    return extras, args
