"""The parse stage through the real loader, checked against the Compose binary where it has
an opinion: aliases and merges copied (never shared), alias bombs and cycles refused,
encodings, and plain scalars read as Compose reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_oracle import clean_environ, compose_config, differences

from dockdjango.compose import load_project
from dockdjango.compose.dollars import escape_dollars
from dockdjango.compose.loader.parse import MAX_DEPTH, MAX_VALUES
from dockdjango.errors import SpecError

ALIASES = """\
x-hc: &hc
  test: '[ $$(cli --pass "$${PASSWORD}" ping) = PONG ]'
  interval: 10s
x-base: &base
  image: redis
  command: redis-server --requirepass $$REDIS_PASSWORD
  environment: &env
    PASSWORD: $${SECRET}
    PLAIN: $$HOME and $${X:-y}
x-extra: &extra
  image: other
  user: $${UID}
services:
  a:
    image: redis
    healthcheck: *hc
  b:
    image: redis
    healthcheck: *hc
  c:
    <<: *base
  d:
    <<: *base
    labels: *env
  e:
    <<: [*base, *extra]
    environment:
      <<: *env
      PLAIN: own
"""


def write(tmp_path: Path, text: str | bytes, name: str = "compose.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def same_as_compose(binary: str, path: Path, env: dict[str, str] | None = None) -> dict:
    """Our `config --format json` document equals Compose's; returns ours."""
    env = {**clean_environ(), **(env or {})}
    theirs = compose_config(binary, [str(path)], cwd=path.parent, env=env, project_name="p")
    assert theirs.accepted, theirs.error
    ours = escape_dollars(load_project([path], environ=env, project_name="p").to_compose_dict())
    ours.pop("models", None)
    diff = differences(ours, theirs.output)
    assert not diff, "\n".join(diff)
    return ours


def test_aliases_and_merges_are_copied_not_shared(tmp_path: Path) -> None:
    """The issue's example: each alias and `<<` merge gets its own copy, so `$$` is
    un-escaped once per use and never interpolated a second time."""
    project = load_project([write(tmp_path, ALIASES)], environ={"SECRET": "s", "X": "x"})
    test = ["CMD-SHELL", '[ $(cli --pass "${PASSWORD}" ping) = PONG ]']
    for name in ("a", "b"):
        assert project.services[name].healthcheck.test == test  # type: ignore[union-attr]
    for name in ("c", "d", "e"):
        svc = project.services[name]
        assert svc.command == ["redis-server", "--requirepass", "$REDIS_PASSWORD"]
    assert project.services["c"].environment == {
        "PASSWORD": "${SECRET}",
        "PLAIN": "$HOME and ${X:-y}",
    }
    assert project.services["d"].labels == project.services["c"].environment
    assert project.services["e"].environment == {"PASSWORD": "${SECRET}", "PLAIN": "own"}
    # in a list of merges the first one wins, as in YAML (and Compose)
    assert (project.services["e"].image, project.services["e"].user) == ("redis", "${UID}")
    assert not project.warnings, project.warnings  # nothing was interpolated twice
    assert project.extensions["x-hc"]["test"] == '[ $(cli --pass "${PASSWORD}" ping) = PONG ]'


