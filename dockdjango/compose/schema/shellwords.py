"""A ``command``/``entrypoint`` string split into words the way Compose splits it.

Compose does not split like a POSIX shell (nor like `shlex`): ``$(...)`` and backquoted
text stay one word with their quotes inside; a backslash escapes any character, also
between double quotes; ``(`` is only allowed right after ``$``; only space, tab, CR and
LF separate words. And where a shell would see an operator (``;``, ``&``, ``|``, ``<``,
``>`` outside quotes) Compose silently drops the rest of the line (and a ``2`` before
``>``). dockdjango reads words exactly as Compose does, but refuses such a cut, which
would run another command than the one written.
"""

from __future__ import annotations

from dataclasses import dataclass

_SPACE = frozenset(" \t\r\n")
_CUT = frozenset(";&|<>")


class CommandSyntaxError(ValueError):
    """Unbalanced quotes, backquotes or ``$(...)``, or a ``(`` not after ``$``."""


@dataclass(frozen=True)
class Words:
    """The words Compose reads, and where it stops reading (None: the whole line)."""

    words: list[str]
    cut_at: int | None = None


def split_words(line: str) -> Words:
    """Split ``line`` as Compose does; `CommandSyntaxError` where Compose fails."""
    words: list[str] = []
    buf = ""
    got = escaped = double = single = backquote = dollar = False
    cut_at = None
    for i, char in enumerate(line):
        if escaped:
            buf, escaped, got = buf + char, False, True
            continue
        if char == "\\":
            if single:
                buf += char
            else:
                escaped = True
            continue
        if char in _SPACE:
            if single or double or backquote or dollar:
                buf += char
            elif got:
                words.append(buf)
                buf, got = "", False
            continue
        if char == "`" and not (single or double or dollar):
            backquote = not backquote
        elif char == ")" and not (single or double or backquote):
            dollar = not dollar
        elif char == "(" and not (single or double or backquote):
            if dollar or not buf.endswith("$"):
                raise CommandSyntaxError(f"'(' at column {i + 1} does not follow '$'")
            dollar, buf = True, buf + char
            continue
        elif char == '"' and not (single or dollar):
            got = got or double
            double = not double
            continue
        elif char == "'" and not (double or dollar):
            got = got or single
            single = not single
            continue
        elif char in _CUT and not (single or double or backquote or dollar):
            if char == ">" and buf[:1].isdigit() and buf[:1].isascii():
                got = False  # `2>` : the descriptor is dropped with the rest
            cut_at = i
            break
        got, buf = True, buf + char
    if got:
        words.append(buf)
    for open_, what in (
        (escaped, "a trailing backslash"),
        (single, "an unclosed '"),
        (double, 'an unclosed "'),
        (backquote, "an unclosed `"),
        (dollar, "an unbalanced $( )"),
    ):
        if open_:
            raise CommandSyntaxError(what)
    return Words(words, cut_at)
