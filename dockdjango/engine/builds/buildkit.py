"""Driving an image build through the engine's BuildKit, from Python, with no session
(and through Podman's buildah, whose classic stream :mod:`.classic` reads).

``POST /build?version=2`` with a GNU tar context (what :mod:`dockdjango.images.context`
makes) runs the engine's built-in BuildKit: no docker CLI, no buildx. Without a session the
engine cannot read local files or secrets from the client, so everything travels in the tar,
and features that need a session (``RUN --mount=type=secret|ssh``, local exporters) fail —
:mod:`dockdjango.images.frontend` says so before a build starts.

Progress arrives as ``moby.buildkit.trace`` messages (decoded by
:mod:`dockdjango.engine.builds.buildkit_status`). Each Dockerfile step is a vertex named
``[stage i/N] INSTRUCTION``; this module turns them into :class:`StepResult`\\ s (cached or
run, with seconds and output) as they happen, calls ``on_event`` for each change, and turns a
failure into a :class:`BuildError` naming the step and its last output lines.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping

import docker
from docker.errors import APIError

from dockdjango.engine.builds.build_steps import (
    BuildResult,
    OnEvent,
    StepResult,
    build_error,
)
from dockdjango.engine.builds.buildkit_status import DecodeError, Vertex, decode_trace
from dockdjango.engine.builds.classic import ClassicStream
from dockdjango.engine.client import describe_engine
from dockdjango.engine.podman import remove_build_leftovers, working_containers
from dockdjango.errors import BuildError

__all__ = ["BuildResult", "BuildStream", "OnEvent", "StepResult", "build_image"]

#: ``[builder 2/4] RUN ...``, ``[2/3] COPY ...`` (a one-stage Dockerfile has no stage name).
VERTEX_RE = re.compile(r"^\[(?:(?P<stage>\S+) )?(?P<pos>\d+)/(?P<total>\d+)\] (?P<text>.*)$", re.S)


class BuildStream:
    """Folds a build's JSON messages into one :class:`StepResult` per Dockerfile step.

    :meth:`feed` takes each decoded message of ``POST /build?version=2``'s response, in
    order; a message reporting an error raises :class:`BuildError`.
    """

    def __init__(self, on_event: OnEvent | None = None) -> None:
        self.by_digest: dict[str, StepResult] = {}
        self.order: list[StepResult] = []
        self.partial: dict[str, str] = {}
        self.on_event = on_event
        self.image_id = ""

    def feed(self, event: Mapping[str, object]) -> None:
        """Take one message of the build's response stream."""
        if event.get("id") == "moby.buildkit.trace":
            try:
                update = decode_trace(str(event.get("aux", "")))
            except DecodeError:
                return  # a progress message we cannot read must not fail the build
            for v in update.vertexes:
                self.vertex(v)
            for log in update.logs:
                self.log(log.vertex, log.data)
        elif event.get("id") == "moby.image.id":
            aux = event.get("aux")
            if isinstance(aux, dict) and aux.get("ID"):
                self.image_id = str(aux["ID"])
        elif "error" in event or "errorDetail" in event:
            self.flush()
            raise build_error(event, self.order)

    def _emit(self, kind: str, payload: object) -> None:
        if self.on_event is not None:
            self.on_event(kind, payload)

    def vertex(self, v: Vertex) -> None:
        """Take one vertex update (a step announced, started, cached, done or failed)."""
        m = VERTEX_RE.match(v.name)
        if m is None:
            return  # internal work: loading the context, metadata, exporting
        step = self.by_digest.get(v.digest)
        if step is None:
            step = StepResult(
                index=len(self.order) + 1,
                instruction=m.group("text"),
                stage=m.group("stage"),
                position=int(m.group("pos")),
                total=int(m.group("total")),
            )
            self.by_digest[v.digest] = step
            self.order.append(step)
            if v.started is None:
                return
        if v.started is not None and not step.started:
            step.started = True
            self._emit("step", step)
        if v.error:
            step.error = v.error
        if v.completed is not None and not step.done:
            step.done = True
            step.cached = step.cached or v.cached
            if v.started is not None:
                step.seconds = round(max(0.0, v.completed - v.started), 3)
            self._emit("cached" if step.cached else "done", step)
        elif v.cached and not step.done:
            # Once a step ran, a later update marking it cached is BuildKit serving the
            # result it just made to another user of the same vertex: it still ran.
            step.cached = True

    def log(self, digest: str, data: bytes) -> None:
        """Take output a vertex wrote (chunks need not end at a line break)."""
        step = self.by_digest.get(digest)
        if step is None:
            return
        text = self.partial.pop(digest, "") + data.decode("utf-8", "replace")
        lines = re.split(r"\r\n|\n|\r", text)
        self.partial[digest] = lines.pop()
        for line in lines:
            if line.strip():
                step.output.append(line.rstrip())
                self._emit("output", line.rstrip())

    def flush(self) -> None:
        """Keep the unterminated last line of every step's output."""
        for digest, rest in self.partial.items():
            step = self.by_digest.get(digest)
            if step is not None and rest.strip():
                step.output.append(rest.rstrip())
        self.partial.clear()


