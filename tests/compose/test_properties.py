"""Property-based, in-process: what the loader builds from any document (see
`fuzz_documents`) is safe to change and prints back to itself.

- Whatever loads can be printed and reloaded to the same services and images, and to
  exactly the same document from the first reload on.
- No value is shared: after the parse stage and after the per-file stages, no mapping or
  list is reachable from two places (aliases and merges were copied), so no stage can
  change one service by changing another, nor un-escape or interpolate a value twice.

`test_fuzz.py` drives the same documents through the CLI and the Compose binary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fuzz_documents import ENV, aliased, any_document, fuzz_settings, to_yaml
from hypothesis import given

from dockdjango.compose import Project, load_project
from dockdjango.compose.loader.parse import parse_file
from dockdjango.compose.loader.pipeline import LoadContext
from dockdjango.errors import SpecError

QUICK = fuzz_settings(150)  # DOCKDJANGO_FUZZ_EXAMPLES=10000 for the long run


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prop")


def _reload(directory: Path, project: Project) -> Project:
    path = directory / "again.yaml"
    path.write_text(project.to_yaml(), encoding="utf-8")
    return load_project([path], environ=ENV, project_name="prop")


def check_round_trip(directory: Path, data: bytes) -> None:
    """A Project that prints and reloads to itself, or a SpecError."""
    path = directory / "compose.yaml"
    path.write_bytes(data)
    try:
        project = load_project([path], environ=ENV, project_name="prop")
    except SpecError as exc:
        assert str(exc).strip(), "a SpecError must carry a message"
        return
    data_out = project.to_compose_dict()
    again = _reload(directory, project)
    assert {k: s.image for k, s in again.services.items()} == {
        k: s.image for k, s in project.services.items()
    }
    if again.to_compose_dict() != data_out:
        # A few values print as Compose prints them and then reload with a default (a
        # `dockerfile` that interpolated to ""): from the first reload on, nothing changes.
        assert _reload(directory, again).to_compose_dict() == again.to_compose_dict()


def shared_containers(node: Any, seen: dict[int, str] | None = None, path: str = "") -> list[str]:
    """Paths at which a mapping or list already reached elsewhere is found again."""
    seen = {} if seen is None else seen
    if not isinstance(node, dict | list):
        return []
    if id(node) in seen:
        return [f"{path} (also at {seen[id(node)]})"]
    seen[id(node)] = path or "<root>"
    items = node.items() if isinstance(node, dict) else enumerate(node)
    found = []
    for key, value in items:
        found += shared_containers(value, seen, f"{path}.{key}" if path else str(key))
    return found


def check_unshared(directory: Path, text: str) -> None:
    path = directory / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        tree = parse_file(str(path))
        assert not shared_containers(tree), shared_containers(tree)
        ctx = LoadContext(env=dict(ENV), project_dir=str(directory))
        staged = ctx.file_stages(tree, str(directory), ctx.env)
    except SpecError:
        return
    assert not shared_containers(staged), shared_containers(staged)


@QUICK
@given(data=any_document())
def test_documents_print_and_reload_to_themselves(workdir: Path, data: bytes) -> None:
    check_round_trip(workdir, data)


@QUICK
@given(text=aliased().map(to_yaml))
def test_aliases_and_merges_leave_nothing_shared(workdir: Path, text: str) -> None:
    check_unshared(workdir, text)
