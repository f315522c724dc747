"""The layers hold: who may import whom, ``docker`` only in the engine, no import circles;
and the rooms inside them stay findable: small folders, unique module names, each package
saying what lives there and what it may import.

Read from the source with ``ast`` (nothing is imported), so the rules see every import:
at module level, inside functions, and under ``if TYPE_CHECKING:`` (marked as such).
A floor is the first package under ``dockdjango`` (its rooms, the sub-packages, belong to
it). The picture and the reasons are in docs/architecture.md.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import dockdjango

PACKAGE = Path(dockdjango.__file__).parent

#: layer -> the layers of ours it may import (itself always). ``errors`` is the one
#: module every layer may use; ``dockdjango`` itself is imported only for ``__version__``.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "compose": {"errors"},
    "detection": {"compose", "errors"},
    "images": {"compose", "detection", "errors"},
    "cluster": {"compose", "errors"},
    "engine": {"compose", "detection", "images", "cluster", "errors", "dockdjango"},
    "api": {"engine", "compose", "detection", "images", "cluster", "errors", "dockdjango"},
    "cli": {"api", "errors"},
    "pytest_plugin": {"api", "errors"},
    "dockdjango": set(),  # the package itself names its exports as strings, lazily
    "__main__": {"cli"},
}


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, and whether only for type checking."""

    module: str  # dockdjango.api.stack.stack
    target: str  # dockdjango.engine.up.converge, or docker
    line: int
    type_only: bool

    def __str__(self) -> str:
        kind = " (TYPE_CHECKING)" if self.type_only else ""
        return f"{self.module}:{self.line} imports {self.target}{kind}"


def _module_name(path: Path) -> str:
    parts = ["dockdjango", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "dockdjango"


def _is_submodule(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative).is_dir()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports() -> list[Import]:
    """Every import in the package, resolved to the module it loads."""
    found: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _type_checking_lines(tree)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from dockdjango.compose import graph` loads the submodule graph
                subs = [f"{node.module}.{a.name}" for a in node.names]
                targets = [s for s in subs if s.startswith("dockdjango.") and _is_submodule(s)]
                if len(targets) < len(subs):
                    targets.append(node.module)
            for target in targets:
                found.append(Import(module, target, node.lineno, node.lineno in typing_only))
    return found


def test_the_walk_sees_the_whole_package() -> None:
    found = imports()
    layers = {_layer(i.module) for i in found}
    floors = {"compose", "detection", "images", "cluster", "engine", "api", "cli"}
    assert floors | {"pytest_plugin"} <= layers
    assert len({i.module for i in found}) > 80
    # the rooms are walked too, not only the floors' top folders
    assert {"dockdjango.engine.up.converge", "dockdjango.detection.dependencies.declared"} <= {
        i.module for i in found
    }


def test_each_layer_imports_only_the_layers_below_it() -> None:
    offenders = [
        str(i)
        for i in imports()
        if i.target.split(".")[0] == "dockdjango"
        and _layer(i.target) != _layer(i.module)
        and _layer(i.target) not in ALLOWED[_layer(i.module)]
    ]
    assert not offenders, "\n".join(offenders)


def test_docker_is_imported_only_by_the_engine() -> None:
    """At run time only ``engine/`` imports ``docker`` (and ``requests``, its transport);
    ``api/`` may name the client's type for annotations; the pure packages, the CLI and
    the plugin never mention it."""
    offenders = []
    for i in imports():
        if i.target.split(".")[0] not in ("docker", "requests"):
            continue
        layer = _layer(i.module)
        if layer == "engine" or (layer == "api" and i.type_only):
            continue
        offenders.append(str(i))
    assert not offenders, "\n".join(offenders)


def test_cli_and_plugin_never_import_pytest_or_the_api_imports_no_pytest() -> None:
    """pytest belongs to the plugin package alone: the Python API works without it."""
    offenders = [
        str(i)
        for i in imports()
        if i.target.split(".")[0] in ("pytest", "_pytest") and _layer(i.module) != "pytest_plugin"
    ]
    assert not offenders, "\n".join(offenders)


def _graph(*, type_only: bool) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (``TYPE_CHECKING`` imports if asked)."""
    graph: dict[str, set[str]] = {}
    for i in imports():
        if i.target.startswith("dockdjango") and (type_only or not i.type_only):
            if i.target != i.module:
                graph.setdefault(i.module, set()).add(i.target)
    # a package's own __init__ importing its submodules is how packages work: left out
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not module.startswith(t + ".")}
    return graph


def test_no_import_circle_in_the_package() -> None:
    """No module reaches itself through imports made at run time (module level or inside
    functions)."""
    circles = _cycles(_graph(type_only=False))
    assert not circles, "\n".join(" -> ".join([*c, c[0]]) for c in circles)


def test_no_import_circle_even_for_type_checking() -> None:
    """Counting ``TYPE_CHECKING`` imports too, no circle: a module that needs another's
    type only for annotations still reads as depending on it (``Stack``'s helpers take
    the ``RunningStack`` protocol; ``include`` takes a loader callback, as ``extends``
    does)."""
    circles = _cycles(_graph(type_only=True))
    assert not circles, "\n".join(" -> ".join([*c, c[0]]) for c in circles)


def _folders() -> dict[Path, list[Path]]:
    """Each folder of the package -> its modules (``__init__.py`` included)."""
    folders: dict[Path, list[Path]] = {}
    for path in PACKAGE.rglob("*.py"):
        folders.setdefault(path.parent, []).append(path)
    return folders


def test_no_folder_holds_more_than_20_modules() -> None:
    """A floor that grows past 20 modules wants rooms (sub-packages)."""
    crowded = {
        str(folder.relative_to(PACKAGE.parent)): len(modules)
        for folder, modules in _folders().items()
        if len(modules) > 20
    }
    assert not crowded, crowded


def test_every_module_name_is_unique() -> None:
    """No two modules a reader could confuse share a name (``__init__.py`` aside)."""
    seen: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name not in ("__init__.py", "__main__.py"):
            seen.setdefault(path.stem, []).append(str(path.relative_to(PACKAGE.parent)))
    shared = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not shared, shared


def test_every_package_says_what_lives_there_and_what_it_may_import() -> None:
    """Each ``__init__.py`` opens with a docstring naming its contents and its imports."""
    silent = []
    for folder in _folders():
        init = folder / "__init__.py"
        assert init.is_file(), f"{folder} is a folder of modules without an __init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if len(doc.split()) < 25 or "import" not in doc:
            silent.append(str(init.relative_to(PACKAGE.parent)))
    assert not silent, silent


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
