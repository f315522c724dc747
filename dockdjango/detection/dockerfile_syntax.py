"""Reading a Dockerfile into instructions: keywords, flags, arguments, line numbers.

Pure. Handles comments, line continuations (with the ``# escape=`` directive), flags such as
``--from=`` and ``--chown=``, stage names, and ``ARG`` before the first ``FROM`` (evaluated
before any stage). Heredoc bodies (``RUN <<EOT``) are kept with their instruction (only newer
engines' frontends accept them; see :mod:`dockdjango.images.frontend`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from dockdjango.errors import BuildError

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword, flags, arguments and text as the engine prints it."""

    line: int
    keyword: str
    args: str
    flags: dict[str, str] = field(default_factory=dict)
    #: The instruction as written (continuation lines joined).
    text: str = ""

    def words(self) -> list[str]:
        """Arguments as a list: the JSON form when given, else split on whitespace."""
        stripped = self.args.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
                if isinstance(value, list):
                    return [str(v) for v in value]
            except json.JSONDecodeError:
                pass
        return stripped.split()


def parse_dockerfile(text: str, name: str = "Dockerfile") -> list[Instruction]:
    """The instructions of a Dockerfile, in order. Raises :class:`BuildError` on bad syntax."""
    escape = "\\"
    lines = text.splitlines()
    # Parser directives are only honoured at the very top, before any other line.
    for raw in lines:
        m = _DIRECTIVE.match(raw.strip())
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)
    out: list[Instruction] = []
    buf: list[str] = []
    start = 0
    heredoc: list[str] = []  # terminators still to read, in order
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if heredoc:
            # A heredoc body belongs to the instruction above it, verbatim.
            out[-1] = _with_body(out[-1], raw)
            if stripped == heredoc[0]:
                heredoc.pop(0)
            continue
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and (not stripped or stripped.startswith("#")):
            continue  # blank and comment lines inside a continued instruction are dropped
        if not buf:
            start = number
        if stripped.endswith(escape) and not stripped.endswith(escape * 2):
            buf.append(raw.rstrip()[:-1])
            continue
        buf.append(raw)
        out.append(_instruction(" ".join(b.strip() for b in buf if b.strip()), start, buf, name))
        buf = []
        if out[-1].keyword in ("RUN", "COPY", "ADD"):
            heredoc = [m.group(3) for m in _HEREDOC.finditer(out[-1].args)]
    if buf:
        out.append(_instruction(" ".join(b.strip() for b in buf if b.strip()), start, buf, name))
    if not any(i.keyword == "FROM" for i in out):
        raise BuildError(
            f"{name}: no FROM instruction", hint="a Dockerfile starts with FROM <image>"
        )
    return out


def _with_body(ins: Instruction, line: str) -> Instruction:
    args, text = ins.args + "\n" + line, ins.text + "\n" + line
    return Instruction(ins.line, ins.keyword, args, ins.flags, text)


def _instruction(joined: str, line: int, parts: list[str], name: str) -> Instruction:
    keyword, _, rest = joined.partition(" ")
    keyword = keyword.upper()
    if not re.fullmatch(r"[A-Z]+", keyword):
        raise BuildError(f"{name}:{line}: cannot read instruction {keyword!r}")
    flags: dict[str, str] = {}
    rest = rest.strip()
    while rest.startswith("--") and keyword not in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
        flag, _, rest = rest.partition(" ")
        key, _, value = flag[2:].partition("=")
        flags[key] = value
        rest = rest.strip()
    # The instruction as written, continuations joined with the whitespace of the original
    # lines (each continued line keeps its leading indent).
    original = "".join(parts).strip()
    return Instruction(line=line, keyword=keyword, args=rest, flags=flags, text=original)


def expand(text: str, env: dict[str, str]) -> str:
    """Substitute ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alt}`` from ``env``."""
    return _VAR.sub(lambda m: _repl_fixed(m, env), text) if "$" in text else text


def _repl_fixed(m: re.Match[str], env: dict[str, str]) -> str:
    if m.group(1):
        value = env.get(m.group(1), "")
        op, word = m.group(2), m.group(3) or ""
        if op == "-":
            return value or word
        if op == "+":
            return word if value else ""
        return value
    return env.get(m.group(4), "")


def split_assignments(args: str) -> list[tuple[str, str]]:
    """``ENV``/``LABEL``/``ARG`` arguments as (name, value) pairs (``K=V ...`` or ``K V``)."""
    words = _shell_words(args)
    if words and "=" not in words[0]:
        if len(words) == 1:
            return [(words[0], "")]  # ARG NAME without default
        return [(words[0], " ".join(words[1:]))]
    pairs = []
    for w in words:
        key, _, value = w.partition("=")
        pairs.append((key, value))
    return pairs


def _shell_words(text: str) -> list[str]:
    words: list[str] = []
    cur = ""
    quote = ""
    i = 0
    in_word = False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(text):
                i += 1
                cur += text[i]
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
            in_word = True
        elif ch == "\\" and i + 1 < len(text):
            i += 1
            cur += text[i]
            in_word = True
        elif ch.isspace():
            if in_word:
                words.append(cur)
                cur, in_word = "", False
        else:
            cur += ch
            in_word = True
        i += 1
    if in_word:
        words.append(cur)
    return words


def run_mounts(args: str) -> list[dict[str, str]]:
    """The ``--mount=k=v,...`` options at the start of a RUN's arguments."""
    mounts = []
    for word in args.split():
        if not word.startswith("--"):
            break
        if word.startswith("--mount="):
            opts: dict[str, str] = {}
            for part in word[len("--mount=") :].split(","):
                key, _, value = part.partition("=")
                opts[key.strip().lower()] = value.strip()
            mounts.append(opts)
    return mounts