def test_aliases_print_as_compose_prints_them(tmp_path: Path, compose_bin: str) -> None:
    path = write(tmp_path, ALIASES)
    ours = same_as_compose(compose_bin, path, {"SECRET": "s", "X": "x"})
    assert ours["services"]["a"]["healthcheck"]["test"][1] == (
        '[ $$(cli --pass "$${PASSWORD}" ping) = PONG ]'
    )


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ["services:\n  web:\n    image: nginx\n", 'x-0: &l0 ["lol","lol","lol","lol","lol"]\n']
    for i in range(1, 9):  # 5**9 ≈ 2 million strings once expanded
        refs = ",".join([f"*l{i - 1}"] * 5)
        lines.append(f"x-{i}: &l{i} [{refs}]\n")
    with pytest.raises(SpecError) as info:
        load_project([write(tmp_path, "".join(lines))], environ={})
    assert f"more than {MAX_VALUES:,} values" in str(info.value)
    assert info.value.line is not None and info.value.hint and "alias" in info.value.hint


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("services: {}\nx: &a\n  b: *a\n", "a cycle"),
        ("services: {}\nx: &a\n  <<: *a\n", "a cycle"),
        ("services: {}\nx-deep: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", "deep"),
        ("services:\n  web:\n    image: a\n    image: b\n", "'image' already defined"),
    ],
)
def test_graphs_compose_cannot_mean(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        load_project([write(tmp_path, text)], environ={})
    assert words in str(info.value) and info.value.line is not None


def test_merged_keys_may_be_overridden(tmp_path: Path) -> None:
    text = "x-b: &b {image: a, user: u}\nservices:\n  web:\n    <<: *b\n    image: b\n"
    web = load_project([write(tmp_path, text)], environ={}).services["web"]
    assert (web.image, web.user) == ("b", "u")


DOC = "services:\n  web:\n    image: nginx\n    environment:\n      A: café\n"


@pytest.mark.parametrize(
    "encoded",
    [
        DOC.encode("utf-8"),
        b"\xef\xbb\xbf" + DOC.encode("utf-8"),
        DOC.encode("utf-16"),  # with the platform's byte-order mark
        b"\xfe\xff" + DOC.encode("utf-16-be"),
        b"\xff\xfe" + DOC.encode("utf-16-le"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be", "utf-16-le"],
)
def test_encodings_compose_reads(tmp_path: Path, encoded: bytes, compose_bin: str) -> None:
    ours = same_as_compose(compose_bin, write(tmp_path, encoded))
    assert ours["services"]["web"]["environment"] == {"A": "café"}


@pytest.mark.parametrize(
    ("encoded", "line"),
    [
        (b"services:\n  web:\n    image: ng\xffinx\n", 3),
        (DOC.encode("latin-1"), 5),
        (DOC.encode("utf-16-le"), 1),  # no byte-order mark: not text Compose reads
        (b"services:\n  web:\n    image: \x00nginx\n", 3),
    ],
)
def test_undecodable_files_name_the_line(
    tmp_path: Path, encoded: bytes, line: int, compose_bin: str
) -> None:
    path = write(tmp_path, encoded)
    with pytest.raises(SpecError) as info:
        load_project([path], environ={})
    assert info.value.line == line and info.value.hint
    assert "\n" not in str(info.value)
    assert not compose_config(compose_bin, [str(path)], cwd=tmp_path, env=clean_environ()).accepted


# Plain scalars where Compose turns them into text: its YAML rules and Go's number printing.
SCALARS = (
    "017 0o17 0x1F 1_000 1e3 1:20 .inf -.5 0b101 1. .5 1e400 12e03 0. yes on no True "
    "99999999999999999999 -0 0x 1__0 09 1E3 +0x10 -0b1 1_0.5 .e3 1.e3 123456.0 1234567.0 "
    "1e-7 0.00001 3.0e10 1.5e300 12.50 -2.5e-5 123456789012 = 0b 0o8 1-2 8000:8000 . -x +"
).split()


def test_plain_scalars_become_the_text_compose_makes(tmp_path: Path, compose_bin: str) -> None:
    env = "".join(f"      V{i}: {text}\n" for i, text in enumerate(SCALARS))
    path = write(tmp_path, f"services:\n  web:\n    image: nginx\n    environment:\n{env}")
    ours = same_as_compose(compose_bin, path)
    assert ours["services"]["web"]["environment"]["V0"] == "15"


def test_dates_are_kept_in_extensions_and_refused_elsewhere(
    tmp_path: Path, compose_bin: str
) -> None:
    path = write(
        tmp_path,
        "services:\n  web:\n    image: nginx\n"
        "x-when: [2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-1-2 3:4:5, 2001-02-30]\n",
    )
    ours = same_as_compose(compose_bin, path)
    assert ours["x-when"][0] == "2001-12-14T00:00:00Z" and ours["x-when"][3] == "2001-02-30"
    bad = write(tmp_path, "services:\n  web:\n    image: 2001-12-14\n", "bad.yaml")
    with pytest.raises(SpecError) as info:
        load_project([bad], environ={})
    assert info.value.path == "services.web.image" and info.value.hint == 'quote it: "2001-12-14"'
    assert not compose_config(compose_bin, [str(bad)], cwd=tmp_path, env=clean_environ()).accepted
