"""One-off containers: run a command in an image, wait, collect its output, remove it.

``dockdjango compare`` uses this to probe an image (Python version, OS, system libraries)
and to run a project's test suite inside it. The container is always removed, even when
the wait times out or the caller is interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import docker
from docker.errors import APIError, ImageNotFound

from dockdjango.engine.failures import translate_errors
from dockdjango.engine.testing.sessions import helper_labels
from dockdjango.errors import EngineError


@dataclass(frozen=True)
class OneOffResult:
    """What a one-off container did: its exit code, its output and how long it took."""

    exit_code: int
    output: str
    seconds: float


@translate_errors
def run_once(
    client: docker.DockerClient,
    image: str,
    command: Sequence[str],
    *,
    environment: Mapping[str, str] | None = None,
    working_dir: str | None = None,
    labels: Mapping[str, str] | None = None,
    name: str | None = None,
    timeout: float = 600,
) -> OneOffResult:
    """Create, start and wait for a container running ``command``; always remove it.

    ``seconds`` covers create + start + run to exit, i.e. the time a person waits for the
    command's answer. Output is stdout and stderr interleaved, as a terminal shows it.
    """
    started = time.monotonic()
    try:
        container = client.containers.create(
            image,
            list(command),
            environment=dict(environment or {}),
            working_dir=working_dir,
            labels={**helper_labels("run-once"), **dict(labels or {})},
            name=name,
        )
    except ImageNotFound:
        raise EngineError(
            f"image {image} is not in the engine", hint="build it first (dockdjango build)"
        ) from None
    except APIError as exc:
        raise EngineError(f"cannot create a container from {image}: {exc.explanation}") from None
    try:
        container.start()
        status = container.wait(timeout=timeout)
        seconds = round(time.monotonic() - started, 3)
        output = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
        return OneOffResult(int(status.get("StatusCode", -1)), output, seconds)
    except APIError as exc:
        raise EngineError(
            f"running {list(command)!r} in {image} failed: {exc.explanation}"
        ) from None
    except Exception as exc:
        # A read timeout from the SDK: the command ran longer than ``timeout``.
        if "timed out" in str(exc).lower():
            raise EngineError(
                f"{' '.join(command)} in {image} did not finish within {timeout:.0f} s"
            ) from None
        raise
    finally:
        try:
            container.remove(force=True, v=True)
        except APIError:
            pass


@translate_errors
def image_size(client: docker.DockerClient, ref: str) -> int:
    """The image's size in bytes as the engine reports it (all layers, uncompressed)."""
    try:
        return int(client.api.inspect_image(ref).get("Size", 0))
    except ImageNotFound:
        raise EngineError(f"image {ref} is not in the engine") from None


@translate_errors
def remove_image_quietly(client: docker.DockerClient, ref: str, *, force: bool = True) -> bool:
    """Remove an image this process created; False if it was already gone or is in use.

    With ``force=False`` the engine refuses images that are tagged or have children, which
    makes removing candidates safe when some may still be needed.
    """
    try:
        client.api.remove_image(ref, force=force)
        return True
    except APIError:
        return False
