"""What both sides of ``compare`` use: running a command with a clean environment, reading
the probe's JSON, counting packages and bytes."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dockdjango.errors import DockdjangoError

Log = Callable[[str], None]

#: Variables a developer's shell may carry that would change what the project does.
_SCRUB = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}


def _quiet(_: str) -> None:
    pass


def _count_freeze(output: str) -> int:
    return sum(1 for line in output.splitlines() if "==" in line or " @ " in line)


def _last_json(output: str) -> dict[str, Any]:
    for line in reversed(output.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise DockdjangoError(f"the environment probe printed no JSON: {output.strip()[-200:]}")


def _run(
    argv: Sequence[str], *, env: dict[str, str], what: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(argv), env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DockdjangoError(
            f"{what} failed (exit {proc.returncode}): {tail[0]}",
            hint="run the same command by hand to see its full output",
        )
    return proc


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("PYTEST_")}
    env.update(extra)
    return env


def dir_size(path: Path) -> int:
    """Bytes on disk under ``path`` (allocated blocks, as ``du`` counts), links not followed."""
    total = 0
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            st = os.lstat(os.path.join(root, name))
            total += st.st_blocks * 512
    return total
