"""`make up` / `make down`: the Library example stack, through dockdjango's own CLI.

Until every part exists, it brings up what exists and says plainly what is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "examples" / "library" / "compose.yaml"


def main(argv: list[str]) -> int:
    from dockdjango.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = []
    if "up" not in commands:
        missing.append("the stack runner (`dockdjango up`)")
    if not COMPOSE.exists():
        missing.append(f"the example stack ({COMPOSE.relative_to(ROOT)})")
    if missing:
        print("✓ Docker engine and base image are ready")
        print("not yet available: " + "; ".join(missing))
        return 0
    args = ["down"] if "--down" in argv else ["up", "--wait"]
    cmd = [sys.executable, "-m", "dockdjango", *args, "-f", str(COMPOSE)]
    return subprocess.call(cmd, cwd=COMPOSE.parent)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
