"""The comparison's pure parts: parsing test output, reading requirements, the table, the image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockdjango.cli.output import epilog, plain_table
from dockdjango.images.comparison import (
    Comparison,
    Side,
    libraries_match,
    parse_test_output,
    requirement_pins,
    suite_command,
    table_rows,
)

DJANGO_OK = """Creating test database for alias 'default'...
System check identified no issues (0 silenced).
..........s.
----------------------------------------------------------------------
Ran 12 tests in 0.412s

OK (skipped=1)
Destroying test database for alias 'default'...
"""

UNITTEST_FAILED = """test_a (t.T.test_a) ... ok
test_b (t.T.test_b) ... FAIL
----------------------------------------------------------------------
Ran 3 tests in 0.001s

FAILED (failures=1, errors=1)
"""


def test_parse_ok_with_skips() -> None:
    outcome = parse_test_output(DJANGO_OK, 0)
    assert (outcome.ran, outcome.passed, outcome.skipped, outcome.failed) == (12, 11, 1, 0)
    assert outcome.describe() == "11 passed, 1 skipped"


def test_parse_failures_and_errors() -> None:
    outcome = parse_test_output(UNITTEST_FAILED, 1)
    assert (outcome.ran, outcome.failed, outcome.errors, outcome.passed) == (3, 1, 1, 1)
    assert outcome.describe() == "1 passed, 1 failed, 1 errors"


def test_parse_without_a_summary_says_so() -> None:
    outcome = parse_test_output("ModuleNotFoundError: No module named 'django'\n", 1)
    assert outcome.ran is None and outcome.passed is None
    assert outcome.describe() == "exit 1 (no summary)"


def test_requirement_pins() -> None:
    text = "# comment\nDjango>=5.2,<5.3\nsix==1.16.0  # pinned\n-r other.txt\n\nidna==3.*\n"
    assert requirement_pins(text) == (3, 1, False)
    hashed = "six==1.16.0 \\\n    --hash=sha256:abc\n"
    assert requirement_pins(hashed) == (1, 1, True)


def test_test_command_prefers_manage_py(tmp_path: Path) -> None:
    assert suite_command(tmp_path)[:3] == ["python", "-m", "unittest"]
    (tmp_path / "manage.py").write_text("")
    assert suite_command(tmp_path) == ["python", "manage.py", "test", "--noinput"]


def _comparison() -> Comparison:
    probe_host = {"python": "3.11.7", "os": "Debian 12", "glibc": "2.36", "openssl": "3.0.19"}
    probe_image = {"python": "3.11.2", "os": "Debian 12", "glibc": "2.36", "openssl": "3.0.20"}
    return Comparison(
        project="/p",
        requirements="six==1.16.0\n",
        venv=Side("virtualenv", 2.5, 1.25, 26_500_000, probe_host, 1, "no (SQLite)", "pinned"),
        docker=Side("docker", 6.0, 0.4, 177_000_000, probe_image, 1, "yes", "image abc"),
        base_bytes=155_000_000,
    )


def test_table_rows_carry_the_measurements() -> None:
    rows = {label: (v, d) for label, v, d in table_rows(_comparison())}
    assert rows["set-up, cold"] == ("2.5 s", "6.0 s")
    assert rows["set-up, warm"] == ("1.2 s", "0.4 s")
    assert rows["disk"][0] == "26.5 MB (venv)"
    assert "22.0 MB above base" in rows["disk"][1]
    assert rows["Python"] == ("host 3.11.7", "3.11.2 (image)")
    assert rows["system libraries"][0].endswith(": differ from the image")
    assert rows["test suite"] == ("not run", "not run")


def test_libraries_match_and_json() -> None:
    c = _comparison()
    assert not libraries_match(c.venv.probe, c.docker.probe)
    assert libraries_match(c.docker.probe, c.docker.probe)
    data = json.loads(c.to_json())
    assert data["venv"]["system_libraries_match_image"] is False
    assert data["docker"]["system_libraries_match_image"] is True
    assert data["venv"]["setup_cold_s"] == 2.5


def test_plain_table_aligns_columns() -> None:
    text = plain_table(["", "a", "b"], [["row one", "1", "22"], ["r", "333", "4"]])
    lines = text.splitlines()
    assert len({line.index("a") for line in lines[:1]} | {lines[1].index("1")}) == 1
    assert lines[2].startswith("r        333")


def test_epilog_has_examples_and_exit_codes() -> None:
    text = epilog("dockdjango compare", "dockdjango compare --json")
    assert text.startswith("examples:\n  dockdjango compare\n")
    assert "exit codes: 0 ok" in text


def test_lock_files_are_found(tmp_path: Path) -> None:
    from dockdjango.images.comparison import lock_files

    assert lock_files(tmp_path) == []
    (tmp_path / "uv.lock").write_text("")
    (tmp_path / "requirements.txt").write_text("")
    assert lock_files(tmp_path) == ["uv.lock"]


def test_libraries_text_names_psycopgs_own_libpq() -> None:
    from dockdjango.images.comparison import libraries_text

    probe = {"glibc": "2.36", "openssl": "3.0.20", "libpq": None, "psycopg_libpq": "18.6"}
    assert libraries_text(probe) == "glibc 2.36, OpenSSL 3.0.20, libpq —, psycopg's libpq 18.6"
    probe["psycopg_libpq"] = None
    assert libraries_text(probe) == "glibc 2.36, OpenSSL 3.0.20, libpq —"


def test_the_chart_is_drawn_from_the_measurements(tmp_path: Path) -> None:
    from dockdjango.api.compare.compare_chart import plot

    png = plot(_comparison(), tmp_path / "a.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    # The same figures give the same picture, other figures another one.
    assert plot(_comparison(), tmp_path / "b.png").read_bytes() == png
    other = _comparison()
    other.docker.disk_bytes *= 3
    assert plot(other, tmp_path / "c.png").read_bytes() != png
    assert b"<svg" in plot(_comparison(), tmp_path / "d.svg").read_bytes()


def test_the_chart_must_be_png_or_svg(tmp_path: Path) -> None:
    from dockdjango.api.compare.compare_chart import plot
    from dockdjango.errors import DockdjangoError

    with pytest.raises(DockdjangoError, match="must be a .png or .svg"):
        plot(_comparison(), tmp_path / "chart.pdf")
