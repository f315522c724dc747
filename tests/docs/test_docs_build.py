"""The docs site builds with MkDocs in strict mode (every warning is an error), and its
generated references cover every CLI command and the public API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dockdjango.cli import build_parser
from dockdjango.cli.reference import command_help, render_markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_cli_reference_lists_every_command(site: Path) -> None:
    html = (site / "reference" / "cli" / "index.html").read_text()
    commands = command_help(build_parser())
    assert {"base", "version", "compare"} <= set(commands)
    for name in commands:
        assert f'id="{name}"' in html, f"no section for `dockdjango {name}`"
        assert f"usage: dockdjango {name}" in html


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    html = (site / "reference" / "api" / "index.html").read_text()
    for name in ("compare_project", "ensure_base_image", "DockdjangoError", "connect"):
        assert name in html, name
    # A docstring's text, not only the name: the page really comes from the source.
    from dockdjango.errors import DockdjangoError

    assert (DockdjangoError.__doc__ or "").strip() in html


def test_every_page_in_docs_is_reachable(site: Path) -> None:
    pages = {
        p.relative_to(ROOT / "docs").with_suffix("").as_posix()
        for p in (ROOT / "docs").rglob("*.md")
    }
    for page in pages:
        built = site / page / "index.html" if page != "index" else site / "index.html"
        assert built.is_file(), f"docs/{page}.md was not built"


def test_generated_reference_matches_the_parser() -> None:
    text = render_markdown()
    parser = build_parser()
    for name in command_help(parser):
        assert f"\n## {name}\n" in text
    assert "exit codes: 0 ok" in text
