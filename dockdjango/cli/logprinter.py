"""Printing container output the way ``docker compose up`` does: ``web-1  | text``.

Each container's prefix has its own colour on a terminal (none in pipes, CI or with
``NO_COLOR``). A prompt without its newline (``(Pdb) ``) is printed as it is, and the
rest of that line joins it when it comes.
"""

from __future__ import annotations

import sys
import threading
from typing import IO

#: Compose's order of prefix colours: cyan, yellow, green, magenta, blue, then bright ones.
PALETTE = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")


class LogPrinter:
    """Prints output and exits; safe to call from several threads."""

    def __init__(self, stream: IO[str] | None = None, *, color: bool | None = None) -> None:
        from dockdjango.cli.output import is_tty

        self.stream = stream or sys.stdout
        self.color = is_tty(self.stream) if color is None else color
        self.width = 0
        self.colors: dict[str, str] = {}
        self.open_line: str | None = None  # the container whose partial line is on screen
        self.lock = threading.Lock()

    def expect(self, names: list[str]) -> None:
        """Pad every prefix to the longest of ``names`` from the first line on, and hand
        out their colours in this order."""
        for name in names:
            self.width = max(self.width, len(name))
            if self.color:
                self.colors.setdefault(name, PALETTE[len(self.colors) % len(PALETTE)])

    def _prefix(self, name: str) -> str:
        self.width = max(self.width, len(name))
        text = f"{name.ljust(self.width)}  | "
        if not self.color:
            return text
        code = self.colors.setdefault(name, PALETTE[len(self.colors) % len(PALETTE)])
        return f"\x1b[{code}m{text}\x1b[0m"

    def line(self, container: str, text: str, *, partial: bool = False) -> None:
        """One line of ``container``'s output (``partial``: no newline yet)."""
        with self.lock:
            if self.open_line is not None and self.open_line != container:
                self.stream.write("\n")
                self.open_line = None
            if self.open_line == container:
                self.stream.write(text)
            else:
                self.stream.write(self._prefix(container) + text)
            if partial:
                self.open_line = container
            else:
                self.stream.write("\n")
                self.open_line = None
            self.stream.flush()

    def note(self, container: str, text: str) -> None:
        """A line about a container, not from it (``web-1 exited with code 0``)."""
        with self.lock:
            if self.open_line is not None:
                self.stream.write("\n")
                self.open_line = None
            name = self._prefix(container).rstrip("| ").rstrip()
            self.stream.write(f"{name} {text}\n")
            self.stream.flush()
