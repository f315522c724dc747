"""Container output of a stack through the SDK: merged across containers, prefixed,
optionally followed (the lines themselves: ``log_lines``)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

import docker

from dockdjango.engine.failures import translate_errors
from dockdjango.engine.project.log_lines import (
    LogLine,
    followed_lines,
    log_targets,
    merged_lines,
)
from dockdjango.engine.up.observe import project_containers

__all__ = ["LogLine", "iter_logs"]


@translate_errors
def iter_logs(
    client: docker.DockerClient,
    project: str,
    services: Iterable[str] | None = None,
    *,
    tail: int | None = None,
    follow: bool = False,
    stop: threading.Event | None = None,
) -> Iterator[LogLine]:
    """Lines from the project's containers.

    Without ``follow``: every container's output (last ``tail`` lines each), merged in
    time order. With ``follow``: lines as they arrive, until the containers stop or
    ``stop`` is set.
    """
    containers = log_targets(project_containers(client, project), services)
    tail_arg: Any = "all" if tail is None else int(tail)

    def fetch(c: dict[str, Any], tail: Any) -> bytes:
        return bytes(client.api.logs(c["Id"], stdout=True, stderr=True, timestamps=True, tail=tail))

    def stream(c: dict[str, Any], tail: Any) -> Iterable[bytes]:
        return client.api.logs(  # type: ignore[no-any-return]
            c["Id"], stdout=True, stderr=True, timestamps=True, tail=tail, stream=True, follow=True
        )

    if follow:
        yield from followed_lines(project, containers, tail_arg, stop or threading.Event(), stream)
    else:
        yield from merged_lines(project, containers, tail_arg, fetch)
