"""Which environment variables a project's ``ALLOWED_HOSTS`` and ``CSRF_TRUSTED_ORIGINS`` come
from, so the dev server can answer on ``localhost``/``127.0.0.1`` too.

Pure: the settings files (those :mod:`.settings_scan` found, in the
order Django runs them) are parsed, never run. Recognised, for either setting:

- a list read from one variable: ``os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",")``
  (also inside a comprehension), ``env.list("ALLOWED_HOSTS", default=[...])``,
  ``config("ALLOWED_HOSTS", cast=Csv())``;
- one host per variable: ``ALLOWED_HOSTS = [os.environ.get("DOMAIN")]``.

The generated compose file's dev service (never the image, never the runtime target) then
adds this machine's names to what the project gives -- the variable from the shell or the
project's ``.env`` (Compose interpolates both), else the default the settings name -- and
detection says so. A one-host variable is only filled in when nothing gives it a value.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from dockdjango.detection.django_settings.env_reads import dotted as _dotted
from dockdjango.detection.django_settings.env_reads import literal as _literal
from dockdjango.detection.django_settings.pysource import parsed

#: The settings whose values name this machine for the dev server.
SETTINGS = ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
#: What the dev server adds to ALLOWED_HOSTS (``up`` prints 127.0.0.1 URLs).
LOCAL_HOSTS = ("localhost", "127.0.0.1")
_READERS = {"os.environ.get", "os.getenv", "environ.get", "getenv", "os.environ.setdefault"}
_LIST_METHODS = {"env.list", "env.tuple"}


@dataclass(frozen=True)
class HostVariable:
    """One environment variable a host setting is read from."""

    #: ``ALLOWED_HOSTS`` or ``CSRF_TRUSTED_ORIGINS``
    setting: str
    variable: str
    #: how the settings split the value (``,`` or `` ``); None: the variable is one host
    separator: str | None
    #: what the settings use when the variable is unset ("" when nothing)
    default: str
    #: ``settings.py:28``
    where: str

    def additions(self, port: str) -> tuple[str, ...]:
        """What the dev server adds: host names, or origins on the published ``port``."""
        if self.setting == "CSRF_TRUSTED_ORIGINS":
            return tuple(f"http://{host}:{port}" for host in LOCAL_HOSTS)
        return LOCAL_HOSTS

    def compose_value(self, given: str | None = None, port: str = "8000") -> str:
        """The dev service's value, as compose text: this machine's names, then the
        variable (from the shell or ``.env``) or else ``given`` (the project's compose
        file) or the settings' default. No empty item, whichever is set."""
        fallback = _escaped(given if given is not None else self.default)
        if self.separator is None:
            return f"${{{self.variable}:-{fallback or LOCAL_HOSTS[1]}}}"
        sep = self.separator
        mine = sep.join(self.additions(port))  # port: compose text (${WEB_PORT:-8000})
        if fallback:
            return f"{mine}{sep}${{{self.variable}:-{fallback}}}"
        return f"{mine}${{{self.variable}:+{sep}}}${{{self.variable}}}"

    def note(self, port: str = "8000") -> str:
        """One line for detection's assumptions: what the dev server does, and where."""
        if self.separator is None:
            return (
                f"{self.setting} holds the one host {self.variable} names ({self.where}): "
                f"the dev server sets {self.variable}=127.0.0.1 when nothing else does"
            )
        added = " and ".join(self.additions(port))
        return (
            f"{self.setting} is read from {self.variable} ({self.where}): the dev server "
            f"adds {added} to it (the runtime image is left as it is)"
        )


def _escaped(text: str) -> str:
    """A literal inside compose interpolation: ``$`` doubled, braces left out."""
    return text.replace("$", "$$").replace("}", "")


def host_variables(app_dir: Path, files: list[str]) -> list[HostVariable]:
    """The host variables the settings ``files`` (relative to ``app_dir``, in run order) read,
    each variable once."""
    out: dict[str, HostVariable] = {}
    for rel in files:
        tree = parsed(app_dir / rel)
        if tree is None:
            continue
        assigned = _assignments(tree)
        for name, value, line in assigned:
            if name not in SETTINGS:
                continue
            # ALLOWED_HOSTS = DOMAINS, with DOMAINS read from the environment above it
            if isinstance(value, ast.Name):
                value = next((v for n, v, _ in assigned if n == value.id), value)
            found = _read(name, value, f"{rel}:{line}")
            if found is not None:
                out.setdefault(found.variable, found)
    return list(out.values())


def _assignments(tree: ast.AST) -> list[tuple[str, ast.expr, int]]:
    """(name, value, line) of every ``NAME = value`` in the file, in source order."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out += [(t.id, node.value, node.lineno) for t in targets if isinstance(t, ast.Name)]
    return sorted(out, key=lambda item: item[2])


def _read(setting: str, value: ast.expr, where: str) -> HostVariable | None:
    """The variable ``value`` reads the setting's list from, and how (see the docstring)."""
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        func = _dotted(node.func)
        # X.split(sep): X reads the variable
        if isinstance(node.func, ast.Attribute) and node.func.attr == "split":
            read = _env_read(node.func.value)
            if read is not None:
                sep = _literal(node.args[0]) if node.args else None
                return HostVariable(setting, read[0], (sep or " ").strip() or " ", read[1], where)
        read = _env_read(node)
        if read is not None and (func in _LIST_METHODS or _casts_to_list(node)):
            sep = _csv_delimiter(node) or ","
            return HostVariable(setting, read[0], sep, _list_default(node, sep), where)
    if isinstance(value, ast.List | ast.Tuple) and len(value.elts) == 1:
        read = _env_read(value.elts[0])
        if read is not None:
            return HostVariable(setting, read[0], None, read[1], where)
    return None


def _env_read(node: ast.AST) -> tuple[str, str] | None:
    """(variable, its literal default or "") when ``node`` reads one environment variable."""
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("os.environ", "environ"):
        name = _literal(node.slice)
        return (name, "") if name else None
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = _dotted(node.func)
    name = _literal(node.args[0])
    if not name or not name.isupper():
        return None
    reader = func in _READERS or func in ("env", "config") or func.startswith("env.")
    if not reader:
        return None
    default = _literal(node.args[1]) if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "default":
            default = _literal(kw.value)
    return name, default or ""


def _casts_to_list(call: ast.Call) -> bool:
    """``config("X", cast=Csv())``, ``env("X", cast=list)``."""
    for kw in call.keywords:
        if kw.arg != "cast":
            continue
        if isinstance(kw.value, ast.Call) and _dotted(kw.value.func).endswith("Csv"):
            return True
        if isinstance(kw.value, ast.Name) and kw.value.id in ("list", "tuple"):
            return True
    return False


def _csv_delimiter(call: ast.Call) -> str | None:
    for kw in call.keywords:
        if kw.arg == "cast" and isinstance(kw.value, ast.Call):
            for inner in kw.value.keywords:
                if inner.arg == "delimiter":
                    return _literal(inner.value)
    return None


def _list_default(call: ast.Call, sep: str) -> str:
    """``default=["a", "b"]`` (or a string) as the variable's text: ``a,b``."""
    for kw in call.keywords:
        if kw.arg == "default":
            if isinstance(kw.value, ast.List | ast.Tuple):
                items = [_literal(e) for e in kw.value.elts]
                return sep.join(i for i in items if i)
            return _literal(kw.value) or ""
    if len(call.args) > 1 and isinstance(call.args[1], ast.List | ast.Tuple):
        items = [_literal(e) for e in call.args[1].elts]
        return sep.join(i for i in items if i)
    return ""
