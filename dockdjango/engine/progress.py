"""Progress events a stack operation reports, for the CLI (or a script) to draw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One thing that happened to one object of the stack.

    ``kind`` is ``network``, ``volume``, ``image``, ``container``, ``service`` or
    ``stack``; ``action`` a past or present participle (``created``, ``recreating``,
    ``started``, ``healthy``, ``unchanged``, ``removed``, ``orphan``, ``warning`` ...);
    ``detail`` says why, in a person's words (``command changed``).
    """

    kind: str
    name: str
    action: str
    detail: str = ""
    seconds: float | None = None

    def line(self) -> str:
        """A plain one-line rendering: ``container web-1  started  0.4 s``; a line of
        output (a failed rebuild's) as ``web | the line``."""
        if self.action == "output":
            return f"{self.name} | {self.detail}"
        text = f"{self.kind} {self.name}  {self.action}"
        if self.detail:
            text += f"  ({self.detail})"
        if self.seconds is not None:
            text += f"  {self.seconds:.1f} s"
        return text


OnProgress = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The default callback: report nothing."""
