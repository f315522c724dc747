"""Driving an image build through the engine's classic builder, step by step.

The classic builder (``POST /build`` without ``version=2``) reports progress as
``{"stream": ...}`` lines: ``Step 3/9 : COPY ...``, then `` ---> Using cache`` when the
step's layer is reused, and the image id in ``aux.ID`` at the end. This module turns that
stream into :class:`BuildResult` (each step reused or rebuilt, with its time) and turns a
failure into a :class:`BuildError` naming the step and its last output lines.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import docker
from docker.errors import APIError

from dockdjango.errors import BuildError

STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")


@dataclass
class StepResult:
    """One Dockerfile instruction as the engine ran it."""

    index: int
    instruction: str
    cached: bool = False
    seconds: float = 0.0
    output: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``reused`` or ``rebuilt``."""
        return "reused" if self.cached else "rebuilt"


@dataclass
class BuildResult:
    """What a build produced: the image, and what happened at each step."""

    image_id: str
    tag: str | None
    steps: list[StepResult]
    seconds: float
    size: int = 0

    @property
    def reused(self) -> int:
        """How many steps reused a cached layer (FROM counts as reused)."""
        return sum(1 for s in self.steps if s.cached)


#: Called for each build event: ("step", StepResult) when a step starts, ("cached",
#: StepResult) when the engine reuses it, ("output", line) for the step's output.
OnEvent = Callable[[str, object], None]


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
    on_event: OnEvent | None = None,
) -> BuildResult:
    """Build an image from a context tar (see ``dockdjango.images.context``)."""
    started = time.monotonic()
    steps: list[StepResult] = []
    image_id: str | None = None
    step_started = started

    def finish_step() -> None:
        if steps:
            steps[-1].seconds = round(time.monotonic() - step_started, 3)

    try:
        stream = client.api.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            dockerfile=dockerfile,
            tag=tag,
            buildargs=dict(buildargs or {}),
            labels=dict(labels or {}),
            target=target,
            nocache=nocache,
            rm=True,
            forcerm=True,
            decode=True,
        )
        for event in stream:
            if "error" in event:
                finish_step()
                raise _build_error(event, steps)
            aux = event.get("aux")
            if isinstance(aux, dict) and aux.get("ID"):
                image_id = str(aux["ID"])
            text = event.get("stream")
            if not text:
                continue
            for line in text.splitlines():
                line = line.rstrip()
                if not line:
                    continue
                m = STEP_RE.match(line)
                if m:
                    finish_step()
                    step_started = time.monotonic()
                    step = StepResult(index=int(m.group(1)), instruction=m.group(3))
                    if step.instruction.upper().startswith("FROM "):
                        step.cached = True
                    steps.append(step)
                    if on_event:
                        on_event("step", step)
                elif line.strip() == "---> Using cache" and steps:
                    steps[-1].cached = True
                    if on_event:
                        on_event("cached", steps[-1])
                elif steps:
                    steps[-1].output.append(line)
                    if on_event:
                        on_event("output", line)
    except APIError as exc:
        raise BuildError(
            f"the engine refused the build: {exc.explanation or exc}",
            hint="check the Dockerfile name and that the base image exists locally",
        ) from None
    finish_step()
    if image_id is None:
        raise BuildError("the build ended without producing an image", step=None)
    size = int(client.api.inspect_image(image_id).get("Size", 0))
    return BuildResult(
        image_id=image_id,
        tag=tag,
        steps=steps,
        seconds=round(time.monotonic() - started, 3),
        size=size,
    )


def _build_error(event: dict[str, object], steps: list[StepResult]) -> BuildError:
    message = str(event.get("error", "")).strip().splitlines()[0] if event.get("error") else ""
    if steps:
        step = steps[-1]
        tail = [line for line in step.output if not line.startswith(" ---> ")][-10:]
        return BuildError(
            f"step {step.index} `{step.instruction}` failed: {message}",
            step=step.instruction,
            output=tail,
            hint="the step's last output lines are above; fix the instruction or its inputs",
        )
    return BuildError(f"the build failed before its first step: {message}")
