"""The environment a project's image runs in, and PEP 508 markers evaluated against it.

A requirement such as ``backports.zoneinfo; python_version < "3.9"`` or a lock entry with
``markers = "sys_platform == 'darwin'"`` only belongs in the image when its marker holds
for the image's Python and platform, not the host's. :class:`Target` describes that
environment (a Linux container, glibc, CPython X.Y on the host's machine architecture);
:func:`marker_holds` evaluates a marker string with the ``packaging`` library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker

from dockdjango.errors import DockdjangoError


@dataclass(frozen=True)
class Target:
    """The interpreter and platform an image runs: what markers are evaluated against."""

    #: ``3.13`` (minor) or ``3.13.5`` (with the patch level, when known)
    python: str = "3.11"
    machine: str = ""
    #: the Debian suite underneath (decides glibc, hence which wheels fit, and package names)
    suite: str = "bookworm"

    @property
    def python_minor(self) -> str:
        """``3.13``."""
        return ".".join(self.python.split(".")[:2])

    @property
    def python_full(self) -> str:
        """``3.13.5``; ``3.13.0`` when only the minor version is known."""
        parts = self.python.split(".")
        return ".".join(parts + ["0"] * (3 - len(parts)))

    def environment(self) -> dict[str, str]:
        """The marker variables (PEP 508) for a Linux container running this Python."""
        machine = self.machine or os.uname().machine
        return {
            "implementation_name": "cpython",
            "implementation_version": self.python_full,
            "os_name": "posix",
            "platform_machine": machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.python_full,
            "python_version": self.python_minor,
            "sys_platform": "linux",
        }


def marker_holds(
    marker: str | None, target: Target, extras: frozenset[str] = frozenset(), *, where: str = ""
) -> bool:
    """True when ``marker`` (``python_version < "3.9"``...) holds in ``target``.

    ``extras`` are the extras the requirement was asked with (``extra == "postgres"``
    holds when ``postgres`` is among them). An empty marker always holds; an invalid one is
    an error naming ``where`` it came from.
    """
    if not marker or not marker.strip():
        return True
    try:
        parsed = Marker(marker)
    except InvalidMarker as exc:
        raise DockdjangoError(
            f"{where or 'a requirement'}: invalid environment marker {marker!r}: {exc}",
            hint='markers follow PEP 508, e.g. python_version < "3.12"',
        ) from None
    env = target.environment()
    if not extras:
        return bool(parsed.evaluate({**env, "extra": ""}))
    return any(parsed.evaluate({**env, "extra": extra}) for extra in sorted(extras))
