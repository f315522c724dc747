"""Files a project expects the user to copy from an example before it runs: found, never made.

dockdjango cannot guess what a user should put in a configuration file, but it can say
which copy the project asks for, and where it says so. A step is reported only while its
target is missing, from four readings:

- **the docs**: a ``cp EXAMPLE TARGET`` in README*, CONTRIBUTING*, INSTALL* or docs/
  (following a ``cd`` in the same code block), or prose naming an example file and the
  name to give it (``download `.env.sample`, rename it to `.env```);
- **the settings**: an import of a module that does not exist (``from .local import *``,
  ``importlib.import_module("proj.configuration")``) for which an example exists
  (``local.py.example``, ``configuration.example.py``, ``localsettings.template.py``);
- **the settings package**: an example settings module beside the one chosen
  (``settings/config.py.dev.example``);
- **the compose file**: an ``env_file`` of its Django service that is missing while its
  example is there (``env.d/development/common.dist``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dockdjango.detection.django_settings.env_reads import env_reads
from dockdjango.detection.django_settings.pysource import parsed
from dockdjango.detection.layout import SKIP_DIRS, module_file

#: what example copies are called: ``X.example``, ``X.py.example``, ``X.example.py``...
_EXAMPLE = re.compile(
    r"^(?P<stem>.+)\.(?:example|sample|dist|template|tmpl|default|orig)(?P<ext>\.[a-z]{2,4})?$"
)
_VARIANT = re.compile(r"^(?P<base>.+)\.(?:dev|development|local|prod|production)$")
_CP = re.compile(r"^\s*(?:[$#>]\s*)?(?:sudo\s+)?cp\s+(?:-\w+\s+)*(?P<src>\S+)\s+(?P<dst>\S+)\s*$")
_CD = re.compile(r"^\s*(?:[$#>]\s*)?cd\s+(?P<dir>\S+)\s*$")
_CODE_SPAN = re.compile(r"``?([^`\s]+)``?")
_DOC_NAMES = ("README", "CONTRIBUTING", "INSTALL", "DEVELOPER", "DEVELOPMENT", "SETUP")


@dataclass(frozen=True)
class SetupStep:
    """A copy the project asks for: the command, where it is named, and why."""

    source: str  # relative to the root
    target: str
    #: ``docs/setup.md:130``, or what shows the need (``settings imports X``)
    where: str
    #: False when the project runs without it (an optional ``try: from .local import *``)
    required: bool = True
    #: True when the code shows the need (the settings import the file, or only the
    #: example sets SECRET_KEY), not only the docs: Django cannot start without it
    shown_by_code: bool = False

    @property
    def command(self) -> str:
        """``cp peering_manager/configuration.example.py peering_manager/configuration.py``"""
        return f"cp {self.source} {self.target}"

    def describe(self) -> str:
        """One line for the user."""
        need = "" if self.required else ", optional"
        return f"{self.command}  ({self.where}{need}; dockdjango does not make it)"

    @property
    def blocks(self) -> bool:
        """True when Django cannot start until the copy is made (so ``up`` refuses)."""
        return self.required and self.shown_by_code

    def refusal(self) -> tuple[str, str]:
        """(the one-line error, the hint) of ``up`` while the copy is not made."""
        return (
            f"{self.target} must be made first: {self.where} (a step of the project's own "
            "setup; dockdjango does not make it)",
            f"run `{self.command}` (and edit it as the project's docs say), then `dockdjango up`",
        )


def example_for(target: Path, root: Path) -> Path | None:
    """An example of ``target`` beside it (``configuration.example.py``, ``.env.sample``), or
    elsewhere in the project under the same name (``development/localsettings.template.py``)."""
    stem = target.name.split(".")[0] or "." + target.name.split(".")[1]
    for path in sorted(target.parent.glob(f"{stem}*")) if target.parent.is_dir() else []:
        if target.name in example_targets(path.name):
            return path
    for path in _walk(root, depth=3):
        if path.name.startswith(stem) and target.name in example_targets(path.name):
            return path
    return None


def find_setup_steps(
    root: Path,
    app_dir: Path,
    settings: str | None,
    settings_files: Iterable[Path],
    env_files: Iterable[str] = (),
) -> tuple[SetupStep, ...]:
    """Every step whose target is missing, the docs' wording first, each copy once."""
    found: dict[str, SetupStep] = {}
    readings = (
        _from_docs(root, app_dir),
        _from_imports(root, app_dir, settings_files),
        _from_settings_package(root, app_dir, settings),
        _from_env_files(root, env_files),
    )
    for reading in readings:
        for step in reading:
            if step.target not in found and not (root / step.target).exists():
                found[step.target] = step  # one example per file to make
    return tuple(found.values())


