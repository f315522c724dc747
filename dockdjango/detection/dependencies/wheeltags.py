"""Does a wheel fit the image? Lock files list each package's wheels; when none fits the
image's Python and platform, pip builds the package from its sdist, which needs compilers
and headers (:mod:`dockdjango.detection.syspkgs`).

The image is CPython X.Y on glibc Linux (Debian), on the host's machine architecture;
``manylinux_2_N`` wheels fit when N is at most the suite's glibc minor version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from dockdjango.detection.dependencies.markers import Target

#: glibc minor version of each Debian suite (bookworm 2.36, trixie 2.41).
GLIBC = {"bookworm": 36, "trixie": 41, "sid": 41}


def wheel_fits(filenames: Iterable[str], target: Target) -> bool | None:
    """True if one of the wheel ``filenames`` installs on ``target``; False if none does;
    None when no wheel is listed at all (nothing known)."""
    names = [n for n in filenames if n.endswith(".whl")]
    if not names:
        return None
    tags = _tags(
        target.python_minor, target.machine or os.uname().machine, GLIBC.get(target.suite, 36)
    )
    for name in names:
        try:
            _, _, _, wheel_tags = parse_wheel_filename(name)
        except InvalidWheelFilename:
            continue
        if wheel_tags & tags:
            return True
    return False


@lru_cache(maxsize=16)
def _tags(minor: str, machine: str, glibc: int) -> frozenset[Tag]:
    major, minor_n = (int(p) for p in minor.split(".")[:2])
    platforms = [f"manylinux_2_{n}_{machine}" for n in range(glibc, 4, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    platforms += [f"{legacy[n]}_{machine}" for n in (17, 12, 5) if n <= glibc]
    platforms.append(f"linux_{machine}")
    version = (major, minor_n)
    found = set(cpython_tags(version, platforms=platforms))
    found |= set(compatible_tags(version, platforms=platforms))
    return frozenset(found)
