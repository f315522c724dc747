"""Django projects without a ``manage.py``: run through a console script of their package.

Some projects (ralph) declare console scripts (``dev_ralph = ralph.__main__:dev``) that
set ``DJANGO_SETTINGS_MODULE`` and call ``execute_from_command_line``; they exist once the
package is installed. dockdjango runs a ``manage.py``, so such a project is not detected
as a site; :func:`console_script_site` finds the script, the function and the settings it
uses, so that the refusal names them and the one file that would make it run.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dockdjango.detection.layout import settings_from_source


@dataclass(frozen=True)
class ScriptSite:
    """A console script that runs Django's command line."""

    script: str  # dev_ralph
    target: str  # ralph.__main__:dev
    manifest: str  # setup.py
    #: the file the target's module is in, relative to the root
    module_file: str
    settings: str | None = None

    @property
    def manage_py(self) -> str:
        """Where a manage.py calling the target would go: beside the top package."""
        top = self.target.split(":")[0].split(".")[0]
        parts = Path(self.module_file).parts
        folder = Path(*parts[: parts.index(top)]) if top in parts else Path()
        return (folder / "manage.py").as_posix()

    def problem(self) -> tuple[str, str]:
        """(message, hint): why it is not detected, and the one file that fixes it."""
        module, _, func = self.target.partition(":")
        settings = f", settings {self.settings}" if self.settings else ""
        message = (
            f"no manage.py: this project runs Django through the console script "
            f"{self.script} ({self.manifest}: {self.target}{settings}), which dockdjango "
            "does not run"
        )
        hint = (
            f"create {self.manage_py} containing `from {module} import {func}; {func}()` "
            "(dockdjango runs it as manage.py), or pass another with --manage"
        )
        return message, hint


def console_script_site(root: Path) -> ScriptSite | None:
    """The console script that runs Django, a development one first, or None."""
    found = []
    for manifest, scripts in _declared_scripts(root):
        for name, target in scripts:
            module, _, func = target.partition(":")
            path = _module_path(root, module)
            if path is None or not func:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if "execute_from_command_line" not in text and "DJANGO_SETTINGS_MODULE" not in text:
                continue
            rel = path.relative_to(root).as_posix()
            found.append(ScriptSite(name, target, manifest, rel, _settings_of(text, func)))
    found.sort(key=lambda s: not re.search(r"dev|local", s.script))
    return found[0] if found else None


def _declared_scripts(root: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    if (root / "setup.py").is_file():
        out.append(("setup.py", _setup_py_scripts(root / "setup.py")))
    if (root / "setup.cfg").is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
            text = parser.get("options.entry_points", "console_scripts", fallback="")
        except configparser.Error:
            text = ""
        out.append(("setup.cfg", _pairs(text.splitlines())))
    if (root / "pyproject.toml").is_file():
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        scripts = (data.get("project") or {}).get("scripts") or {}
        pairs = [(str(k), str(v)) for k, v in scripts.items()] if isinstance(scripts, dict) else []
        out.append(("pyproject.toml", pairs))
    return out


def _setup_py_scripts(path: Path) -> list[tuple[str, str]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=False):
                if isinstance(key, ast.Constant) and key.value == "console_scripts":
                    items = value.elts if isinstance(value, ast.List | ast.Tuple) else []
                    texts = [e.value for e in items if isinstance(e, ast.Constant)]
                    return _pairs(str(t) for t in texts)
    return []


def _pairs(lines: object) -> list[tuple[str, str]]:
    out = []
    for line in lines:  # type: ignore[attr-defined]
        name, sep, target = str(line).partition("=")
        if sep and name.strip() and target.strip():
            out.append((name.strip(), target.strip().split()[0]))
    return out


def _module_path(root: Path, module: str) -> Path | None:
    for base in (root, root / "src"):
        path = base.joinpath(*module.split("."))
        for candidate in (path.with_suffix(".py"), path / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _settings_of(text: str, func: str) -> str | None:
    """The settings module the function passes on (``main('ralph.settings.dev')``) or sets."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == func:
            for inner in ast.walk(node):
                value = inner.value if isinstance(inner, ast.Constant) else None
                if isinstance(value, str) and re.fullmatch(r"[\w.]*settings[\w.]*", value):
                    if value != "DJANGO_SETTINGS_MODULE":
                        return value
    return settings_from_source(text)
