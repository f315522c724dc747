"""The real CLI in a subprocess, as a user runs it: plain output (no terminal), as in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dockdjango ARGS`` in ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={**os.environ, "CI": "1"},
    )
