"""The compose services the engine tests run, written once: an HTTP server that is healthy
once it answers, and a "database" that becomes healthy a chosen time after it starts.

Both run the registry-free base image (``python -m dockdjango base`` makes it) and publish
on 127.0.0.1 only, on a free port unless a test asks for one. Each returns the YAML of
one service (two-space indented, to follow ``services:``).
"""

from __future__ import annotations

#: The image every engine test runs: made by ``python -m dockdjango base``, no registry.
IMAGE = "dockdjango/python:3.11-bookworm"

#: Healthy = serving: ``up`` returns only once requests get an answer.
HTTP_HEALTHCHECK = """\
    healthcheck:
      test:
        - CMD
        - python3
        - -c
        - "import urllib.request as u; u.urlopen('http://127.0.0.1:8000', timeout=1)"
      interval: 250ms
      retries: 200
"""


def http_service(
    name: str = "web",
    *,
    command: str = '["python3", "-m", "http.server", "8000"]',
    ports: str = '["127.0.0.1::8000"]',
    extra: str = "",
) -> str:
    """A service serving HTTP on 8000 (``command`` may print first), ``extra`` YAML lines
    (four-space indented) added to it."""
    return (
        f"  {name}:\n"
        f"    image: {IMAGE}\n"
        "    init: true\n"
        f"    command: {command}\n"
        f"    ports: {ports}\n" + HTTP_HEALTHCHECK + extra
    )


def ready_after(delay: float, *, name: str = "db", retries: int = 100, extra: str = "") -> str:
    """A service that becomes healthy ``delay`` seconds after it starts (``/tmp/ready``
    appears), with the named volume ``data`` mounted, as a database would be."""
    return (
        f"  {name}:\n"
        f"    image: {IMAGE}\n"
        "    init: true\n"
        f'    command: ["sh", "-c", "sleep {delay}; touch /tmp/ready; exec sleep 1000000"]\n'
        "    healthcheck:\n"
        '      test: ["CMD", "test", "-f", "/tmp/ready"]\n'
        "      interval: 250ms\n"
        f"      retries: {retries}\n"
        "    volumes: [data:/data]\n" + extra
    )
