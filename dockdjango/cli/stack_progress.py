"""Drawing a stack operation's progress: one live line per object on a terminal, plain
lines otherwise (pipes, CI, ``NO_COLOR``). Events may arrive from several threads."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

MARKS = {
    "created": ("+", "green"),
    "started": ("▶", "green"),
    "healthy": ("●", "green"),
    "running": ("●", "green"),
    "completed": ("✓", "green"),
    "recreating": ("↻", "yellow"),
    "restarting": ("↻", "yellow"),
    "stopped": ("■", "dim"),
    "removed": ("-", "dim"),
    "pulled": ("↓", "green"),
    "built": ("✓", "green"),
    "building": ("…", "yellow"),
    "waiting": ("…", "cyan"),
}
#: Events that are notes, printed once above the live lines rather than as a row.
NOTES = {"orphan", "warning", "interrupted", "kept", "stand-in", "recovered", "copied", "stale"}


class Progress:
    """A callable for ``on_progress=``; use as a context manager around the operation."""

    def __init__(self) -> None:
        from dockdjango.cli.output import is_tty

        self.tty = is_tty(sys.stderr)
        self.rows: dict[tuple[str, str], tuple[Any, float]] = {}
        self.began: dict[tuple[str, str], float] = {}
        self.lock = threading.Lock()
        self.live: Any = None
        self.console: Any = None
        if self.tty:
            from rich.console import Console

            self.console = Console(stderr=True, highlight=False)

    def __enter__(self) -> Progress:
        if self.tty:
            from rich.live import Live

            self.live = Live(self._render(), console=self.console, refresh_per_second=10)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._render())
            self.live.__exit__(None, None, None)
            self.live = None

    def __call__(self, event: Any) -> None:
        """Draw one event (called from any thread)."""
        if not self.tty:
            print(event.line(), file=sys.stderr, flush=True)
            return
        from rich.markup import escape

        with self.lock:
            if event.action == "output":  # a failed step's line, under its warning
                self.console.print(f"  [dim]| {escape(event.detail)}[/]")
                return
            if event.action in NOTES:
                colour = "red" if event.action == "interrupted" else "yellow"
                detail = f" ({escape(event.detail)})" if event.detail else ""
                self.console.print(
                    f"[{colour}]![/] {event.kind} {escape(event.name)} {event.action}{detail}"
                )
                return
            key = (event.kind, event.name)
            # show time since this object's first event: "healthy 1.6 s" from creation
            elapsed = time.monotonic() - self.began.setdefault(key, time.monotonic())
            self.rows[key] = (event, elapsed)
            if self.live is not None:
                self.live.update(self._render())
            else:
                self.console.print(self._line(event, elapsed))

    def _line(self, event: Any, elapsed: float) -> str:
        from rich.markup import escape

        mark, colour = MARKS.get(event.action, ("·", "cyan"))
        seconds = elapsed if elapsed >= 0.05 else event.seconds
        took = f" [dim]{seconds:.1f} s[/]" if seconds is not None else ""
        detail = f" [dim]({escape(event.detail)})[/]" if event.detail else ""
        name = f"[bold]{escape(event.name)}[/]"
        return f"[{colour}]{mark}[/] {event.kind:<9} {name}  {event.action}{detail}{took}"

    def _render(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        return Group(*(Text.from_markup(self._line(e, t)) for e, t in self.rows.values()))
