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
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class BuildConstraints:
    """Requirement lines the sdist builds are held to, and the sentence that says why."""

    lines: tuple[str, ...] = ()
    note: str | None = None


def build_constraints(django: str | None, source: str | None = None) -> BuildConstraints:
    """The constraints for a project pinning ``django`` (``3.2.14`` or a series ``3.2``),
    read from ``source`` (``poetry.lock``); none when its Django is newer or unknown."""
    series = _series(django)
    if series is None:
        return BuildConstraints()
    ended = DJANGO_END_OF_SUPPORT.get(series)
    oldest = min(DJANGO_END_OF_SUPPORT, key=Version)
    if ended is None and Version(series) > Version(oldest):
        return BuildConstraints()  # a series newer than the table: current
    bound, released = SETUPTOOLS_REMOVALS
    if ended is not None and ended >= released:
        return BuildConstraints()
    where = f" (pinned in {source})" if source else ""
    return BuildConstraints(
        lines=(f"setuptools<{bound}",),
        note=(
            f"packages built from source use setuptools<{bound}: Django {series}{where} "
            f"was out of support before setuptools {bound} ({released}) removed names older "
            "setup.py files import (change: the UV_BUILD_CONSTRAINT step of the Dockerfile "
            "`dockdjango init` writes)"
        ),
    )


def _series(django: str | None) -> str | None:
    if not django:
        return None
    try:
        version = Version(django)
    except InvalidVersion:
        return None
    return f"{version.major}.{version.minor}"
