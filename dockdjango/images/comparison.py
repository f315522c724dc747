"""Pure parts of ``dockdjango compare``: the probe, parsing test output, the table model.

Nothing here runs anything. :mod:`dockdjango.api.compare.side_by_side` measures a project
both ways (a virtualenv on the host; the image ``dockdjango build`` makes, and a container)
and fills the dataclasses below; the CLI prints :func:`table_rows`, and ``--json`` prints
:meth:`Comparison.to_json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Printed as one JSON line by the environment's own interpreter, in the venv and in the
#: container alike, so both sides are measured by the same code.
PROBE = r"""
import ctypes, ctypes.util, json, platform, ssl, sys
def libpq():
    name = ctypes.util.find_library("pq")
    if not name:
        return None
    try:
        v = int(ctypes.CDLL(name).PQlibVersion())
    except Exception:
        return None
    return f"{v // 10000}.{v % 10000}" if v >= 100000 else f"{v // 10000}.{v // 100 % 100}"
def psycopg_libpq():
    try:
        import psycopg
        v = int(psycopg.pq.version())
    except Exception:
        return None
    return f"{v // 10000}.{v % 10000}" if v >= 100000 else f"{v // 10000}.{v // 100 % 100}"
try:
    os_name = platform.freedesktop_os_release().get("PRETTY_NAME", "")
except OSError:
    os_name = platform.platform()
print(json.dumps({
    "python": platform.python_version(),
    "executable": sys.executable,
    "os": os_name,
    "machine": platform.machine(),
    "glibc": platform.libc_ver()[1] or None,
    "openssl": ssl.OPENSSL_VERSION.split()[1] if ssl.OPENSSL_VERSION.split()[1:] else None,
    "libpq": libpq(),
    "psycopg_libpq": psycopg_libpq(),
}))
""".strip()


def suite_command(project: Path) -> list[str]:
    """How the project's own tests run: Django's runner if there is a manage.py, else unittest."""
    if (project / "manage.py").is_file():
        return ["python", "manage.py", "test", "--noinput"]
    return ["python", "-m", "unittest", "discover", "-v"]


@dataclass
class SuiteOutcome:
    """A test run's result, parsed from its output."""

    exit_code: int
    ran: int | None = None
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    summary: str = ""
    database: str = ""

    @property
    def passed(self) -> int | None:
        """Tests that passed, when the output said how many ran."""
        if self.ran is None:
            return None
        return max(self.ran - self.failed - self.errors - self.skipped, 0)

    def describe(self) -> str:
        """``12 passed``, ``10 passed, 2 failed`` or ``exit 1 (no summary)``."""
        if self.ran is None:
            return f"exit {self.exit_code} (no summary)"
        parts = [f"{self.passed} passed"]
        for count, word in ((self.failed, "failed"), (self.errors, "errors")):
            if count:
                parts.append(f"{count} {word}")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        return ", ".join(parts) + (f" ({self.database})" if self.database else "")


_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_FAILED = re.compile(r"^FAILED \(([^)]*)\)", re.MULTILINE)
_OK = re.compile(r"^OK(?: \(([^)]*)\))?\s*$", re.MULTILINE)


def parse_test_output(output: str, exit_code: int) -> SuiteOutcome:
    """Read unittest/Django runner output (``Ran N tests`` then ``OK``/``FAILED (...)``)."""
    outcome = SuiteOutcome(exit_code=exit_code)
    ran = _RAN.findall(output)
    if not ran:
        return outcome
    outcome.ran = int(ran[-1])
    detail = ""
    if m := _FAILED.search(output):
        detail = m.group(1)
        outcome.summary = m.group(0)
    elif m := _OK.search(output):
        detail = m.group(1) or ""
        outcome.summary = m.group(0).strip()
    for key, value in re.findall(r"(\w+)=(\d+)", detail):
        if key == "failures":
            outcome.failed = int(value)
        elif key == "errors":
            outcome.errors = int(value)
        elif key == "skipped":
            outcome.skipped = int(value)
    return outcome


def requirement_pins(text: str) -> tuple[int, int, bool]:
    """(requirements, of them pinned with ``==``, all hashed) for a requirements file's text."""
    total = pinned = hashed = 0
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        total += 1
        if "==" in line and "*" not in line.split("==", 1)[1].split()[0]:
            pinned += 1
        if "--hash=" in line:
            hashed += 1
    return total, pinned, total > 0 and hashed == total


