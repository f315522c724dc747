"""The shared output helpers: JSON, tables with and without a terminal, TTY detection."""

from __future__ import annotations

import io
import json

import pytest

from dockdjango.cli.output import is_tty, print_json, print_table


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_print_json_is_indented_and_sorted_from_a_string_or_data() -> None:
    a, b = io.StringIO(), io.StringIO()
    print_json({"b": 1, "a": [1, 2]}, a)
    print_json('{"b": 1, "a": [1, 2]}', b)
    assert a.getvalue() == b.getvalue()
    assert a.getvalue().startswith('{\n  "a": [')
    assert json.loads(a.getvalue()) == {"a": [1, 2], "b": 1}


def test_tables_are_plain_when_not_a_terminal() -> None:
    out = io.StringIO()
    print_table(["name", "state"], [["web-1", "running"]], title="stack", stream=out)
    assert out.getvalue() == "stack\nname   state\nweb-1  running\n"


def test_tables_use_rich_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = FakeTerminal()
    print_table(["name", "state"], [["web-1", "running"]], stream=out)
    text = out.getvalue()
    assert "web-1" in text and "running" in text
    assert "┃" in text or "│" in text  # box drawing: rich drew it


@pytest.mark.parametrize("variable", ["CI", "NO_COLOR"])
def test_ci_and_no_color_mean_plain(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert is_tty(FakeTerminal())
    monkeypatch.setenv(variable, "1")
    assert not is_tty(FakeTerminal())
    assert not is_tty(io.StringIO())
