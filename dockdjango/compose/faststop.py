"""Will ``docker stop`` stop this service at once, or wait out its timeout? Pure.

A process running as PID 1 in a container gets no default signal handling: unless it
installs a handler, the SIGTERM that ``docker stop`` sends is ignored and the engine kills
it only when the stop timeout (10 s by default) has passed. Python programs
(``runserver``, ``http.server``, a management command), shells and ``sleep`` are such
processes; servers built for containers (gunicorn, uvicorn, PostgreSQL, nginx ...) install
their handlers. :func:`slow_stop` tells a service that will wait apart, so ``up`` can say
so and how to fix it, instead of every ``down`` silently taking 10 s.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from typing import Any

#: Programs that, as PID 1, ignore SIGTERM (no handler of their own by default).
IGNORES_SIGTERM = frozenset(
    {"python", "python3", "sh", "bash", "dash", "ash", "sleep", "node", "tail", "cat"}
)
_SHELLS = frozenset({"sh", "bash", "dash", "ash"})


def _program(word: str) -> str:
    name = os.path.basename(word)
    if name.startswith("python3."):  # python3.11
        return "python3"
    return name


def pid1(config: Mapping[str, Any]) -> str | None:
    """The program that ends up as PID 1 for a service's ``entrypoint``/``command`` (None
    when neither is set, so the image's own decides). ``sh -c "... && exec X"`` is X."""
    argv = list(config.get("entrypoint") or []) or list(config.get("command") or [])
    if not argv:
        return None
    first = _program(str(argv[0]))
    if first in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
        try:
            words = shlex.split(str(argv[2]))
        except ValueError:
            return first
        for i, word in enumerate(words[:-1]):
            if word == "exec":
                return _program(words[i + 1])
        return first  # the shell stays PID 1, its children never see the signal
    return first


def slow_stop(
    service: str,
    config: Mapping[str, Any],
    image_stop_signal: Callable[[], str | None] = lambda: None,
) -> str | None:
    """A one-line warning when stopping ``service`` will wait out its stop timeout.

    ``image_stop_signal`` gives the image's ``STOPSIGNAL`` (asked only when the service's
    own settings would warn): a signal other than SIGTERM is taken to be handled.
    """
    if config.get("init") or config.get("stop_signal"):
        return None
    program = pid1(config)
    if program is None or program not in IGNORES_SIGTERM:
        return None
    if (image_stop_signal() or "SIGTERM").upper() not in ("SIGTERM", "TERM", "15"):
        return None
    return (
        f"services.{service}: {program} runs as PID 1 without an init and ignores SIGTERM, "
        "so stopping it waits out the stop timeout (10 s); add `init: true` "
        "(or `stop_signal: SIGINT` for a Python server)"
    )
