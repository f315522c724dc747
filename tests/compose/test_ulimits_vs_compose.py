"""ulimits as Compose has them: its JSON leaves zero limits out (a single 0 is `{}`), its
YAML prints a limit pair whole, zeros included, so `config`'s output loads again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from compose_oracle import assert_read_as_compose, clean_environ

from dockdjango.compose import load_project

LIMITS = ["0", "5", '"7"', "{soft: 0, hard: 0}", "{soft: 3, hard: 0}", "{soft: 0, hard: 9}"]


def _doc(limit: str) -> str:
    return f"services:\n  web:\n    image: x\n    ulimits:\n      nofile: {limit}\n"


def test_ulimits_read_as_compose_reads_them(tmp_path: Path, compose_bin: str) -> None:
    assert_read_as_compose(compose_bin, tmp_path, [(lim, _doc(lim), True) for lim in LIMITS])


def test_printed_ulimits_match_composes_yaml_and_load_again(
    tmp_path: Path, compose_bin: str
) -> None:
    for i, limit in enumerate(LIMITS):
        first = tmp_path / str(i) / "compose.yaml"
        first.parent.mkdir()
        first.write_text(_doc(limit))
        printed = load_project([first], environ={}, project_name="ul").to_yaml()
        theirs = subprocess.run(
            [compose_bin, "-p", "ul", "-f", str(first), "config"],
            capture_output=True, text=True, env=clean_environ(), timeout=60, check=True,
        ).stdout  # fmt: skip
        ours_ul = yaml.safe_load(printed)["services"]["web"]["ulimits"]
        assert ours_ul == yaml.safe_load(theirs)["services"]["web"]["ulimits"], limit
        again = tmp_path / str(i) / "again" / "compose.yaml"
        again.parent.mkdir()
        again.write_text(printed)
        reloaded = load_project([again], environ={}, project_name="ul").to_yaml()
        assert yaml.safe_load(reloaded)["services"]["web"]["ulimits"] == ours_ul, limit
