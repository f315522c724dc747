"""What a build reports, whichever builder ran it: one :class:`StepResult` per Dockerfile
step, the :class:`BuildResult`, the events a caller follows, and the error a failure
becomes. Shared by the BuildKit trace reader and the classic (buildah) stream reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dockdjango.errors import BuildError


@dataclass
class StepResult:
    """One Dockerfile step as BuildKit ran it (its vertex)."""

    index: int
    instruction: str
    cached: bool = False
    seconds: float = 0.0
    output: list[str] = field(default_factory=list)
    #: The stage as BuildKit names it (``builder``, ``stage-1``), None in a one-stage file.
    stage: str | None = None
    #: ``i`` and ``N`` of ``[stage i/N]``: the step's place among the stage's build steps.
    position: int = 0
    total: int = 0
    started: bool = False
    done: bool = False
    error: str = ""

    @property
    def label(self) -> str:
        """``builder 2/4`` — the prefix BuildKit prints, without brackets."""
        head = f"{self.stage} " if self.stage else ""
        # a classic build learns a stage's total when the stage ends
        return f"{head}{self.position}/{self.total}" if self.total else f"{head}{self.position}"

    @property
    def status(self) -> str:
        """``reused`` or ``rebuilt``."""
        return "reused" if self.cached else "rebuilt"


@dataclass
class BuildResult:
    """What a build produced: the image (None for a cache-only build) and every step."""

    image_id: str
    tag: str | None
    steps: list[StepResult]
    seconds: float
    size: int = 0

    @property
    def reused(self) -> int:
        """How many steps BuildKit took from its cache."""
        return sum(1 for s in self.steps if s.cached)


#: Called for each build event: ("step", StepResult) when a step starts, ("cached",
#: StepResult) when BuildKit reuses it, ("done", StepResult) when it finished running,
#: ("output", line) for a step's output.
OnEvent = Callable[[str, object], None]


def build_error(event: Mapping[str, object], order: list[StepResult]) -> BuildError:
    """The :class:`BuildError` for a build's error message: the failed step, its last output."""
    detail = event.get("errorDetail")
    raw = str(event.get("error") or (detail.get("message") if isinstance(detail, dict) else ""))
    failed = next((s for s in order if s.error), None)
    if failed is not None:
        tail = failed.output[-400:]  # enough for the api to find pip's/uv's own reason
        return BuildError(
            f"step [{failed.label}] `{failed.instruction}` failed: {first_line(failed.error)}",
            step=failed.instruction,
            output=tail,
            # no "see above": whoever shows this error decides whether the lines are shown
            hint="fix the instruction, or the files it reads",
        )
    return BuildError(f"the build failed: {first_line(raw)}", step=None)


def first_line(text: str) -> str:
    """The first non-blank line of ``text`` ("unknown error" when there is none)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"
