"""An attached ``up`` through the API on the real engine: output of every service as it is
written (prompts included), input for ``breakpoint()``, a graceful stop, exits reported."""

from __future__ import annotations

import threading
import time

import pytest

from dockdjango.api.stack.attached import Exited, Output
from dockdjango.api.stack.stack import Stack
from tests.stacks import IMAGE

pytestmark = pytest.mark.engine

DEBUGGEE = "\\n".join(
    [
        "import time",
        "print('ready', flush=True)",
        "x = 41",
        "breakpoint()",
        "print('answer', x + 1)",
        "time.sleep(1e6)",
    ]
)
STUBBORN = "; ".join(
    [
        "import signal, time",
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
        "print('up', flush=True)",
        "time.sleep(1e6)",
    ]
)

COMPOSE = f"""
services:
  ticker:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "i=0; while true; do i=$$((i+1)); echo tick $$i; sleep 0.3; done"]
  debug:
    image: {IMAGE}
    init: true
    stdin_open: true
    tty: true
    environment:
      PYTHONUNBUFFERED: "1"
    command: ["python3", "-c", "{DEBUGGEE}"]
"""


class Collector:
    """Events of a session, read in a thread."""

    def __init__(self, session) -> None:
        self.items: list = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(session,), daemon=True)
        self.thread.start()

    def _run(self, session) -> None:
        for event in session.events():
            self.items.append(event)
        self.done.set()

    def texts(self, container: str) -> list[str]:
        return [e.text for e in self.items if isinstance(e, Output) and e.container == container]

    # a hang guard, not a speed check: generous, so a loaded machine does not fail it
    def wait_for(self, check, timeout: float = 300.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.05)
        others = [e for e in self.items if getattr(e, "container", "") != "ticker-1"]
        raise AssertionError(f"timed out waiting for {what}; got {others}")


def test_attached_up_streams_answers_a_breakpoint_and_stops(project_dir, engine):
    stack = Stack.load(project_dir(COMPOSE) / "compose.yaml", client=engine)
    with stack.attached() as session:
        session.start()
        got = Collector(session)
        got.wait_for(
            lambda: any(t.startswith("tick 3") for t in got.texts("ticker-1")), what="ticks"
        )
        # the first tick was not missed: attached before the container started
        assert got.texts("ticker-1")[:2] == ["tick 1", "tick 2"]

        def prompts() -> int:
            return sum(
                1 for e in got.items if isinstance(e, Output) and e.partial and e.text == "(Pdb) "
            )

        got.wait_for(lambda: prompts() == 1, what="the (Pdb) prompt, without a newline")
        assert session.send(b"p x * 2\n") == "debug-1"
        got.wait_for(lambda: "82" in got.texts("debug-1"), what="pdb's answer")
        # what was typed is not shown a second time (the TTY's echo is dropped)
        assert not any("p x * 2" in t for t in got.texts("debug-1"))
        got.wait_for(lambda: prompts() == 2, what="the next prompt")
        session.send(b"c\n")
        got.wait_for(lambda: "answer 42" in got.texts("debug-1"), what="the program going on")

        session.stop()
        assert got.done.wait(300), "events did not end once everything stopped"
    exits = {e.container: e.exit_code for e in got.items if isinstance(e, Exited)}
    assert set(exits) == {"ticker-1", "debug-1"}
    # init: true passes SIGTERM on: stopped by it, not killed (137) once a timeout ran out
    assert 137 not in exits.values(), exits
    assert {r.state for r in stack.ps()} == {"exited"}


def test_kill_is_immediate_even_for_a_process_ignoring_sigterm(project_dir, engine):
    compose = f"""
services:
  stubborn:
    image: {IMAGE}
    stop_grace_period: 1h
    command: ["python3", "-c", "{STUBBORN}"]
"""
    stack = Stack.load(project_dir(compose) / "compose.yaml", client=engine)
    with stack.attached() as session:
        session.start()
        got = Collector(session)
        got.wait_for(lambda: "up" in got.texts("stubborn-1"), what="start")
        session.stop()  # would wait out the hour-long stop timeout ...
        time.sleep(0.5)
        assert session.kill() == [f"{stack.name}-stubborn-1"]  # ... the second Ctrl-C
        assert got.done.wait(300)  # long before the hour: the kill ended it
    (exit_event,) = [e for e in got.items if isinstance(e, Exited)]
    assert exit_event.exit_code == 137
