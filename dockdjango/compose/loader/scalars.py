"""Plain YAML scalars read as Compose's YAML library reads them, and numbers printed as Go does.

Compose reads YAML 1.2 with a few YAML 1.1 habits kept: ``017`` is octal (15), ``0o17``,
``0x1F`` and ``0b101`` are integers, underscores are ignored in numbers (``1_000``),
``1e3`` is a float, ``1:20`` is a string (not YAML 1.1's base-60 integer), ``yes`` and
``on`` are strings, ``1e400`` (out of range) is a string, and an unquoted date or time
(``2001-12-14``) is a timestamp, which Compose refuses wherever it expects text.

Where Compose turns a number into text (``environment``, ``labels``...), it prints it the
way Go does: ``1000`` for ``1e3``, ``3e+10``, ``1e-07``, ``+Inf``; `go_text` does the same.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1
# A float as YAML writes one (checked after underscores are removed).
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DOT_FLOAT = re.compile(r"^\.[0-9]+([eE][-+]?[0-9]+)?$")
_SPECIAL = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}
_DIGITS = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01", 10: "0123456789"}


def _go_int(text: str, *, signed: bool) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)`` (or ``ParseUint``): prefixes 0x, 0o, 0b, and a
    leading 0 for octal; None when it fails or is out of range."""
    sign = 1
    if text[:1] in "+-":
        if not signed:
            return None
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    base = 10
    if len(text) > 1 and text[0] == "0":
        prefix = text[1].lower()
        base = {"x": 16, "o": 8, "b": 2}.get(prefix, 8)
        text = text[2:] if prefix in "xob" else text[1:]
    if not text or any(c not in _DIGITS[base] for c in text):
        return None
    value = sign * int(text, base)
    if signed:
        return value if _INT64[0] <= value <= _INT64[1] else None
    return value if value <= _UINT64_MAX else None


def resolve_plain(text: str) -> int | float | str:
    """A plain scalar that starts like a number (``-+.0-9``), as Compose reads it."""
    if text in _SPECIAL:
        return _SPECIAL[text]
    if text.startswith("."):
        # Go's ParseFloat on the text as written (no underscores allowed there)
        return float(text) if _DOT_FLOAT.match(text) else text
    plain = text.replace("_", "")
    if not plain:
        return text
    for signed in (True, False):
        number = _go_int(plain, signed=signed)
        if number is not None:
            return number
    if _FLOAT.match(plain):
        value = float(plain)
        if not math.isinf(value):  # out of range: Go refuses it, so it stays text
            return value
    for prefix, base in (("0b", 2), ("-0b", 2), ("0o", 8), ("-0o", 8)):
        digits = plain[len(prefix) :]
        if plain.startswith(prefix) and digits and all(c in _DIGITS[base] for c in digits):
            value_int = int(digits, base) * (-1 if prefix.startswith("-") else 1)
            if _INT64[0] <= value_int <= _INT64[1]:
                return value_int
    return text


@dataclass(frozen=True)
class Timestamp:
    """An unquoted date or date-time: Compose reads it as a time, not as text.

    ``text`` is what was written; `str` gives the time as Compose prints it (RFC 3339).
    """

    text: str
    rfc3339: str

    def __str__(self) -> str:
        return self.rfc3339


_TS = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?P<sep>[Tt ])(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2}):(?P<S>[0-9]{1,2})"
    r"(?:\.(?P<frac>[0-9]+))?(?P<zone>Z|[-+][0-9]{2}:[0-9]{2})?)?$"
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_timestamp(text: str) -> Timestamp | None:
    """The timestamp forms Compose's YAML library reads (``2001-12-14``,
    ``2001-12-14T21:59:43.1-05:00``, ``2001-12-14 21:59:43``), else None."""
    m = _TS.match(text)
    if not m:
        return None
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if (
        not 1 <= month <= 12
        or not 1 <= day <= _DAYS[month - 1]
        or (month == 2 and day == 29 and not leap)
    ):
        return None
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if not m["sep"]:
        return Timestamp(text, f"{date}T00:00:00Z")
    if m["sep"] == " " and m["zone"]:
        return None  # the space form carries no zone
    if m["sep"] in "Tt" and not m["zone"]:
        return None
    hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"])
    if hour > 23 or minute > 59 or second > 59:
        return None
    frac = (m["frac"] or "")[:9].rstrip("0")
    zone = m["zone"] or "Z"
    return Timestamp(
        text,
        f"{date}T{hour:02d}:{minute:02d}:{second:02d}{'.' + frac if frac else ''}{zone}",
    )


def go_float(value: float) -> str:
    """``value`` as Compose prints a float64 (Go's shortest ``%g``): ``1000``, ``3e+10``,
    ``1.234567e+06``, ``1e-05``, ``+Inf``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    prefix = "-" if math.copysign(1, value) < 0 else ""
    if value == 0:
        return prefix + "0"
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)  # digits before the decimal point
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def go_text(value: object) -> str:
    """A scalar as Compose turns it into text: booleans lowercase, numbers as Go prints them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)
