"""Take the docs' screenshots of the Library example with headless Chromium.

.venv/bin/python scripts/screenshots.py     # writes docs/img/library-*.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from library_dev_server import chromium, library_server  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
PAGES = {"library-list.png": "/", "library-browsable-api.png": "/api/"}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with library_server() as url, tempfile.TemporaryDirectory() as profile:
        for name, path in PAGES.items():
            chromium([f"--screenshot={OUT / name}", "--window-size=1200,900", url + path], profile)
            print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
