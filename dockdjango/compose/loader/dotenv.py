"""``.env`` and ``env_file`` parsing: ``KEY=value`` lines, as Compose reads them.

Supported: comments, blank lines, ``export KEY=...``, single quotes (literal), double
quotes (``\\n`` escapes, ``${VAR}`` expanded), unquoted values (inline `` #`` comments
stripped, ``${VAR}`` expanded), and a bare ``KEY`` (taken from the environment if set).
Variables expand from earlier lines of the same file, then from ``lookup``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dockdjango.compose.loader.interpolation import TemplateError, substitute
from dockdjango.compose.loader.tree import display_path
from dockdjango.errors import SpecError

_KEY = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*(=|:)?\s*(.*)$", re.S)


def parse_dotenv(
    path: str, lookup: Mapping[str, str] | None = None, *, expand: bool = True, raw: bool = False
) -> dict[str, str | None]:
    """Variables of the env file at ``path``; `SpecError` (file and line) when malformed.

    ``raw`` (Compose's ``format: raw``) takes everything after ``=`` literally."""
    shown = display_path(path)
    lines = _read(path, shown).splitlines()
    lookup = lookup or {}
    values: dict[str, str | None] = {}
    i = 0
    while i < len(lines):
        lineno, text_line = i + 1, lines[i]
        i += 1
        stripped = text_line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, rest = _entry(text_line, shown, lineno)
        quote = rest[:1]
        if sep is None:
            values[key] = lookup.get(key)
            continue
        if raw:
            values[key] = rest
            continue
        if quote in ("'", '"'):
            value, i = _quoted(key, rest, lines, i, shown, lineno)
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
                value = _expand(value, values, lookup, shown, lineno) if expand else value
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
            value = _expand(value, values, lookup, shown, lineno) if expand else value
        values[key] = value
    return values


def _read(path: str, shown: str) -> str:
    """The file's text (a UTF-8 byte-order mark dropped), or `SpecError` naming it."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return fh.read()
    except FileNotFoundError:
        raise SpecError("file not found", file=shown, hint="create it or fix the path") from None
    except OSError as exc:
        raise SpecError(
            f"cannot read env file: {exc}", file=shown, hint="check the path and permissions"
        ) from None


def _entry(line: str, shown: str, lineno: int) -> tuple[str, str | None, str]:
    """(key, ``=``/``:`` or None for a bare key, the rest) of one line."""
    m = _KEY.match(line)
    if not m:
        raise SpecError(
            f"unexpected line {line.strip()[:40]!r}",
            file=shown,
            line=lineno,
            hint="env file lines look like KEY=value",
        )
    key, sep, rest = m.group(1), m.group(2), m.group(3)
    if sep is None and rest.strip() and not rest.strip().startswith("#"):
        raise SpecError(
            f"unexpected character after {key!r}",
            file=shown,
            line=lineno,
            hint="write KEY=VALUE, one a line",
        )
    return key, sep, rest


def _quoted(
    key: str, rest: str, lines: list[str], i: int, shown: str, lineno: int
) -> tuple[str, int]:
    """The body of a quoted value (which may span lines until its closing quote) and the
    index of the line after it."""
    quote, body = rest[:1], rest[1:]
    while _closing(body, quote) < 0 and i < len(lines):
        body += "\n" + lines[i]
        i += 1
    end = _closing(body, quote)
    if end < 0:
        raise SpecError(
            f"unterminated quoted value for {key}",
            file=shown,
            line=lineno,
            hint="close the quote",
        )
    return body[:end], i


def _closing(body: str, quote: str) -> int:
    pos = 0
    while True:
        pos = body.find(quote, pos)
        if pos < 0 or quote == "'" or body[pos - 1 : pos] != "\\":
            return pos
        pos += 1


def _expand(
    value: str,
    own: Mapping[str, str | None],
    lookup: Mapping[str, str],
    shown: str,
    lineno: int,
) -> str:
    env = {**lookup, **{k: v for k, v in own.items() if v is not None}}
    try:
        return substitute(value, env)
    except TemplateError as exc:
        raise SpecError(
            str(exc),
            file=shown,
            line=lineno,
            hint="write `$$` for a literal `$`; variables look like ${NAME}",
        ) from None
