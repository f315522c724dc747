"""Reading one small file out of a service's data, with its server stopped or gone.

``down -v`` names the snapshots it is about to delete; the database server writes their
list into its data directory, and this reads it back without starting anything: from
the service's container if one exists (running or not), else through a helper container
that mounts the volume and is created, never started, then removed.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Sequence

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.failures import translate_errors
from dockdjango.engine.labels import PROJECT, SERVICE
from dockdjango.engine.testing.sessions import helper_labels


@translate_errors
def read_service_file(
    client: docker.DockerClient,
    project: str,
    service: str,
    path: str,
    *,
    volume: str = "",
    mount: str = "",
    images: Sequence[str] = (),
) -> bytes | None:
    """The file at ``path`` in ``service``'s container, or -- with no container -- in
    named ``volume`` mounted at ``mount`` as the service mounts it (``path`` inside it),
    read through a helper made from the first of ``images`` the engine has. None when
    the file (or everything needed to reach it) is missing."""
    labels = [f"{PROJECT}={project}", f"{SERVICE}={service}"]
    found = client.api.containers(all=True, filters={"label": labels})
    if found:
        return _archive_file(client, found[0]["Id"], path)
    if not volume or not mount:
        return None
    try:
        client.api.inspect_volume(volume)  # a bind to a missing volume would create one
    except NotFound:
        return None
    for image in images:
        try:
            created = client.api.create_container(
                image,
                command=["true"],
                entrypoint=["true"],
                labels=helper_labels("read-volume"),
                host_config=client.api.create_host_config(binds={volume: {"bind": mount}}),
            )
        except (APIError, NotFound):
            continue
        try:
            return _archive_file(client, created["Id"], path)
        finally:
            try:
                client.api.remove_container(created["Id"], force=True, v=True)
            except (APIError, NotFound):
                pass
    return None


def _archive_file(client: docker.DockerClient, container: str, path: str) -> bytes | None:
    try:
        stream, _stat = client.api.get_archive(container, path)
        data = b"".join(stream)
    except (APIError, NotFound):
        return None
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                return handle.read() if handle else None
    return None
