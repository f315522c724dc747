"""The interpolate stage: ``$VAR``, ``${VAR}`` and the shell-style modifiers, in every value.

Supported, as in Compose: ``$VAR``, ``${VAR}``, ``${VAR:-default}`` (unset or empty),
``${VAR-default}`` (unset), ``${VAR:?message}`` / ``${VAR?message}`` (an error naming the
field), ``${VAR:+replacement}`` / ``${VAR+replacement}``, and ``$$`` for a literal ``$``.
Defaults and replacements may themselves contain ``${...}``. Keys are not interpolated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dockdjango.compose.loader.tree import Origin, Seq, Tree, spec_error

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TemplateError(ValueError):
    """A malformed ``${...}`` or an unset required variable (message says which)."""

    def __init__(self, message: str, *, required: bool = False) -> None:
        super().__init__(message)
        self.required = required


def substitute(text: str, env: Mapping[str, str]) -> str:
    """``text`` with every variable replaced from ``env``; `TemplateError` when malformed."""
    if "$" not in text:
        return text
    out, _ = _expand(text, 0, env, stop_at_brace=False)
    return out


def _expand(text: str, pos: int, env: Mapping[str, str], *, stop_at_brace: bool) -> tuple[str, int]:
    """Expand from ``pos``; inside a default (``stop_at_brace``) stop at the closing brace."""
    parts: list[str] = []
    n = len(text)
    while pos < n:
        ch = text[pos]
        if stop_at_brace and ch == "}":
            return "".join(parts), pos
        if ch != "$":
            nxt = text.find("$", pos)
            end = n if nxt < 0 else nxt
            if stop_at_brace:
                brace = text.find("}", pos, end)
                if brace >= 0:
                    end = brace
            parts.append(text[pos:end])
            pos = end
            continue
        if pos + 1 >= n:
            parts.append("$")  # a lone trailing `$` is kept, as Compose does
            pos += 1
            continue
        follow = text[pos + 1]
        if follow == "$":
            parts.append("$")
            pos += 2
        elif follow == "{":
            value, pos = _braced(text, pos + 2, env)
            parts.append(value)
        else:
            m = _NAME.match(text, pos + 1)
            if m:
                parts.append(env.get(m.group(0), ""))
                pos = m.end()
            else:  # `$1`, `$ `: not a variable; Compose keeps the `$`
                parts.append("$")
                pos += 1
    if stop_at_brace:
        raise TemplateError(f"invalid template: {text!r} (missing `}}`)")
    return "".join(parts), pos


def _braced(text: str, pos: int, env: Mapping[str, str]) -> tuple[str, int]:
    """Expand ``${...}`` whose name starts at ``pos``; return (value, position after `}`)."""
    m = _NAME.match(text, pos)
    if not m:
        raise TemplateError(f"invalid template: {text!r}")
    name = m.group(0)
    pos = m.end()
    if pos >= len(text):
        raise TemplateError(f"invalid template: {text!r} (missing `}}`)")
    if text[pos] == "}":
        return env.get(name, ""), pos + 1
    op = text[pos]
    colon = op == ":"
    if colon:
        pos += 1
        op = text[pos : pos + 1]
    if op not in ("-", "?", "+"):
        raise TemplateError(f"invalid template: {text!r}")
    arg, pos = _expand(text, pos + 1, env, stop_at_brace=True)
    pos += 1  # the closing brace
    value = env.get(name)
    present = value is not None and (value != "" or not colon)
    if op == "-":
        return (value if present else arg) or "", pos  # type: ignore[return-value]
    if op == "+":
        return (arg if present else ""), pos
    if not present:
        detail = arg or f"variable {name} is {'unset or empty' if colon else 'unset'}"
        raise TemplateError(f"required variable {name} is missing a value: {detail}", required=True)
    return value or "", pos


class _Recording(dict[str, str]):
    """The environment, noting variables looked up without a default (``$X``, ``${X}``)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env)
        self.unset: list[str] = []

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if default is not None and name not in self:
            self.unset.append(name)
        return super().get(name, default)


def interpolate(
    tree: Tree, env: Mapping[str, str], *, path: str = "", warnings: list[str] | None = None
) -> Tree:
    """The stage: a new tree with every string value substituted (``tree`` is not changed).

    Variables used without a default and not set are reported in ``warnings`` (as Compose
    warns), each naming file, line and field."""
    out = _walk(tree, _Recording(env), path, warnings if warnings is not None else [])
    assert isinstance(out, Tree)
    return out


def _walk(node: Tree | Seq, env: _Recording, path: str, warnings: list[str]) -> Tree | Seq:
    out: Tree | Seq
    if isinstance(node, Tree):
        out = Tree(origin=node.origin)
        out.origins = dict(node.origins)
        out.resets, out.overrides = set(node.resets), set(node.overrides)
    else:
        out = Seq(origin=node.origin)
        out.origins = list(node.origins)
    items: Any = node.items() if isinstance(node, Tree) else enumerate(node)
    for key, value in items:
        sub = _join(path, key, isinstance(node, Seq))
        if isinstance(value, str) and "$" in value:
            value = _one(value, env, node.where(key), sub, warnings)
        elif isinstance(value, Tree | Seq):
            value = _walk(value, env, sub, warnings)
        if isinstance(out, Tree):
            out[key] = value
        else:
            out.append(value)
    return out


def _one(value: str, env: _Recording, origin: Origin | None, path: str, warnings: list[str]) -> str:
    try:
        env.unset.clear()
        out = substitute(value, env)
        for name in dict.fromkeys(env.unset):
            where = f"{origin.file}:{origin.line}: " if origin else ""
            warnings.append(f'{where}{path}: variable {name} is not set, using ""')
        return out
    except TemplateError as exc:
        hint = (
            "set it in the environment or in the project's .env file"
            if exc.required
            else "write `$$` for a literal `$`; variables look like $NAME or ${NAME:-default}"
        )
        raise spec_error(str(exc), origin, path, hint=hint) from None


def _join(path: str, key: Any, index: bool) -> str:
    if index:
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)
