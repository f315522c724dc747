"""Secret-like values stay out of what dockdjango prints and labels."""

from __future__ import annotations

from dockdjango.images.explain import _changed_args
from dockdjango.images.redact import shown_value, without_credentials


def test_a_url_keeps_its_user_but_not_its_password() -> None:
    assert without_credentials("https://me:t0ken@pypi.example/simple") == (
        "https://me:***@pypi.example/simple"
    )
    assert without_credentials("http://deb.debian.org/debian") == "http://deb.debian.org/debian"
    assert without_credentials("https://me@host/x") == "https://me@host/x"


def test_a_changed_secret_build_arg_is_named_without_its_values() -> None:
    text = _changed_args(
        {"FLAVOR": "plain", "PIP_TOKEN": "abc123", "INDEX": "https://u:pw1@idx/simple"},
        {"FLAVOR": "fancy", "PIP_TOKEN": "def456", "INDEX": "https://u:pw2@idx/simple"},
    )
    assert text == (
        "FLAVOR 'plain' -> 'fancy', INDEX 'https://u:***@idx/simple' -> "
        "'https://u:***@idx/simple', PIP_TOKEN (value hidden) -> (value hidden)"
    )
    assert shown_value("POSTGRES_PASSWORD", "s3cret") == "(value hidden)"
