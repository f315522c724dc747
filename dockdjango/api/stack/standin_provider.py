"""What :meth:`dockdjango.Stack.up` gives the engine for service images that cannot be had.

The engine asks, per service, before a pull when offline and after a failed pull
otherwise. The answer is a stand-in (:mod:`dockdjango.api.stack.service_images`), built or
found, once the data volumes the service mounts are known to hold nothing another version
wrote (:mod:`dockdjango.images.standin_data`) -- or one line that says why nothing can
stand in and what to do: Elasticsearch has no Debian package; an app image with no
``build:`` gets the ``docker build`` that makes it from the project's Dockerfile
(:mod:`dockdjango.images.missing_image`) and, in a Django project, the mode that runs
what dockdjango detects instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.api.stack.service_images import ServiceImage, build_stand_in, short_reason
from dockdjango.detection.layout import find_manage_py
from dockdjango.errors import EngineError, ServiceError
from dockdjango.images.missing_image import build_command
from dockdjango.images.standin_data import check_data, covers, data_dir
from dockdjango.images.standins import (
    StandIn,
    no_stand_in_reason,
    on_docker_hub,
    stand_in_for,
)

if TYPE_CHECKING:
    import docker

    from dockdjango.compose import Project

Provide = Callable[[str, str, "str | None", Callable[..., None]], "tuple[str, str, str] | None"]
#: The command that runs what dockdjango detects in a Django project, whatever its compose
#: file names (the generated mode's spelling lives in the CLI's project options).
GENERATED_UP = "dockdjango up --generated"


def stand_in_provider(
    client: docker.DockerClient,
    *,
    project: Project | None = None,
    offline: bool | None = None,
    dry_run: bool = False,
) -> Provide:
    """The engine's ``stand_in(service, ref, reason, on_progress)`` for ``project``.

    Before a pull (``reason`` None) it answers only when offline, so no registry is
    contacted; after a failed pull it builds (or finds) the stand-in. Services without a
    stand-in get None (the engine reports their image as it always did), or a
    :class:`ServiceError` that says why none can be had and what to do.

    With ``dry_run`` nothing is built: a stand-in that is there already gives its image id
    (it is rebuilt first if its files changed, which is said, not checked); one that is not
    is reported (``would build``) and its id is "" (the engine's "not known yet").
    """
    from dockdjango.api.images.base_image import is_offline
    from dockdjango.engine.image_store import registry_mirrors

    mirrors: list[list[str]] = []  # asked of the engine once, when a pull has failed

    def why_not(ref: str, reason: str) -> str:
        if not mirrors:
            mirrors.append(registry_mirrors(client))
        return short_reason(reason, mirrors[0] if on_docker_hub(ref) else ())

    def provide(
        service: str, ref: str, reason: str | None, on_progress: Callable[..., None]
    ) -> tuple[str, str, str] | None:
        stand_in = stand_in_for(ref)
        if stand_in is None:
            if reason is not None and project is not None:
                raise_unavailable(project, service, ref, why_not(ref, reason))
            return None
        if reason is None and not is_offline(offline):
            return None
        why = "offline" if reason is None else why_not(ref, reason)
        if dry_run:
            return _planned(client, stand_in, why, on_progress)
        return _stood_in(client, project, service, stand_in, why, on_progress)

    return provide


def _planned(
    client: docker.DockerClient, stand_in: StandIn, why: str, on_progress: Callable[..., None]
) -> tuple[str, str, str]:
    """A dry run's answer: the stand-in's id when it is there, else "" and `would build`."""
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.engine.progress import Event

    found = inspect_image(client, stand_in.ref)
    line = f"{stand_in.asked} not reachable ({why}) → {stand_in.ref}"
    if found is None:
        on_progress(Event("image", stand_in.ref, "would build", f"stand-in for {stand_in.asked}"))
        return "", stand_in.ref, line
    return str(found["Id"]), stand_in.ref, line + " (rebuilt if its files changed)"


def _stood_in(
    client: docker.DockerClient,
    project: Project | None,
    service: str,
    stand_in: StandIn,
    why: str,
    on_progress: Callable[..., None],
) -> tuple[str, str, str]:
    """The stand-in built (or found), once the service's data is known to be its own:
    (image id, reference, the line that says what was asked and what is given)."""
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.engine.progress import Event

    began = time.monotonic()

    def log(line: str) -> None:
        on_progress(Event("image", stand_in.ref, "building", line))

    made = build_stand_in(stand_in, client, log=log)
    if made.source == "built":
        on_progress(Event("image", made.ref, "built", seconds=time.monotonic() - began))
    if project is not None:
        refuse_foreign_data(client, project, service, stand_in, made.ref)
    image = ServiceImage(
        stand_in.asked, made.ref, made.source, made.version, why, stand_in=stand_in
    )
    data = inspect_image(client, made.ref)
    if data is None:  # removed between its build and now: say so, never a blank id
        raise EngineError(f"the stand-in image {made.ref} is gone from the engine")
    return str(data["Id"]), made.ref, image.summary


def raise_unavailable(project: Project, service: str, ref: str, why: str) -> None:
    """Raise the one-line error for ``ref``, which no registry serves (``why``, in a few
    words) and nothing stands in for, when dockdjango knows more than "not found": a
    server Debian does not package, or an image the project's own Dockerfile builds.
    Returns when it knows nothing more."""
    root = Path(project.working_dir)
    django = find_manage_py(root)[0] is not None
    instead = "run what dockdjango detects in this Django project"
    unpackaged = no_stand_in_reason(ref)
    svc = project.services.get(service)
    if unpackaged:
        hint = (
            "load the image into the engine (`docker load -i FILE`) or run where a registry "
            "serves it"
        )
        raise ServiceError(
            service,
            f"service {service}: image {ref} cannot be pulled ({why}), and {unpackaged}",
            hint=hint + (f"; or {instead}, without it: `{GENERATED_UP}`" if django else ""),
        )
    command = build_command(ref, root) if svc is not None and svc.build is None else None
    if command is None:
        return
    raise ServiceError(
        service,
        f"service {service}: image {ref} is not available locally and could not be pulled "
        f"({why}); services.{service} has no `build:`, and the project has "
        "a Dockerfile",
        hint=f"build it: `{command}`" + (f"; or {instead}: `{GENERATED_UP}`" if django else ""),
    )


def refuse_foreign_data(
    client: docker.DockerClient, project: Project, service: str, stand_in: StandIn, image: str
) -> None:
    """Raise when a volume (or bind mount) holding ``stand_in``'s data directory holds data
    another version of its server wrote; the container is then never created."""
    from dockdjango.engine.builds.postgres_image import read_mounted_files

    svc = project.services[service]
    env = {k: v for k, v in svc.environment.items() if v is not None}
    where = data_dir(stand_in, env)
    if where is None:
        return
    for volume in svc.volumes:
        if volume.type not in ("volume", "bind") or not volume.source:
            continue
        if not covers(volume.target, where.path):
            continue
        if volume.type == "volume":
            named = project.volumes.get(volume.source)
            source = str(named.name) if named is not None and named.name else volume.source
            label = f"volume {source}"
        else:
            source, label = volume.source, f"{volume.source} (bind-mounted)"
        paths = {f"{where.path}/{name}": name for name in where.markers}
        found = read_mounted_files(
            client,
            image,
            list(paths),
            source=source,
            target=volume.target,
            volume=volume.type == "volume",
        )
        markers = {paths[path]: text for path, text in found.items()}
        refusal = check_data(stand_in, markers, where=label, environment=env)
        if refusal is not None:
            raise ServiceError(service, f"service {service}: {refusal.message}", hint=refusal.hint)
