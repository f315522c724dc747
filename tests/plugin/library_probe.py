"""Loaded with ``-p library_probe`` into the Library example's own run: records, per process,
which database backend and test database names its tests ran on, and dockdjango's session.

Not a test module; it only observes (nothing in the example changes).
"""

from __future__ import annotations

import json
import os

import pytest

SEEN: set[str] = set()


def pytest_runtest_teardown(item: pytest.Item) -> None:
    from django.db import connection

    SEEN.add(f"{connection.vendor}:{connection.settings_dict['NAME']}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("LIBRARY_PROBE_DIR")
    if not out or not SEEN:
        return
    from dockdjango.pytest_plugin import STATE

    state = session.config.stash[STATE]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.path.join(out, f"probe-{worker}.json"), "w") as f:
        json.dump({"seen": sorted(SEEN), "session": state.session_id, "worker": worker}, f)
