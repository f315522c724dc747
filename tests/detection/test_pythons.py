"""The Python policy: hard constraints never broken silently, soft hints honoured or said."""

from __future__ import annotations

import pytest

from dockdjango.detection.pythons import DEBIAN_PYTHONS, PythonRequest, choose_python
from dockdjango.errors import DockdjangoError


def test_no_request_gives_the_default() -> None:
    choice = choose_python(PythonRequest())
    assert (choice.version, choice.provider, choice.notes) == ("3.11", "bookworm", ())
    assert choice.image_hint == "dockdjango/python:3.11-bookworm"


def test_soft_hint_on_offer_is_honoured_silently() -> None:
    choice = choose_python(PythonRequest(soft="3.13", soft_source=".python-version"))
    assert (choice.version, choice.provider, choice.notes) == ("3.13", "trixie", ())


def test_soft_hint_not_on_offer_gives_the_nearest_newer_and_says_so() -> None:
    choice = choose_python(PythonRequest(soft="3.12", soft_source="runtime.txt"))
    assert choice.version == "3.13"
    assert "Python 3.12 asked (runtime.txt) is not available here" in choice.notes[0]
    assert "3.11 (Debian bookworm), 3.13 (Debian trixie), 3.14 (Debian sid)" in choice.notes[0]
    # older than anything on offer: the oldest, said too
    assert choose_python(PythonRequest(soft="3.9", soft_source="x")).version == "3.11"


def test_hard_constraint_filters_and_nothing_fitting_is_an_error() -> None:
    choice = choose_python(PythonRequest(hard=">=3.13", hard_source="pyproject.toml"))
    assert choice.version == "3.13"
    with pytest.raises(DockdjangoError) as info:
        choose_python(PythonRequest(hard="==3.12.*", hard_source="pyproject.toml requires-python"))
    assert "requires-python ==3.12.*" in str(info.value)
    assert "available: 3.11 (Debian bookworm), 3.13" in str(info.value)
    assert "--python" in str(info.value.hint)


def test_a_registry_offers_the_exact_version() -> None:
    offers = {**DEBIAN_PYTHONS, "3.12": "official"}
    choice = choose_python(PythonRequest(hard="==3.12.*", soft="3.12", soft_source="x"), offers)
    assert (choice.version, choice.image_hint) == ("3.12", "python:3.12-slim")


def test_override_wins_and_says_what_it_overrides() -> None:
    request = PythonRequest(
        hard="==3.12.*",
        hard_source="pyproject.toml requires-python",
        override="3.13",
        override_source="--python",
    )
    choice = choose_python(request)
    assert choice.version == "3.13"
    assert any("overrides requires-python ==3.12.*" in n for n in choice.notes)
    with pytest.raises(DockdjangoError, match="Python 3.10 .*not available here"):
        choose_python(PythonRequest(override="3.10", override_source="--python"))


def test_django_bounds() -> None:
    # Django 6.0 needs Python >= 3.12: the default 3.11 cannot install it
    assert choose_python(PythonRequest(django="6.0.8", django_source="x")).version == "3.13"
    # Django 3.2 supports up to 3.10: 3.11 is given, and said to be outside that range
    choice = choose_python(PythonRequest(django="3.2.25", django_source="requirements.txt"))
    assert choice.version == "3.11" and "officially supports Python 3.6-3.10" in choice.notes[0]
    # Django 1.11 cannot start on Python >= 3.10: a refusal that says why
    with pytest.raises(DockdjangoError) as info:
        choose_python(PythonRequest(django="1.11.29", django_source="requirements.txt"))
    assert str(info.value).startswith("this project is too old to run here: Django 1.11.29")
    assert "cannot start on Python 3.10 or newer" in str(info.value)


def test_a_pinned_patch_release_of_a_minor_on_offer_is_refused_with_the_fix() -> None:
    """``==3.11.4`` where only Debian's 3.11 exists: one line naming the pin, and the fix
    (relax it to the minor, or a registry's exact image), never a --python that uv would
    refuse against the same pin."""
    with pytest.raises(DockdjangoError) as info:
        choose_python(PythonRequest(hard="==3.11.4", hard_source="backend/pyproject.toml x"))
    assert "pins the patch release 3.11.4; the 3.11 here is Debian bookworm's" in str(info.value)
    assert info.value.hint is not None
    assert "==3.11.* in backend/pyproject.toml" in info.value.hint
    assert "python:3.11.4-slim" in info.value.hint
    assert "\n" not in str(info.value)
    # a patch pin of a minor nothing here has keeps the general refusal
    with pytest.raises(DockdjangoError, match="no Python available here satisfies it"):
        choose_python(PythonRequest(hard="==3.12.4", hard_source="pyproject.toml"))
