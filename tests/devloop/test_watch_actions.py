"""The watch actions the other engine tests do not reach: ``initial_sync`` and
``sync+exec``, and ``include``, on the real engine."""

from __future__ import annotations

import pytest

from dockdjango.api.stack.stack import Stack
from tests.stacks import IMAGE

from .test_watch_engine import Watching, cat, until

pytestmark = pytest.mark.engine


COMPOSE = f"""
services:
  app:
    image: {IMAGE}
    init: true
    command: ["sleep", "infinity"]
    develop:
      watch:
        - action: sync
          path: ./conf
          target: /srv/conf
          initial_sync: true
        - action: sync+exec
          path: ./assets
          target: /srv/assets
          include: ["*.css"]
          exec:
            command: ["sh", "-c", "ls /srv/assets > /srv/collected.txt"]
"""


def test_initial_sync_and_sync_exec(project_dir, engine):
    root = project_dir(
        COMPOSE,
        {"conf/settings.ini": "debug = 1\n", "assets/site.css": "a {}\n", "assets/notes.txt": ""},
    )
    stack = Stack.load(root / "compose.yaml", client=engine)
    with Watching(stack) as w:
        # copied when the watch started, before any edit
        assert cat(stack, "app", "/srv/conf/settings.ini") == "debug = 1\n"
        (root / "assets" / "theme.css").write_text("b {}\n")
        (root / "assets" / "readme.txt").write_text("not included\n")
        until(lambda: cat(stack, "app", "/srv/collected.txt") is not None, what="the command")
        assert cat(stack, "app", "/srv/assets/theme.css") == "b {}\n"
        assert cat(stack, "app", "/srv/assets/readme.txt") is None  # outside `include`
        assert cat(stack, "app", "/srv/collected.txt") == "theme.css\n"
        execs = w.actions("app", "exec")
        assert len(execs) == 1 and execs[0].detail.endswith("exit 0")
