"""Reading a classic build stream (Podman's buildah) into the steps BuildKit would report.

Podman accepts ``POST /build?version=2`` but builds with buildah, which answers with the
classic ``{"stream": ...}`` lines instead of BuildKit's trace::

    [1/2] STEP 2/3: RUN pip install ...      a step opens ([stage i/N] only with stages)
    --> Using cache 3c3fe0613b7a...          the step was reused
    --> 3c3fe0613b7                          the step is done
    [2/2] COMMIT docker.io/library/web:1     the stage's image is written
    {"aux": {"ID": "sha256:..."}}            the image (no "id" key, unlike Docker's)
    {"errorDetail": {"message": "building at STEP \\"RUN ...\\": ... exit status 1"}}

Output comes in chunks that need not end at a line break. :class:`ClassicStream` keeps
the steps BuildKit has vertexes for (``FROM`` an image, ``RUN``, ``COPY``, ``ADD``,
``WORKDIR``) and numbers them as BuildKit does (``[final 2/4]``: a stage's alias, else
``stage-N``), so predictions, records and progress read the same on both engines. Buildah
runs every other instruction as a step too; those are folded into the next one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from dockdjango.engine.builds.build_steps import OnEvent, StepResult, build_error

_STEP = re.compile(r"^(?:\[(?P<stage>\d+)/\d+\] )?STEP \d+/\d+: (?P<text>.*)$", re.S)
_COMMIT = re.compile(r"^(?:\[\d+/\d+\] )?COMMIT\b")
_CACHED = re.compile(r"^--> Using cache [0-9a-f]{12,}\s*$")
_DONE = re.compile(r"^--> [0-9a-f]{6,}\s*$")
_TRAILING_MARK = re.compile(r"--> (?:Using cache )?[0-9a-f]{6,}\s*$")
#: What BuildKit makes a vertex of (``FROM`` only when it names an image, not a stage).
_VERTEX_KEYWORDS = {"FROM", "RUN", "COPY", "ADD", "WORKDIR"}
#: buildah writes a stage a FROM builds on as that stage's image id
_STAGE_ID = re.compile(r"^[0-9a-f]{64}$")


class ClassicStream:
    """Folds a classic build stream into :class:`StepResult`\\ s (the interface of the
    BuildKit reader: ``feed``, ``flush``, ``order``, ``image_id``); a message reporting an
    error raises :class:`BuildError`."""

    def __init__(self, on_event: OnEvent | None = None) -> None:
        self.on_event = on_event
        self.order: list[StepResult] = []
        self.image_id = ""
        self.current: StepResult | None = None
        self.stage_steps: list[StepResult] = []
        self.stage_number = 0
        self.stage_name = ""
        self.pending = ""
        self.began = 0.0

    def feed(self, event: Mapping[str, object]) -> None:
        """Take one message of the build's response stream."""
        aux = event.get("aux")
        if isinstance(aux, dict) and aux.get("ID") and "id" not in event:
            self.image_id = str(aux["ID"])
        elif "stream" in event:
            self.pending += str(event["stream"])
            *lines, self.pending = self.pending.split("\n")
            for line in lines:
                self.line(line)
        elif "error" in event or "errorDetail" in event:
            if self.pending.strip():
                self.line(self.pending)
            self.pending = ""
            self.fail(_error_text(event))
            self.flush()
            raise build_error(event, self.order)

    def _emit(self, kind: str, payload: object) -> None:
        if self.on_event is not None:
            self.on_event(kind, payload)

    def line(self, text: str) -> None:
        """Take one whole line of the stream."""
        tail = _TRAILING_MARK.search(text)
        if tail is not None and tail.start() > 0:
            # output without a final line break runs into buildah's next "--> " line
            self.line(text[: tail.start()])
            text = text[tail.start() :]
        step = _STEP.match(text)
        if step is not None:
            self._open(step)
        elif _COMMIT.match(text):
            self._close_stage()
        elif _CACHED.match(text):
            if self.current is not None:
                self.current.cached = True
        elif _DONE.match(text):
            self._finish()
        elif text.strip() and self.current is not None and not self.current.done:
            self.current.output.append(text.rstrip())
            self._emit("output", text.rstrip())

    def _open(self, m: re.Match[str]) -> None:
        self._finish()
        number = int(m.group("stage") or 1)
        if number != self.stage_number:
            self._close_stage()
            self.stage_number = number
        text = m.group("text").strip()
        words = text.split()
        keyword = words[0].upper() if words else ""
        if keyword == "FROM":
            alias = words[-1].lower() if len(words) >= 4 and words[-2].upper() == "AS" else ""
            self.stage_name = alias or f"stage-{number - 1}"
        if keyword not in _VERTEX_KEYWORDS or (keyword == "FROM" and _from_stage(text)):
            self.current = None  # config-only in BuildKit: no step of its own
            return
        step = StepResult(
            index=len(self.order) + 1,
            instruction=text,
            stage=self.stage_name if m.group("stage") else None,
            position=len(self.stage_steps) + 1,
            started=True,
            cached=keyword == "FROM",  # a base image is used, never built
        )
        self.order.append(step)
        self.stage_steps.append(step)
        self.current = step
        self.began = time.monotonic()
        self._emit("step", step)

    def _finish(self) -> None:
        step, self.current = self.current, None
        if step is None or step.done or step.error:
            return
        step.done = True
        step.seconds = round(time.monotonic() - self.began, 3)
        self._emit("cached" if step.cached else "done", step)

    def _close_stage(self) -> None:
        self._finish()
        for step in self.stage_steps:
            step.total = len(self.stage_steps)
        self.stage_steps = []

    def flush(self) -> None:
        """End of the stream: the last line, and the last stage's numbers."""
        if self.pending.strip():
            self.line(self.pending)
        self.pending = ""
        self._close_stage()

    def fail(self, message: str) -> None:
        """The build failed (``building at STEP "RUN ..."``): mark the step that was running."""
        step = self.current or (self.order[-1] if self.order else None)
        if step is not None:
            step.error = message.strip() or "failed"


def _error_text(event: Mapping[str, object]) -> str:
    detail = event.get("errorDetail")
    text = str((detail.get("message") if isinstance(detail, dict) else "") or event.get("error"))
    # `building at STEP "RUN false": while running runtime: exit status 1`: the result
    # names the step already; the cause is what follows the quoted instruction
    head, sep, cause = text.strip().rpartition('": ')
    cause = cause if sep and head.startswith('building at STEP "') else text
    # BuildKit's words for a command that failed, so one message reads alike everywhere
    return re.sub(r"while running runtime: exit status (\d+)", r"exit code: \1", cause)


def _from_stage(text: str) -> bool:
    words = text.split()
    return len(words) >= 2 and bool(_STAGE_ID.match(words[1]))