#: Lock files of the common Python tools; any of them pins the whole dependency tree.
LOCK_FILES = (
    "requirements.lock",
    "requirements-lock.txt",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pdm.lock",
    "pylock.toml",
)


def lock_files(project: Path) -> list[str]:
    """The lock files present in ``project``, by name."""
    return [name for name in LOCK_FILES if (project / name).is_file()]


@dataclass
class Side:
    """One way of setting the project up, measured."""

    name: str
    setup_cold_s: float = 0.0
    setup_warm_s: float = 0.0
    disk_bytes: int = 0
    probe: dict[str, Any] = field(default_factory=dict)
    packages: int = 0
    postgres: str = ""
    reproducible: str = ""
    tests: SuiteOutcome | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    """Both sides for one project, plus what the image is meant to match."""

    project: str
    requirements: str
    venv: Side
    docker: Side
    image: str = ""
    image_id: str = ""
    base_image: str = ""
    base_bytes: int = 0

    def to_json(self) -> str:
        """The comparison as indented JSON, every measurement under its side."""
        data = asdict(self)
        for side in ("venv", "docker"):
            outcome = getattr(self, side).tests
            if outcome is not None:
                data[side]["tests"]["passed"] = outcome.passed
            data[side]["system_libraries_match_image"] = libraries_match(
                getattr(self, side).probe, self.docker.probe
            )
        return json.dumps(data, indent=2, sort_keys=True)


SYSTEM_LIBRARIES = ("glibc", "openssl", "libpq")


def libraries_match(probe: dict[str, Any], target: dict[str, Any]) -> bool:
    """True when every system library the probe reports has the target's version."""
    return all(probe.get(lib) == target.get(lib) for lib in SYSTEM_LIBRARIES)


def libraries_text(probe: dict[str, Any]) -> str:
    """``glibc 2.36, OpenSSL 3.0.17, libpq —`` from a probe result.

    When psycopg is installed, the libpq it actually loads is added: the binary wheel
    bundles its own, whatever the system has.
    """
    names = {"glibc": "glibc", "openssl": "OpenSSL", "libpq": "libpq"}
    text = ", ".join(f"{names[lib]} {probe.get(lib) or '—'}" for lib in SYSTEM_LIBRARIES)
    if probe.get("psycopg_libpq"):
        text += f", psycopg's libpq {probe['psycopg_libpq']}"
    return text


def megabytes(n: int) -> str:
    """Bytes as ``123.4 MB`` (10^6, as ``docker images`` counts)."""
    return f"{n / 1e6:.1f} MB"


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value else "not measured"


def verdict(side: Side) -> str:
    """``yes``, ``no: <why>`` (a side that could not set the project up), or ``yes (<note>)``."""
    cannot = [n.removeprefix("cannot set it up: ") for n in side.notes if n.startswith("cannot")]
    if cannot:
        return "no: " + "; ".join(cannot)
    return "yes" + (f" ({'; '.join(side.notes)})" if side.notes else "")


def table_rows(c: Comparison) -> list[tuple[str, str, str]]:
    """The side-by-side table: (what, virtualenv, docker) for each measurement."""
    v, d = c.venv, c.docker
    match_v = "same as the image" if libraries_match(v.probe, d.probe) else "differ from the image"
    above = d.disk_bytes - c.base_bytes if c.base_bytes else 0
    disk_d = megabytes(d.disk_bytes) + " (image)"
    if above > 0:
        disk_d += f", {megabytes(above)} above base"
    return [
        ("sets the project up", verdict(v), verdict(d)),
        ("set-up, cold", _seconds(v.setup_cold_s), _seconds(d.setup_cold_s)),
        ("set-up, warm", _seconds(v.setup_warm_s), _seconds(d.setup_warm_s)),
        ("disk", megabytes(v.disk_bytes) + " (venv)", disk_d),
        ("packages installed", str(v.packages), str(d.packages)),
        ("Python", f"host {v.probe.get('python', '?')}", f"{d.probe.get('python', '?')} (image)"),
        ("OS", str(v.probe.get("os", "?")), str(d.probe.get("os", "?"))),
        (
            "system libraries",
            f"{libraries_text(v.probe)}: {match_v}",
            f"{libraries_text(d.probe)}: the target",
        ),
        ("PostgreSQL for tests", v.postgres, d.postgres),
        ("reproducible elsewhere", v.reproducible, d.reproducible),
        (
            "test suite",
            v.tests.describe() if v.tests else "not run",
            d.tests.describe() if d.tests else "not run",
        ),
    ]
