"""MkDocs hook: fill ``<!-- cli-reference -->`` with the reference generated from argparse."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the marker on the page that has it; leave every other page alone."""
    if MARKER not in markdown:
        return markdown
    from dockdjango.cli.reference import render_markdown

    return markdown.replace(MARKER, render_markdown())
