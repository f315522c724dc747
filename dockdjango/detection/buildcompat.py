"""Building old source distributions with the setuptools they were written for.

A package with no wheel for the image's Python is built from its sdist, in an isolated
environment holding the newest setuptools. setuptools 70.0 (May 2024) removed names that
``setup.py`` files had imported for years (``from setuptools import convert_path``,
``setuptools.dep_util``), so the sdists an older project pins may no longer build.

Detection knows the Django release a project pins. A project whose Django series was out
of support before that setuptools release was written, with its pins, against an older
setuptools: its source-only packages build with ``setuptools<70`` -- a *build constraint*
(uv's ``UV_BUILD_CONSTRAINT``), which touches only those build environments, never what the
image runs. Every other project gets no constraint, and its Dockerfile does not change.

The same projects float on what they do not pin: ``environs==9.5.0`` pulls the newest
marshmallow, a major release it predates and cannot import. Such a project's unpinned
dependencies resolve as of its Django series' end of support (uv's ``--exclude-newer``), or
of its Python's release when that is later (an older release may not install on it); every
package the project pins with ``==`` is exempt (``--exclude-newer-package NAME=false``), so a
pin newer than the date still installs. Projects installing from a lock file pin everything
and get no date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from packaging.version import InvalidVersion, Version

#: The first setuptools release that removed names old ``setup.py`` files import, and when.
SETUPTOOLS_REMOVALS = ("70", "2024-05")
#: Django series -> the month its support ended (djangoproject.com's release table).
DJANGO_END_OF_SUPPORT: dict[str, str] = {
    "1.8": "2018-04",
    "1.9": "2017-04",
    "1.10": "2017-12",
    "1.11": "2020-04",
    "2.0": "2019-04",
    "2.1": "2019-12",
    "2.2": "2022-04",
    "3.0": "2021-04",
    "3.1": "2021-12",
    "3.2": "2024-04",
    "4.0": "2023-04",
    "4.1": "2023-12",
    "4.2": "2026-04",
    "5.0": "2025-04",
    "5.1": "2025-12",
    "5.2": "2028-04",
    "6.0": "2027-04",
    "6.1": "2027-12",
}
#: Python minor -> the month of its first release: packages older than that may not
#: install on it.
PYTHON_RELEASED: dict[str, str] = {
    "3.8": "2019-10",
    "3.9": "2020-10",
    "3.10": "2021-10",
    "3.11": "2022-10",
    "3.12": "2023-10",
    "3.13": "2024-10",
    "3.14": "2025-10",
}


@dataclass(frozen=True)
class BuildConstraints:
    """Requirement lines the sdist builds are held to, and the sentence that says why."""

    lines: tuple[str, ...] = ()
    note: str | None = None
    #: The RFC 3339 instant unpinned dependencies resolve as of (``""``: the newest).
    resolve_before: str = ""
    #: The sentence saying so (``None`` with no date).
    resolve_note: str | None = None


def build_constraints(
    django: str | None,
    source: str | None = None,
    *,
    python: str | None = None,
    locked: bool = False,
) -> BuildConstraints:
    """The constraints for a project pinning ``django`` (``3.2.14`` or a series ``3.2``),
    read from ``source`` (``poetry.lock``), on the image's ``python`` (``3.11``); ``locked``
    when a lock file pins every dependency. None when its Django is supported or unknown."""
    series = _series(django)
    if series is None:
        return BuildConstraints()
    ended = DJANGO_END_OF_SUPPORT.get(series)
    oldest = min(DJANGO_END_OF_SUPPORT, key=Version)
    if ended is None and Version(series) > Version(oldest):
        return BuildConstraints()  # a series newer than the table: current
    where = f" (pinned in {source})" if source else ""
    today = date.today().strftime("%Y-%m")
    before, said = (
        ("", None) if locked or not ended or ended >= today else _cutoff(series, ended, python)
    )
    bound, released = SETUPTOOLS_REMOVALS
    if ended is not None and ended >= released:
        return BuildConstraints(resolve_before=before, resolve_note=said)
    return BuildConstraints(
        resolve_before=before,
        resolve_note=said,
        lines=(f"setuptools<{bound}",),
        note=(
            f"packages built from source use setuptools<{bound}: Django {series}{where} "
            f"was out of support before setuptools {bound} ({released}) removed names older "
            "setup.py files import (change: the UV_BUILD_CONSTRAINT step of the Dockerfile "
            "`dockdjango init` writes)"
        ),
    )


def _cutoff(series: str, ended: str, python: str | None) -> tuple[str, str]:
    """The date unpinned dependencies resolve as of: the first day after the month support
    ended, or after the month the image's Python came out when that is later."""
    month, why = ended, f"Django {series} was out of support after {ended}"
    released = PYTHON_RELEASED.get(python or "")
    if released and released > month:
        month, why = released, f"Python {python}, the image's, came out in {released}"
    year, mon = (int(part) for part in month.split("-"))
    instant = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}-01T00:00:00Z"
    return instant, (
        f"dependencies not pinned with == resolve as of {instant[:10]}: {why}, and newer "
        "releases may not work with it (change: the --exclude-newer of the Dockerfile "
        "`dockdjango init` writes)"
    )


def _series(django: str | None) -> str | None:
    if not django:
        return None
    try:
        version = Version(django)
    except InvalidVersion:
        return None
    return f"{version.major}.{version.minor}"
