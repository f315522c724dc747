"""`dockdjango.compose` is pure: it imports neither `docker` nor any of our other packages."""

from __future__ import annotations

import ast
from pathlib import Path

import dockdjango.compose

ALLOWED_OURS = {"dockdjango.errors"}


def test_spec_imports_only_errors_from_dockdjango_and_never_docker() -> None:
    package = Path(dockdjango.compose.__file__).parent
    offenders = []
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                ours = name.startswith("dockdjango.") and not name.startswith("dockdjango.compose")
                if top == "docker" or (ours and name not in ALLOWED_OURS) or name == "dockdjango":
                    offenders.append(f"{module.name}: {name}")
    assert not offenders, offenders
    assert len(list(package.glob("*.py"))) > 10  # the walk really saw the package
