"""The Library's pages render in a real browser (headless Chromium) with the sample books."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from library_dev_server import chromium, library_server  # noqa: E402

FIXTURE = ROOT / "examples" / "library" / "books" / "fixtures" / "sample_books.json"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    if shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: scripts/ensure-chromium.sh should install it")
        pytest.skip("chromium is not installed (scripts/ensure-chromium.sh installs it)")
    with library_server() as url:
        yield url


def _titles() -> list[str]:
    return [row["fields"]["title"] for row in json.loads(FIXTURE.read_text())]


def test_list_page_renders_every_sample_title(server, tmp_path):
    dom = chromium(["--dump-dom", server + "/"], str(tmp_path))
    assert "<h1" in dom and "All books" in dom
    titles = _titles()
    assert len(titles) >= 3
    for title in titles:
        assert title.replace("&", "&amp;") in dom, title


def test_browsable_api_renders_in_the_browser(server, tmp_path):
    dom = chromium(["--dump-dom", server + "/api/"], str(tmp_path))
    assert "Django REST framework" in dom
    for title in _titles():
        assert title in dom, title


def test_screenshot_is_a_png(server, tmp_path):
    shot = tmp_path / "shot.png"
    chromium([f"--screenshot={shot}", "--window-size=800,600", server + "/"], str(tmp_path))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5_000  # a blank page compresses to far less
