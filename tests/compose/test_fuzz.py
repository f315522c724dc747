"""Property-based: generated and mutated compose documents through the real CLI.

For every document (valid or not; aliases, merges, escapes, odd scalars, encodings) and
every target in `fuzz_targets.TARGETS`:

- no traceback, exit code 0 or 1;
- an error is one line naming ``compose.yaml:LINE:`` and the field, then a ``hint:`` line;
- a document dockdjango accepts is accepted by the Compose binary too, and ``config``
  prints the same document as ``docker compose config`` (as data: JSON, or YAML where
  JSON cannot hold a value). Documents only dockdjango rejects are allowed: it refuses a
  few values Compose would silently mangle (docs/spec.md lists them).

Runs are deterministic (a fixed seed; see `fuzz_documents.fuzz_settings`): the default run
draws 300 documents, ``DOCKDJANGO_FUZZ_EXAMPLES=10000`` draws 10,000. Compose's verdicts
are cached by document, so a second run asks Compose nothing. Skipped, as the conformance
tests are, where the Compose binary is absent (a failure when ``CI`` is set).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from compose_oracle import VerdictCache, differences, yaml_names
from conftest import FUZZ_TALLY
from fuzz_documents import ENV, any_document, fuzz_settings
from fuzz_targets import PROJECT, TARGETS, check_outcome, printed_document
from hypothesis import given


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "s.txt").write_text("secret\n")
    return directory


@pytest.fixture(scope="module")
def environment() -> dict[str, str]:
    """Only what the documents use (the same on every machine, so verdicts can be kept)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **ENV, "HOME": "/home/fuzz"}


def go_json(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as Go's JSON printer shows it: an empty list inside a top-level
    extension is null there (a nil slice; Compose's YAML prints ``[]``, as dockdjango
    does)."""

    def nil(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: nil(v) for k, v in node.items()}
        if isinstance(node, list):
            return [nil(v) for v in node] or None
        return node

    return {k: nil(v) if k.startswith("x-") else v for k, v in document.items()}


def check_document(
    data: bytes, target_name: str, directory: Path, env: dict[str, str], verdicts: VerdictCache
) -> str:
    """The property, for one document and one target; returns what happened ("refused"
    with a good error, "accepted" without comparing, or "same as compose")."""
    path = directory / "compose.yaml"
    path.write_bytes(data)
    target = TARGETS[target_name]
    outcome = target.run(path, env)
    problems = check_outcome(outcome, target)
    assert not problems, "\n".join(problems)
    if not target.compare_with_compose:  # it prints no document (a plan, say)
        return "accepted" if outcome.code == 0 else "refused"
    ours = printed_document(target, outcome, path, env)
    if ours is None or not target.compare_with_compose:
        return "refused" if ours is None else "accepted"
    theirs = verdicts.config(path, env, PROJECT)
    if theirs.error.startswith("Go panic"):
        return "compose crashed"  # a Go panic is no verdict on the document
    assert theirs.accepted, f"accepted here, rejected by Compose: {theirs.error}"
    ours.pop("models", None)  # Compose's JSON leaves top-level models out
    diff = differences(go_json(ours), yaml_names(theirs.output))
    assert not diff, "differs from `docker compose config`:\n" + "\n".join(diff[:20])
    return "same as compose"


@pytest.mark.parametrize(
    "target_name",
    # a target that asks the engine (up --dry-run) runs with the engine tests, not the pure
    [
        pytest.param(n, marks=pytest.mark.engine) if TARGETS[n].asks_engine else n
        for n in sorted(TARGETS)
    ],
)
@fuzz_settings(300)
@given(data=any_document())
def test_documents(
    workdir: Path,
    environment: dict[str, str],
    compose_verdicts: VerdictCache,
    target_name: str,
    data: bytes,
) -> None:
    outcome = check_document(data, target_name, workdir, environment, compose_verdicts)
    FUZZ_TALLY[f"{target_name}: {outcome}"] += 1
