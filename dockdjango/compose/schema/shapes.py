"""Type checks with located errors, and the parsers of Compose's short syntaxes.

`Loc` is a dotted path plus the origin of the value at it; every check raises a
`SpecError` through it, so messages read ``compose.yaml:14: services.web.ports[0]: ...``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dockdjango.compose.loader.scalars import go_text
from dockdjango.compose.loader.tree import Origin, Seq, Tree, spec_error, type_name, where
from dockdjango.compose.schema.shellwords import CommandSyntaxError, split_words
from dockdjango.errors import SpecError

# The text Compose casts to a boolean, in any case (YAML 1.1's words; not 0/1, not "").
_TRUE = {"true", "yes", "y", "on"}
_FALSE = {"false", "no", "n", "off"}


@dataclass(frozen=True)
class Loc:
    """Where a value sits: its dotted path and the file/line it was written at."""

    path: str
    origin: Origin | None

    def child(self, container: Any, key: Any) -> Loc:
        """The location of ``container[key]``."""
        if isinstance(key, int) and isinstance(container, list):
            path = f"{self.path}[{key}]"
        else:
            path = f"{self.path}.{key}" if self.path else str(key)
        return Loc(path, where(container, key) or self.origin)

    def error(self, message: str, hint: str | None = None) -> SpecError:
        """A `SpecError` at this location."""
        return spec_error(message, self.origin, self.path, hint=hint)


_CONTROL = {c: repr(chr(c))[1:-1] for c in [*range(32), 127]}


def show(value: Any) -> str:
    """A short rendering of a user's value for a message."""
    # control characters escaped, so the message stays on one line
    text = f'"{value.translate(_CONTROL)}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_SCALAR = "write one value (quote it to keep it as text)"


def not_null(value: Any, loc: Loc) -> Any:
    """``value``, which Compose does not allow to be null (a key written with no value)."""
    if value is None:
        raise loc.error("has no value (null)", hint="give it a value, or remove the key")
    return value


def want_str(value: Any, loc: Loc) -> str:
    """A string; numbers are refused like Compose's schema does."""
    if isinstance(value, str):
        return value
    raise loc.error(f"must be a string, not {type_name(value)}", hint="quote the value")


def want_scalar_str(value: Any, loc: Loc) -> str:
    """A string, number or boolean, as the text Compose makes of it (booleans as
    ``true``/``false``, numbers as Go prints them: ``1e3`` is ``1000``)."""
    if isinstance(value, int | float | str):
        return go_text(value)
    raise loc.error(f"must be a string or number, not {type_name(value)}", hint=_SCALAR)


def want_bool(value: Any, loc: Loc) -> bool:
    """A boolean, or text Compose casts to one (what interpolation gives): ``true``/``false``,
    ``yes``/``no``, ``y``/``n``, ``on``/``off``, in any case. Not ``0``/``1``, not ``""``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise loc.error(f"must be true or false, not {show(value)}", hint="write true or false")


def want_yaml_bool(value: Any, loc: Loc) -> bool:
    """A YAML boolean and nothing else: the keys Compose's schema types as boolean alone
    (``use_api_socket``, ``depends_on.*.required``, ``develop.watch[].initial_sync``)
    take no text, not even a variable that gives ``true``."""
    if isinstance(value, bool):
        return value
    raise loc.error(
        f"must be true or false, not {show(value)}",
        hint="write true or false, unquoted (Compose takes no text or variable here)",
    )


def want_int(value: Any, loc: Loc, *, low: int | None = None, high: int | None = None) -> int:
    """An integer (a string of digits is accepted), optionally within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise loc.error(f"must be an integer, not {type_name(value)}", hint="write e.g. 3")
    try:
        number = int(value)
    except ValueError:
        raise loc.error(f"must be an integer, not {show(value)}", hint="write e.g. 3") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise loc.error(
            f"{show(value)} — must be between {low} and {high}",
            hint=f"write a whole number from {low} to {high}",
        )
    return number


def want_map(value: Any, loc: Loc) -> Tree:
    """A mapping (null counts as empty)."""
    if value is None:
        return Tree(origin=loc.origin)
    if isinstance(value, Tree):
        return value
    if isinstance(value, dict):
        return Tree(value, origin=loc.origin)
    raise loc.error(
        f"must be a mapping, not {type_name(value)}", hint="write `key: value` lines under it"
    )