def example_targets(name: str) -> set[str]:
    """What an example file is the example of: ``configuration.py`` for
    ``configuration.example.py``, ``.env`` for ``.env.sample``, ``config.py`` (or
    ``config.py.dev``) for ``config.py.dev.example``; empty for a name that is no example."""
    m = _EXAMPLE.match(name)
    if not m:
        return set()
    stem, ext = m.group("stem"), m.group("ext") or ""
    variant = _VARIANT.match(stem)
    return {stem + ext} | ({variant.group("base") + ext} if variant else set())


# -- the docs ----------------------------------------------------------------------------
def _docs(root: Path, app_dir: Path) -> Iterator[Path]:
    for folder in dict.fromkeys((root, app_dir)):
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name.upper().startswith(_DOC_NAMES):
                yield path
    docs = root / "docs"
    if docs.is_dir():
        yield from (p for p in _walk(docs, depth=4) if p.suffix in (".md", ".rst", ".txt"))


def _from_docs(root: Path, app_dir: Path) -> Iterator[SetupStep]:
    """Every ``cp`` of the docs first, then the prose (a command says it more exactly)."""
    prose: list[SetupStep] = []
    for doc in _docs(root, app_dir):
        where = doc.relative_to(root).as_posix()
        folder = Path(".")
        lines = doc.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            if line.strip().startswith(("```", "~~~", ".. code")):
                folder = Path(".")  # a new block starts where the project is
            cd = _CD.match(line)
            if cd:
                folder = folder / cd.group("dir")
            cp = _CP.match(line)
            if cp:
                step = _copy(root, folder, cp.group("src"), cp.group("dst"), f"{where}:{number}")
                if step:
                    yield step
            else:
                prose += _prose(root, line, f"{where}:{number}")
    yield from prose


def _copy(root: Path, folder: Path, src: str, dst: str, where: str) -> SetupStep | None:
    source = (root / folder / src).resolve()
    target = (root / folder / dst).resolve()
    if target.is_dir():
        target = target / source.name
    try:
        rel_src = source.relative_to(root.resolve()).as_posix()
        rel_dst = target.relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    if not source.is_file():
        return None
    return SetupStep(rel_src, rel_dst, where)


def _prose(root: Path, line: str, where: str) -> Iterator[SetupStep]:
    spans = _CODE_SPAN.findall(line)
    for example in spans:
        names = example_targets(Path(example).name)
        for target in spans:
            if Path(target).name not in names:
                continue
            target_path = root / target
            source = root / example
            if not source.is_file():
                source = target_path.parent / Path(example).name
            if source.is_file():
                rel = source.resolve().relative_to(root.resolve()).as_posix()
                yield SetupStep(rel, Path(target).as_posix(), where)


# -- the settings --------------------------------------------------------------------------
def _from_imports(root: Path, app_dir: Path, read: Iterable[Path]) -> Iterator[SetupStep]:
    files = list(read)
    for path in files:
        tree = parsed(path) if path.suffix == ".py" else None
        if tree is None:
            continue
        module = _module_of(app_dir, path)
        for name, optional in _imported(tree, module):
            top = app_dir / name.split(".")[0]
            if not (top.is_dir() or top.with_suffix(".py").is_file()):
                continue  # not the project's own module (os, django...)
            if module_file(app_dir, name) is not None:
                continue
            target = app_dir.joinpath(*name.split(".")).with_suffix(".py")
            example = example_for(target, root)
            if example is not None:
                # optional to Python, but Django refuses to start without a SECRET_KEY
                secret = _sets_secret(example) and not any(map(_sets_secret, files))
                yield SetupStep(
                    example.relative_to(root).as_posix(),
                    target.relative_to(root).as_posix(),
                    f"{path.relative_to(root).as_posix()} imports {name}"
                    + (" if it exists; only the example sets SECRET_KEY" if secret else ""),
                    required=not optional or secret,
                    shown_by_code=True,
                )


