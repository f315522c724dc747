"""Live progress of a BuildKit build: a ``rich`` view on a terminal, plain lines otherwise;
then the report of the finished build (:func:`print_build_report`).

Fed by ``build_project``'s ``on_event`` callback. On a terminal every build step is one line
that changes as it runs (waiting, running with its last output line, cached, done with its
time); elsewhere (a pipe, CI) one line per change, numbered like BuildKit's plain progress:
``#3 [runtime 3/7] RUN ...``, ``#3 CACHED``, ``#3 DONE 2.1 s``. Progress goes to stderr.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from dockdjango.cli.output import first_line, is_tty


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


def print_build_report(build: Any) -> None:
    """Per step of a finished build: reused or rebuilt, and how long; then the image, and
    where the cache prediction differed from BuildKit's flags."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from dockdjango.cli.output import print_table

    out = Console()
    rows = []
    for p in build.predicted:
        if not p.step.has_layer:
            continue
        s = build.engine_step(p)
        status = "" if s is None else ("reused" if s.cached else "rebuilt")
        took = f"{s.seconds:.1f} s" if s is not None and not s.cached else ""
        rows.append((str(p.step.index), p.step.text.split("\n")[0], status, took))
    if is_tty():
        table = Table(box=None, pad_edge=False)
        table.add_column("step", justify="right")
        table.add_column("instruction", overflow="ellipsis", max_width=52, no_wrap=True)
        table.add_column("cache", no_wrap=True, min_width=7)
        table.add_column("time", justify="right", no_wrap=True)
        for index, text, status, took in rows:
            style = "green" if status == "reused" else "yellow"
            # an instruction's own brackets (`RUN [ -f x ]`) are text, not markup
            cache = f"[{style}]{status}[/]" if status else ""
            table.add_row(index, escape(text), cache, took)
        out.print(table)
    else:
        short_rows = [(i, first_line(t, 60), c, d) for i, t, c, d in rows]
        print_table(["step", "instruction", "cache", "time"], short_rows)
    size_mb = build.result.size / 1e6
    short = build.image_id.removeprefix("sha256:")[:12]
    out.print(
        f"✓ image {build.result.tag or short} ({short}, {size_mb:.0f} MB): "
        f"{sum(1 for row in rows if row[2] == 'reused')} of {len(rows)} steps reused, "
        f"{build.seconds:.1f} s"
    )
    wrong = build.mismatches()
    if wrong:
        out.print("[yellow]! the cache prediction differed:[/]")
        for line in wrong:
            out.print(f"  {line}")
