"""A site that calls an outside host as it starts, where that host cannot be reached: the
host is named as the cause of the crash (pure: the crashed program's last output)."""

from __future__ import annotations

import pytest

from dockdjango.engine.failures import unreachable_host

REQUESTS = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='platform.example.org', "
    "port=443): Max retries exceeded with url: /identity/jwks/ (Caused by "
    "NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to "
    "resolve 'platform.example.org' ([Errno -3] Temporary failure in name resolution)\"))"
)


@pytest.mark.parametrize(
    ("lines", "host"),
    [
        (["Traceback (most recent call last):", "  ...", REQUESTS], "platform.example.org"),
        (["curl: (6) Could not resolve host: api.example.com"], "api.example.com"),
        # a service of the stack (no dot), an address, localhost: dockdjango's wiring or
        # the project's settings, not an outside host
        (["HTTPConnectionPool(host='redis', port=6379): Max retries exceeded"], None),
        (["HTTPConnectionPool(host='10.0.0.5', port=80): Max retries exceeded"], None),
        (["HTTPConnectionPool(host='localhost', port=80): Max retries exceeded"], None),
        (["django.db.utils.OperationalError: could not connect to server"], None),
    ],
)
def test_the_outside_host_a_crash_could_not_reach(lines: list[str], host: str | None) -> None:
    assert unreachable_host(lines) == host