def build_image(
    client: docker.DockerClient,
    context: bytes,
    *,
    dockerfile: str = "Dockerfile",
    tag: str | None = None,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    nocache: bool = False,
    cache_only: bool = False,
    on_event: OnEvent | None = None,
) -> BuildResult:
    """Build an image from a context tar with the engine's builder; return the image and
    every step.

    BuildKit on Docker; on Podman, buildah, whose classic stream
    :class:`~dockdjango.engine.builds.classic.ClassicStream` reads into the same steps.
    ``cache_only`` runs the steps without exporting an image (BuildKit's ``cacheonly``
    output): for builds whose only purpose is to fill a cache mount.
    """
    started = time.monotonic()
    params = _params(dockerfile, tag, buildargs, labels, target, nocache, cache_only)
    buildah = describe_engine(client).builder == "buildah"
    steps: BuildStream | ClassicStream = (ClassicStream if buildah else BuildStream)(on_event)
    _send_build(client, context, params, steps, buildah)
    api = client.api
    steps.flush()
    image_id = steps.image_id
    if buildah and cache_only and image_id:
        # buildah ignores the cache-only output and writes an untagged image: drop it
        api.remove_image(image_id, noprune=False)
        image_id = ""
    if not image_id and not cache_only:
        raise BuildError("the build ended without producing an image")
    size = int(api.inspect_image(image_id).get("Size", 0)) if image_id else 0
    return BuildResult(
        image_id=image_id,
        tag=tag,
        steps=steps.order,
        seconds=round(time.monotonic() - started, 3),
        size=size,
    )


def _send_build(
    client: docker.DockerClient,
    context: bytes,
    params: dict[str, object],
    steps: BuildStream | ClassicStream,
    buildah: bool,
) -> None:
    """Post the build and feed its progress stream to ``steps`` until the build ends.

    Closing the stream (always, also on Ctrl-C) cancels a build still running; buildah's
    working containers of a build that made no image are removed.
    """
    before = working_containers(client) if buildah else set()
    api = client.api
    response = None
    try:
        response = api._post(
            api._url("/build"),
            data=context,
            params=params,
            headers={"Content-Type": "application/x-tar"},
            stream=True,
            timeout=None,
        )
        api._raise_for_status(response)
        for event in api._stream_helper(response, decode=True):
            steps.feed(event)
    except APIError as exc:
        raise BuildError(
            f"the engine refused the build: {exc.explanation or exc}",
            hint="check the build's settings"
            if buildah
            else "check that the engine has BuildKit (Engine 18.09 or newer)",
        ) from None
    finally:
        # Closing the stream cancels a build still running (Ctrl-C, SIGTERM, an error in
        # on_event): the engine stops its steps instead of finishing them for nobody.
        if response is not None:
            response.close()
        if buildah and not steps.image_id:
            remove_build_leftovers(client, before)


def _params(
    dockerfile: str,
    tag: str | None,
    buildargs: Mapping[str, str] | None,
    labels: Mapping[str, str] | None,
    target: str | None,
    nocache: bool,
    cache_only: bool,
) -> dict[str, object]:
    """The query of ``POST /build?version=2``."""
    params: dict[str, object] = {"version": "2", "dockerfile": dockerfile, "rm": True}
    if tag:
        params["t"] = tag
    if buildargs:
        params["buildargs"] = json.dumps(dict(buildargs))
    if labels:
        params["labels"] = json.dumps(dict(labels))
    if target:
        params["target"] = target
    if nocache:
        params["nocache"] = True
    if cache_only:
        params["outputs"] = json.dumps([{"Type": "cacheonly"}])
    return params
