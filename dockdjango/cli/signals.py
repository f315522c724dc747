"""SIGTERM unwinds a command like Ctrl-C: ``finally`` blocks clean up, then exit 143.

Python's default for SIGTERM is to die on the spot, so a cancelled CI job or a ``kill``
left what the command had started behind (a helper container, a half-made stack). Raised
as :class:`Terminated`, a ``KeyboardInterrupt``, it takes the same clean-up paths Ctrl-C
does. Only the first SIGTERM is raised: the clean-up is not cut short by a second one
(SIGKILL still ends the process).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The exit codes of a command ended by SIGINT (Ctrl-C) and by SIGTERM, as shells report them.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwind like Ctrl-C."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    """A SIGTERM handler: raise :class:`Terminated` once, ignore later SIGTERMs."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Terminated` (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