def _sets_secret(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    return re.search(r"^\s*SECRET_KEY\s*=", text, re.M) is not None


def _module_of(app_dir: Path, path: Path) -> str:
    try:
        parts = path.relative_to(app_dir).with_suffix("").parts
    except ValueError:
        return ""
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.Module, module: str) -> Iterator[tuple[str, bool]]:
    """(module, optional) for the imports and ``import_module`` calls of a settings file."""
    package = module.rpartition(".")[0]
    literals = _names_to_literals(tree)
    for node, optional in _walk_tried(tree.body, False):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = (
                package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            )
            yield ".".join([p for p in base if p] + [node.module]), optional
        elif isinstance(node, ast.Import):
            yield from ((a.name, optional) for a in node.names)
        for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if name == "import_module" and call.args:
                arg = call.args[0]
                text = arg.value if isinstance(arg, ast.Constant) else None
                text = literals.get(arg.id) if isinstance(arg, ast.Name) else text
                if isinstance(text, str):
                    yield text, optional


def _walk_tried(body: list[ast.stmt], optional: bool) -> Iterator[tuple[ast.stmt, bool]]:
    for stmt in body:
        if isinstance(stmt, ast.Try):
            quiet = all(all(isinstance(s, ast.Pass) for s in h.body) for h in stmt.handlers)
            yield from _walk_tried(stmt.body, optional or quiet)
        elif isinstance(stmt, ast.If):
            yield from _walk_tried([*stmt.body, *stmt.orelse], optional)
        else:
            yield stmt, optional


def _names_to_literals(tree: ast.Module) -> dict[str, str]:
    """``name = "x.y"`` or ``name = os.getenv("X", "x.y")`` at the top of a file."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if not isinstance(target, ast.Name):
                continue
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                out[target.id] = node.value.value
            for _, default in env_reads(node.value):
                if default:
                    out[target.id] = default
    return out


def _from_settings_package(root: Path, app_dir: Path, settings: str | None) -> Iterator[SetupStep]:
    path = module_file(app_dir, settings) if settings else None
    if path is None or "settings" not in path.parent.name:
        return  # a settings package's folder, not any package holding a settings.py
    folder = path.parent
    examples = sorted(folder.iterdir(), key=lambda p: (".prod" in p.name, p.name))
    for example in examples:
        names = [n for n in example_targets(example.name) if re.fullmatch(r"\w+\.py", n)]
        if names and example.is_file():
            target = folder / names[0]
            module = ".".join(target.relative_to(app_dir).with_suffix("").parts)
            yield SetupStep(
                example.relative_to(root).as_posix(),
                target.relative_to(root).as_posix(),
                f"an example settings module beside {settings} (then --settings {module})",
                required=False,
            )


def _from_env_files(root: Path, env_files: Iterable[str]) -> Iterator[SetupStep]:
    for name in env_files:
        target = root / name
        if target.exists():
            continue
        example = example_for(target, root)
        if example is not None:
            yield SetupStep(
                example.relative_to(root).as_posix(),
                target.relative_to(root).as_posix(),
                f"the compose file's env_file {name}",
            )


def _walk(base: Path, depth: int) -> Iterator[Path]:
    """Files under ``base`` down to ``depth`` levels, skipping trees not the project's."""
    if depth < 0 or not base.is_dir():
        return
    for path in sorted(base.iterdir()):
        if path.is_dir():
            if path.name not in SKIP_DIRS - {"docs"} and not path.name.startswith("."):
                yield from _walk(path, depth - 1)
        elif path.is_file():
            yield path
