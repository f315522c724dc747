"""Live progress of a BuildKit build: a ``rich`` view on a terminal, plain lines otherwise.

Fed by ``build_project``'s ``on_event`` callback. On a terminal every build step is one line
that changes as it runs (waiting, running with its last output line, cached, done with its
time); elsewhere (a pipe, CI) one line per change, numbered like BuildKit's plain progress:
``#3 [runtime 3/7] RUN ...``, ``#3 CACHED``, ``#3 DONE 2.1 s``. Progress goes to stderr.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from dockdjango.cli.output import is_tty


class BuildProgress:
    """A context manager and an ``on_event`` callback in one."""

    def __init__(self) -> None:
        self.tty = is_tty(sys.stderr)
        self.total = 0
        self.steps: dict[int, Any] = {}
        self.last_line: dict[int, str] = {}
        self.current: Any = None
        self.started = time.monotonic()
        self._live: Any = None

    def __enter__(self) -> BuildProgress:
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                self._render(), console=Console(stderr=True), refresh_per_second=8, transient=True
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def log(self, line: str) -> None:
        """A note from dockdjango itself (a file written, a cache mount filled)."""
        if self._live is not None:
            from rich.markup import escape

            style = "yellow" if line.startswith("warning: ") else "dim"
            self._live.console.print(f"[{style}]{escape(line)}[/]")
        else:
            print(line, file=sys.stderr, flush=True)

    def __call__(self, kind: str, payload: object) -> None:
        if kind == "total":
            self.total = int(payload)  # type: ignore[call-overload]
        elif kind in ("step", "cached", "done"):
            step: Any = payload
            self.steps[step.index] = step
            self.current = step
            if not self.tty:
                self._plain(kind, step)
        elif kind == "output" and self.current is not None:
            self.last_line[self.current.index] = str(payload)[:120]
            if not self.tty:
                print(f"#{self.current.index} {payload}", file=sys.stderr, flush=True)
        if self._live is not None:
            self._live.update(self._render())

    def _plain(self, kind: str, step: Any) -> None:
        if kind == "step":
            line = f"#{step.index} [{step.label}] {step.instruction}"
        elif kind == "cached":
            line = f"#{step.index} CACHED"
        else:
            line = f"#{step.index} DONE {step.seconds:.1f} s"
        print(line, file=sys.stderr, flush=True)

    def _render(self) -> Any:
        from rich.table import Table

        finished = sum(1 for s in self.steps.values() if s.done)
        cached = sum(1 for s in self.steps.values() if s.cached)
        elapsed = time.monotonic() - self.started
        title = f"Building: {finished}/{self.total or '?'} steps, {cached} cached, {elapsed:.1f} s"
        table = Table(
            box=None, pad_edge=False, show_header=False, title=title, title_justify="left"
        )
        table.add_column("state", no_wrap=True, min_width=7)
        table.add_column("step", no_wrap=True)
        table.add_column("instruction", overflow="ellipsis", no_wrap=True, max_width=60)
        for index in sorted(self.steps):
            s = self.steps[index]
            if s.cached:
                state = "[green]cached[/]"
            elif s.done:
                state = f"[yellow]{s.seconds:.1f} s[/]"
            else:
                state = "[cyan]running[/]"
            text = s.instruction
            if not s.done and index in self.last_line:
                text = f"{text}  [dim]{self.last_line[index]}[/]"
            table.add_row(state, f"[{s.label}]", text)
        return table
