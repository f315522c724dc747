"""Class-based settings (django-configurations), read without running them.

A settings module of classes (``class Development(Base)``) is one module with many
configurations; ``DJANGO_CONFIGURATION`` picks one. What the chosen class and its bases
assign is what Django gets, and each ``values.Value(...)`` reads an environment variable:
``environ_name`` with ``environ_prefix`` (``DJANGO`` unless said otherwise), or the
attribute's own name with that prefix (``SECRET_KEY = values.SecretValue()`` reads
``DJANGO_SECRET_KEY``).
"""

from __future__ import annotations

import ast

_PREFIX = "DJANGO"


def class_bodies(tree: ast.Module, name: str) -> list[ast.stmt]:
    """The statements of class ``name`` and of its bases defined in the same module, bases
    first (what a subclass assigns comes later and wins)."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    out: list[ast.stmt] = []
    seen: set[str] = set()

    def visit(cls: ast.ClassDef) -> None:
        if cls.name in seen:
            return
        seen.add(cls.name)
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                visit(classes[base.id])
        out.extend(cls.body)

    if name in classes:
        visit(classes[name])
    return out


def is_value_call(node: ast.AST) -> bool:
    """True for ``values.Value(...)``, ``values.SecretValue()``, ``DatabaseURLValue(...)``."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    owner = func.value if isinstance(func, ast.Attribute) else None
    from_values = isinstance(owner, ast.Name) and owner.id == "values"
    return name.endswith("Value") and (from_values or name != "Value")


def value_default(call: ast.Call) -> str | None:
    """The literal default of a ``values.*Value`` call (its first argument or ``default=``)."""
    for node in [*call.args[:1], *(k.value for k in call.keywords if k.arg == "default")]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
    return None


def value_reads(tree: ast.AST) -> list[tuple[int, int, str, str | None]]:
    """(line, column, variable, literal default) for every ``values.*Value`` in ``tree``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            attr = next((t.id for t in targets if isinstance(t, ast.Name)), None)
            call = node.value
            if isinstance(call, ast.Call) and is_value_call(call) and not _named(call):
                variable = _variable(call, attr)
                if variable:
                    out.append((node.lineno, node.col_offset, variable, value_default(call)))
        if isinstance(node, ast.Call) and is_value_call(node) and _named(node):
            variable = _variable(node, None)
            if variable:
                out.append((node.lineno, node.col_offset, variable, value_default(node)))
    return out


def _named(call: ast.Call) -> bool:
    return any(k.arg == "environ_name" for k in call.keywords)


def _variable(call: ast.Call, attr: str | None) -> str | None:
    keywords = {k.arg: k.value for k in call.keywords}
    if keywords.get("environ") is not None and _constant(keywords["environ"]) is False:
        return None
    name = _constant(keywords.get("environ_name")) or attr
    if not isinstance(name, str):
        return None
    prefix = _constant(keywords["environ_prefix"]) if "environ_prefix" in keywords else _PREFIX
    return f"{prefix}_{name}" if isinstance(prefix, str) and prefix else name


def _constant(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None
