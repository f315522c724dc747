"""dockdjango's pytest plugin (registered through the ``pytest11`` entry point).

Fixtures arrive with the pytest-fixtures issue; until then the plugin only registers markers.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine: needs a running Docker engine")
