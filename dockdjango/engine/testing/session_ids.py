"""A test session's id: made when pytest starts, before anything talks to the engine.

Apart from :mod:`dockdjango.engine.testing.sessions` (which imports the Docker SDK), so a
test run that uses no container does not pay for importing it.
"""

from __future__ import annotations

import uuid


def new_session_id(prefix: str = "pytest") -> str:
    """A fresh session id, ``pytest-<12 hex>``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