def want_list(value: Any, loc: Loc) -> Seq:
    """A list (null counts as empty)."""
    if value is None:
        return Seq(origin=loc.origin)
    if isinstance(value, Seq):
        return value
    if isinstance(value, list):
        return Seq(value, origin=loc.origin)
    raise loc.error(f"must be a list, not {type_name(value)}", hint="write `- item` lines under it")


def str_list(
    value: Any, loc: Loc, *, allow_str: bool = True, unique: bool = False, numbers: bool = False
) -> list[str]:
    """A list of strings (numbers too when ``numbers``, as text); a single string counts as a
    one-item list when ``allow_str``. Compose's lists of strings refuse numbers."""
    if allow_str and isinstance(value, str):
        return [value]
    seq = want_list(value, loc)
    want = want_scalar_str if numbers else want_str
    items = [want(v, loc.child(seq, i)) for i, v in enumerate(seq)]
    if unique and len(set(items)) != len(items):
        dup = next(x for x in items if items.count(x) > 1)
        raise loc.error(f"{show(dup)} is listed twice", hint="list each item once")
    return items


def unique_items(items: list[Any], loc: Loc) -> None:
    """Refuse an item listed twice, as Compose's schema does for these lists."""
    seen: list[Any] = []
    for i, item in enumerate(items):
        if item in seen:
            raise loc.child(items, i).error(
                f"{show(item)} is listed twice", hint="list each item once"
            )
        seen.append(item)


def key_values(value: Any, loc: Loc, *, empty: str | None) -> dict[str, str | None]:
    """``KEY=VALUE`` lists or mappings as a dict; a bare ``KEY`` maps to ``empty``."""
    out: dict[str, str | None] = {}
    if isinstance(value, list):
        for i, item in enumerate(value):
            item_loc = loc.child(value, i)
            text = want_str(item, item_loc)  # a list entry is text: "KEY=VALUE"
            key, sep, rest = text.partition("=")
            if not key:
                raise item_loc.error(
                    f"{show(text)} — expected KEY=VALUE", hint="write e.g. DEBUG=1"
                )
            out[key] = rest if sep else empty
        return out
    mapping = want_map(value, loc)
    for key, item in mapping.items():
        item_loc = loc.child(mapping, key)
        if isinstance(item, dict | list):
            raise item_loc.error(
                f"must be a string, number or boolean, not {type_name(item)}", hint=_SCALAR
            )
        out[str(key)] = empty if item is None else want_scalar_str(item, item_loc)
    return out


def option_values(value: Any, loc: Loc) -> dict[str, str]:
    """A mapping of options (``driver_opts``): text or numbers, as text."""
    mapping = want_map(value, loc)
    out = {}
    for key, item in mapping.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise loc.child(mapping, key).error(
                f"must be text or a number, not {type_name(item)}", hint="quote it"
            )
        out[str(key)] = want_scalar_str(item, loc.child(mapping, key))
    return out


def check_keys(mapping: Tree, allowed: Iterable[str], loc: Loc, *, what: str) -> None:
    """Refuse keys not in ``allowed`` (``x-`` extensions always pass), suggesting a fix."""
    allowed = set(allowed)
    for key in mapping:
        if isinstance(key, str) and (key in allowed or key.startswith("x-")):
            continue
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        hint = (
            f"did you mean `{close[0]}`?" if close else f"{what} keys: {', '.join(sorted(allowed))}"
        )
        raise loc.child(mapping, key).error(f"unknown key {show(str(key))} in {what}", hint=hint)


_NAME = re.compile(r"^[a-zA-Z0-9._-]+$")


def check_name(name: str, loc: Loc) -> None:
    """A service, volume, secret or config name (or a reference to one) Compose allows."""
    if not _NAME.match(name):
        raise loc.error(
            f"{show(name)} is not a valid name",
            hint="use only letters, digits, '.', '_' and '-'",
        )


def split_command(value: Any, loc: Loc) -> list[str] | None:
    """``command``/``entrypoint``: a shell-like string split into words, or a list."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            split = split_words(value)
        except CommandSyntaxError as exc:
            raise loc.error(
                f"{show(value)} cannot be split into words: {exc}",
                hint="balance the quotes, and write '(' only as '$(' ... ')'",
            ) from None
        if split.cut_at is not None:
            rest = value[split.cut_at :]
            raise loc.error(
                f"{show(rest)} is cut off: Compose reads {show(value[: split.cut_at])} as the "
                f"whole command ({value[split.cut_at]!r} is a shell operator)",
                hint="run a shell for it (the list form [sh, -c, '...']), or quote the character",
            )
        return split.words
    return str_list(value, loc, allow_str=False)
