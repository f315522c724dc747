"""A Django project's migrations, read from its files alone (no Django, no import).

Django loads every module of an app's ``migrations`` package whose name does not start
with ``_`` or ``~``; the app's label is its ``AppConfig.label`` (``label = "..."`` in
``apps.py``), else the package's last name. A squashed migration lists what it
``replaces``: Django records those as applied too, so they are known names as well.

Apps installed from packages (``django.contrib.auth``, third-party apps) live in
site-packages, in the image, and are not read here: callers compare only the labels found.
Read in milliseconds (Oscar's 134 migrations: ~40 ms), cheap enough for every ``up``.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Directories never holding the project's own apps
SKIP = {
    ".git", ".hg", ".venv", "venv", "env", "node_modules", "site-packages", "__pycache__",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", "build", "dist", "static", "media",
}  # fmt: skip
_LABEL = re.compile(r"^\s+label\s*=\s*['\"](\w+)['\"]", re.M)


@dataclass
class CodeMigrations:
    """``{app label: {migration name, ...}}`` and what squashed migrations replace."""

    apps: dict[str, set[str]] = field(default_factory=dict)
    #: (app, squashed name) -> the (app, name) pairs it replaces
    replaces: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)

    def known(self, app: str) -> set[str]:
        """Names of ``app`` the code knows: its files and what their squashes replace."""
        names = set(self.apps.get(app, ()))
        for replaced in self.replaces.values():
            names |= {name for label, name in replaced if label == app}
        return names

    def count(self) -> int:
        """How many migration files."""
        return sum(len(names) for names in self.apps.values())


def app_label(app_dir: Path) -> str:
    """The label Django gives the app in ``app_dir``."""
    apps = app_dir / "apps.py"
    if apps.is_file():
        found = _LABEL.search(apps.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
    return app_dir.name


def replaced(path: Path, app: str) -> list[tuple[str, str]]:
    """What the migration in ``path`` replaces (``[]`` unless it is a squash)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if "replaces" not in text:
        return []
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "replaces" for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return []
            return [(str(a), str(n)) for a, n in value if a and n]
    return []


def scan_migrations(root: str | Path) -> CodeMigrations:
    """Every migration of the apps under ``root``."""
    found = CodeMigrations()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP and not d.startswith("."))
        if os.path.basename(dirpath) != "migrations" or "__init__.py" not in filenames:
            continue
        directory = Path(dirpath)
        label = app_label(directory.parent)
        names = found.apps.setdefault(label, set())
        for filename in filenames:
            stem, ext = os.path.splitext(filename)
            if ext != ".py" or stem.startswith(("_", "~")):
                continue
            names.add(stem)
            squashed = replaced(directory / filename, label)
            if squashed:
                found.replaces[(label, stem)] = squashed
    return found
