"""Compose duration strings (``1m30s``, ``1.5s``, ``500ms``): parse to seconds, print like Compose.

Compose accepts Go duration syntax and prints durations back in Go's canonical form
(``90s`` becomes ``1m30s``), so we keep durations as those canonical strings in the models
and offer seconds as a float for code that waits on them.
"""

from __future__ import annotations

import re

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")


def parse_duration(text: str | int | float) -> float:
    """Seconds in a Compose duration; a bare number counts as seconds. ValueError if malformed."""
    if isinstance(text, bool):
        raise ValueError("a duration, not a boolean")
    if isinstance(text, int | float):
        return float(text)
    s = text.strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return sign * float(s)
    pos, total = 0, 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m:
            raise ValueError(f"{text!r} is not a duration (use e.g. 30s, 1m30s, 500ms)")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not s:
        raise ValueError("an empty duration")
    return sign * total


def _fraction(value: int, digits: int) -> str:
    """`value` as a decimal with `digits` fraction digits, trailing zeros dropped."""
    whole, frac = divmod(value, 10**digits)
    frac_s = str(frac).rjust(digits, "0").rstrip("0")
    return f"{whole}.{frac_s}" if frac_s else str(whole)


def format_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` form: ``1m30s``, ``1.5s``, ``500ms``, ``0s``."""
    ns = round(seconds * 1e9)
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns == 0:
        return "0s"
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_fraction(ns, 3)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_fraction(ns, 6)}ms"
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return out + f"{_fraction(rest, 9)}s"


def normalize_duration(text: str | int | float) -> str:
    """A duration as Compose prints it; ValueError if it is not one."""
    return format_duration(parse_duration(text))
