"""Sizes a reader can hold in mind: modules of at most 400 lines, functions of at most 60.

Read from the source with ``ast`` (nothing imported). A module over the limit is usually
two ideas; a function over it, several steps that want names (docs/architecture.md).
`PENDING` lists what is still over, each with why it waits: it only shrinks. An entry that
no longer applies is reported as a warning (not a failure: the branch that splits a
function need not know of this list), to be taken out.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import dockdjango

PACKAGE = Path(dockdjango.__file__).parent
MODULE_LINES = 400
FUNCTION_LINES = 60

#: "path" (a module) or "path:function" -> why it is over the limit for now. Files owned
#: by another branch in flux are split once that branch has landed, so the two changes
#: do not collide (see the report of issue 21).
PENDING: dict[str, str] = {
}


def _sizes() -> tuple[dict[str, int], dict[str, int]]:
    """(module -> lines, "module:function" -> lines), for every module of the package."""
    modules: dict[str, int] = {}
    functions: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        modules[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                key = f"{name}:{node.name}"
                functions[key] = max(length, functions.get(key, 0))
    return modules, functions


def test_modules_and_functions_stay_small() -> None:
    modules, functions = _sizes()
    over = [f"{m}: {n} lines" for m, n in modules.items() if n > MODULE_LINES]
    over += [f"{f}: {n} lines" for f, n in functions.items() if n > FUNCTION_LINES]
    new = [line for line in over if line.split(": ")[0] not in PENDING]
    assert not new, "over the limit (split it, see docs/architecture.md):\n" + "\n".join(new)


def test_every_pending_entry_is_still_over_the_limit() -> None:
    modules, functions = _sizes()
    sizes = {**modules, **functions}
    limit = {key: MODULE_LINES if ":" not in key else FUNCTION_LINES for key in PENDING}
    done = [key for key in PENDING if sizes.get(key, 0) <= limit[key]]
    if done:
        warnings.warn(f"no longer over the limit, take them out of PENDING: {done}", stacklevel=1)
