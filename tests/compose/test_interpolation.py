"""Interpolation: every form Compose supports, checked against hand-worked expectations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockdjango.compose.loader.interpolation import TemplateError, substitute

ENV = {"SET": "value", "EMPTY": "", "OTHER": "o"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$SET", "value"),
        ("${SET}", "value"),
        ("a-$SET-b", "a-value-b"),
        ("${UNSET}", ""),
        ("${UNSET:-def}", "def"),
        ("${EMPTY:-def}", "def"),
        ("${EMPTY-def}", ""),
        ("${UNSET-def}", "def"),
        ("${SET:-def}", "value"),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("${UNSET:-${OTHER}}", "o"),
        ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
        ("$$SET", "$SET"),
        ("$${SET}", "${SET}"),
        ("cost: 5$", "cost: 5$"),
        ("$1 and $ ", "$1 and $ "),
        ("no dollars", "no dollars"),
        ("${SET:?must}", "value"),
    ],
)
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, ENV) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("${UNSET:?please set it}", "please set it"),
        ("${EMPTY:?not empty}", "not empty"),
        ("${UNSET?}", "UNSET"),
        ("${", "invalid template"),
        ("${SET", "missing"),
        ("${SET:*x}", "invalid template"),
        ("${1}", "invalid template"),
    ],
)
def test_errors(text: str, words: str) -> None:
    with pytest.raises(TemplateError) as info:
        substitute(text, ENV)
    assert words in str(info.value)


def test_required_with_empty_but_set_value_passes_without_colon() -> None:
    assert substitute("${EMPTY?x}", ENV) == ""


_TEMPLATE_TEXT = st.text(alphabet=st.sampled_from(list("${}:-?+_ABab01 $$")), max_size=30)


@settings(max_examples=500, deadline=None)
@given(text=_TEMPLATE_TEXT)
def test_any_text_substitutes_or_raises_template_error(text: str) -> None:
    try:
        out = substitute(text, ENV)
    except TemplateError as exc:
        assert str(exc)
        return
    assert isinstance(out, str)
    if "$" not in text:
        assert out == text


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_characters="$"), max_size=30))
def test_escaped_text_comes_back_unchanged(text: str) -> None:
    assert substitute(text.replace("$", "$$"), ENV) == text
    assert substitute("$$" + text, ENV) == "$" + text
