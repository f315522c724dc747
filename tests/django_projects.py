"""Small Django projects for engine tests, made as a user makes one: ``django-admin
startproject`` with Django pinned, then the few lines a test is about.

They share their requirements, so BuildKit installs Django once for all of them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = "Django>=5.2,<5.3\n"
#: A view at / (startproject routes only the admin).
ROOT_VIEW = (
    "from django.http import HttpResponse\n"
    "urlpatterns.append(path('', lambda request: HttpResponse('home')))\n"
)


def startproject(dest: Path, *, requirements: str = REQUIREMENTS) -> Path:
    """``django-admin startproject mysite DEST`` with a view at / and ``requirements``."""
    dest.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(dest)],
        check=True,
        capture_output=True,
    )
    (dest / "requirements.txt").write_text(requirements)
    urls = dest / "mysite" / "urls.py"
    urls.write_text(urls.read_text() + ROOT_VIEW)
    return dest


def set_allowed_hosts(root: Path, line: str) -> None:
    """Replace startproject's ``ALLOWED_HOSTS = []`` with ``line``."""
    settings = root / "mysite" / "settings.py"
    text = settings.read_text()
    settings.write_text(re.sub(r"^ALLOWED_HOSTS = \[\]$", line, text, flags=re.M))


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dockdjango(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 1200
) -> subprocess.CompletedProcess[str]:
    """``python -m dockdjango ARGS`` in ``root``, plain output (no terminal), as in CI."""
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        cwd=root,
        env={**os.environ, "CI": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def status_of(url: str, host: str | None = None) -> int:
    """The status a GET on ``url`` gets (no redirect followed), with ``Host: host``."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", parts.path or "/", headers={"Host": host} if host else {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
