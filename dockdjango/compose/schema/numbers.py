"""The numeric service keys Compose types: whole numbers, CPU counts and byte sizes.

Compose reads each as a Go integer, float32 or byte count: a quoted or interpolated
value must parse as one (``"1e3"`` is not a whole number, ``"1.5g"`` is a size), and it
prints zero as if the key were absent. dockdjango accepts what Compose accepts and
prints it the same way, except values Compose would silently mangle (``pids_limit: 1.5``
truncated to 1, ``mem_limit: 1.5`` dropped, an overflow wrapped to a negative number):
those are errors here, with the fix.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

from dockdjango.compose.schema.shapes import Loc, show

_INT64 = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = 3.4028234663852886e38

#: Whole-number keys, with the range Compose allows (None: any 64-bit integer).
WHOLE_KEYS: dict[str, tuple[int | None, int | None]] = {
    "cpu_count": (0, None),
    "cpu_period": (None, None),
    "cpu_quota": (None, None),
    "cpu_rt_period": (None, None),
    "cpu_rt_runtime": (None, None),
    "cpu_shares": (None, None),
    "oom_score_adj": (-1000, 1000),
    "pids_limit": (None, None),
    "scale": (0, None),
}
#: Byte sizes: a whole number of bytes or a size with a unit (``512m``, ``1.5g``).
BYTE_KEYS = ("mem_limit", "mem_reservation", "memswap_limit", "mem_swappiness", "shm_size")
#: Keys Compose leaves out of its output when they are zero.
OMITTED_WHEN_ZERO = frozenset({*WHOLE_KEYS, *BYTE_KEYS, "cpus", "cpu_percent"} - {"scale"})

_GO_INT = re.compile(r"^[+-]?[0-9]+$")
_GO_FLOAT = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def typed_number(key: str, value: Any, loc: Loc) -> Any:
    """``value`` of the numeric service key ``key`` as Compose holds it, or a located error."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise loc.error(f"must be a number, not {show(value)}", hint="write e.g. 2")
    if key in WHOLE_KEYS:
        low, high = WHOLE_KEYS[key]
        return _whole(value, loc, low, high)
    if key in BYTE_KEYS:
        return byte_count(value, loc)
    if key == "cpus":
        return _float32(_decimal(value, loc), loc)
    if key == "cpu_percent":
        number = _decimal(value, loc)
        if not number.is_integer() or not 0 <= number <= 100:
            raise loc.error(
                f"{show(value)} — must be a whole percentage, 0 to 100", hint="write e.g. 50"
            )
        return int(number)
    return value


def _whole(value: Any, loc: Loc, low: int | None, high: int | None) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise loc.error(f"{show(value)} — must be a whole number", hint="write e.g. 512")
        value = int(value)
    elif isinstance(value, str):
        if not _GO_INT.match(value):
            raise loc.error(f"{show(value)} is not a whole number", hint="write e.g. 512")
        value = int(value)
    if not isinstance(value, int):
        raise loc.error(f"must be a whole number, not {show(value)}", hint="write e.g. 512")
    lowest = _INT64[0] if low is None else low
    highest = _INT64[1] if high is None else high
    if not lowest <= value <= highest:
        bounds = f"at least {low}" if high is None else f"between {lowest} and {highest}"
        raise loc.error(f"{value} — must be {bounds}", hint=f"write a whole number {bounds}")
    return value


def _decimal(value: Any, loc: Loc) -> float:
    """A decimal number (a quoted one too); infinities, NaN and overflows are errors."""
    number = value
    if isinstance(value, str):
        if not _GO_FLOAT.match(value):
            raise loc.error(f"{show(value)} is not a number", hint="write e.g. 1.5")
        number = float(value)
    if not isinstance(number, int | float):
        raise loc.error(f"must be a number, not {show(value)}", hint="write e.g. 1.5")
    if not math.isfinite(number):
        raise loc.error(f"{show(value)} is out of range", hint="write e.g. 1.5")
    return float(number)


def _float32(number: float, loc: Loc) -> float | int:
    """``number`` rounded to the float32 Compose keeps, printed as briefly as Go prints it."""
    if abs(number) > _FLOAT32_MAX:
        raise loc.error(f"{number} is too large", hint="write e.g. 1.5")
    single = struct.unpack("f", struct.pack("f", number))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            shortest = float(text)
            return int(shortest) if shortest.is_integer() and abs(shortest) < 2**53 else shortest
    return single  # pragma: no cover - nine digits always round-trip a float32


def byte_count(value: Any, loc: Loc) -> str:
    """``50M``, ``1gb``, ``512`` as a count of bytes, printed as Compose does (a string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not _INT64[0] <= value <= _INT64[1]:
            raise loc.error(f"{value} is too large", hint="a size is below 8 exbibytes")
        return str(value)
    if not isinstance(value, str):
        raise loc.error(
            f"{show(value)} is not a size",
            hint="write a whole number of bytes, or a size such as 512m or 1.5g",
        )
    amount = _size(value)
    if amount is None:
        raise loc.error(
            f"{show(value)} is not a size", hint="write e.g. 512m or 2g (b, k, m, g, t or p)"
        )
    if amount >= 2**63:
        raise loc.error(f"{show(value)} is too large", hint="a size is below 8 exbibytes")
    return str(int(amount))


def _size(text: str) -> float | None:
    """A size as Docker's units library reads it: a decimal number, an optional space, and
    an optional unit (``b``, or ``k``/``m``/``g``/``t``/``p`` with ``b`` or ``ib``), binary
    multiples; None when it is not one."""
    end = max(text.rfind(c) for c in "0123456789. ")
    if end < 0:
        return None
    split = end if text[end] == " " else end + 1  # the space between is left out
    number, suffix = text[:split], text[end + 1 :]
    if not _GO_FLOAT.match(number):
        return None
    amount = float(number)
    suffix = suffix.lower()
    if amount < 0 or math.isinf(amount) or len(suffix) > 3:
        return None
    if not suffix or suffix == "b":
        return amount
    if suffix[0] not in _UNITS or suffix[1:] not in ("", "b", "ib"):
        return None
    return amount * _UNITS[suffix[0]]
