"""Serve the Library example from the virtualenv (SQLite, sample books) for browser work.

Used by the browser test and by scripts/screenshots.py. ``library_server()`` is a context
manager yielding the base URL; the server and its temporary database go away on exit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

LIBRARY = Path(__file__).resolve().parent.parent / "examples" / "library"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def library_server() -> Iterator[str]:
    """Migrate a fresh SQLite database, load the sample books, run the dev server."""
    with tempfile.TemporaryDirectory(prefix="library-") as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3", DEBUG="1")
        manage = [sys.executable, "manage.py"]
        for args in (["migrate", "--noinput"], ["load_sample_books"]):
            subprocess.run(
                manage + args, cwd=LIBRARY, env=env, check=True, capture_output=True, timeout=120
            )
        port = free_port()
        server = subprocess.Popen(
            manage + ["runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=LIBRARY,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url + "/health/", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("the Library dev server did not start") from None
                    time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def chromium(args: list[str], profile_dir: str, timeout: int = 60) -> str:
    """Run headless Chromium with the flags this machine needs; return its stdout."""
    exe = "chromium"
    cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-500:]}")
    return proc.stdout
