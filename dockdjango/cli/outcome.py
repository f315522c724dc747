"""How a command's output ends: only what is so.

- A failed build (``up``, ``run``, ``watch``, ``build`` all end on the same
  :class:`~dockdjango.errors.BuildError`) shows what the failing step printed, above the
  one-line error: its last :data:`~dockdjango.errors.SHOWN_BUILD_LINES` lines
  (``--verbose``: every line kept), under a header saying how many and from which step.
  A step that printed nothing gets no block, so no message points at lines not there.
- ``up`` prints an announced URL only once it answered 2xx/3xx (``demo is up:``, one line
  each, on stdout); one that did not gets a ``warning:`` line on stderr saying what it got
  and what to do (:class:`~dockdjango.api.stack.links.Answer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def build_output_lines(exc: BaseException, *, verbose: bool = False) -> list[str]:
    """The lines to print above ``exc``'s error line (none unless it is a failed build step
    that printed something)."""
    from dockdjango.errors import SHOWN_BUILD_LINES, BuildError

    if not isinstance(exc, BuildError) or not exc.output:
        return []
    shown = exc.tail(None if verbose else SHOWN_BUILD_LINES)
    total = len(exc.output)
    step = f"`{_first_line(exc.step)}`" if exc.step else "the failing step"
    if len(shown) < total:
        head = f"last {len(shown)} of {total} output lines of {step} (all of them: --verbose):"
    else:
        head = f"output of {step} ({total} line{'s' if total != 1 else ''}):"
    return [head, *(f"  | {line}" for line in shown)]


def _first_line(text: str, width: int = 70) -> str:
    line = " ".join(text.split("\n", 1)[0].split())
    return line if len(line) <= width else line[: width - 1] + "…"


def answer_lines(
    name: str, links: Sequence[Any], answers: Sequence[Any]
) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines) for the stack ``name``'s ``links`` and their ``answers``."""
    good = [a.link for a in answers if a.ok]
    notes = [link for link in links if link.label == "note"]
    out: list[str] = []
    if good:
        width = max(len(link.label) for link in good)
        out = [f"{name} is up:"]
        out += [f"  {link.label:<{width}}  {link.url}" for link in good]
        out += [f"  {link.url}" for link in notes]
    errors = [f"warning: {a.line()}" for a in answers if not a.ok]
    return out, errors
