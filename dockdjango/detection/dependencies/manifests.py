"""Dependencies declared without a lock: PEP 621 ``[project]``, setup.py and setup.cfg.

- **pyproject.toml** ``[project.dependencies]`` go to the runtime image;
  ``[dependency-groups]`` (PEP 735, with ``{include-group = ...}``), uv's and PDM's
  dev-dependencies to the dev target, sorted by :mod:`dockdjango.detection.dependencies.groups`.
- **setup.py** is read, never run: a literal ``install_requires=[...]`` list, or -- the
  common pattern of building that list from requirements files -- the requirements files
  it names (``open("requirements/base.txt")``), read in order.
- **setup.cfg** ``[options] install_requires``.
"""

from __future__ import annotations

import ast
import configparser
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dockdjango.detection.dependencies.groups import Resolved, split_groups
from dockdjango.detection.dependencies.markers import Target, marker_holds
from dockdjango.detection.dependencies.requirements import (
    read_requirements,
    requirement_extras,
    requirement_marker,
    requirement_name,
)


def resolve_pep621(
    pyproject: Mapping[str, Any],
    target: Target,
    *,
    groups: tuple[str, ...] = (),
    where: str = "pyproject.toml",
) -> Resolved:
    """Runtime and dev requirements as pyproject.toml declares them (versions unpinned)."""
    project = pyproject.get("project") or {}
    declared = dependency_groups(pyproject)
    runtime_groups, dev_groups, skipped = split_groups(list(declared), chosen=groups)
    out = Resolved(runtime_groups=runtime_groups, dev_groups=dev_groups, skipped_groups=skipped)
    runtime = [str(d) for d in project.get("dependencies", []) or []]
    runtime += [d for g in runtime_groups for d in declared[g]]
    dev = list(dict.fromkeys(d for g in dev_groups for d in declared[g] if d not in runtime))
    out.runtime = _applicable(runtime, target, where, out.dropped)
    out.dev = _applicable(dev, target, where, out.dropped)
    return out


def dependency_groups(pyproject: Mapping[str, Any]) -> dict[str, list[str]]:
    """Group -> requirement strings, from PEP 735 groups and uv/PDM dev-dependencies."""
    raw = dict(pyproject.get("dependency-groups") or {})
    tool = pyproject.get("tool") or {}
    uv_dev = (tool.get("uv") or {}).get("dev-dependencies")
    if uv_dev:
        raw.setdefault("dev", []).extend(uv_dev)
    for name, entries in ((tool.get("pdm") or {}).get("dev-dependencies") or {}).items():
        raw.setdefault(name, []).extend(entries)
    return {name: _expand(name, raw, set()) for name in raw}


def _expand(name: str, raw: Mapping[str, Any], seen: set[str]) -> list[str]:
    if name in seen:
        return []
    seen.add(name)
    out: list[str] = []
    for entry in raw.get(name, []) or []:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and entry.get("include-group"):
            out += _expand(str(entry["include-group"]), raw, seen)
    return out


def _applicable(lines: list[str], target: Target, where: str, dropped: list[str]) -> list[str]:
    out = []
    for line in lines:
        holds = marker_holds(
            requirement_marker(line),
            target,
            frozenset(requirement_extras(line)),
            where=f"{where}: {line}",
        )
        if holds:
            out.append(line)
        else:
            dropped.append(requirement_name(line) or line)
    return out


def setup_py_requirements(root: Path) -> tuple[list[str], list[str]] | None:
    """(requirement lines, files they came from) of a setup.py, or None if unreadable."""
    path = root / "setup.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires":
            if isinstance(node.value, ast.List | ast.Tuple):
                items = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
                if len(items) == len(node.value.elts):
                    return [str(i) for i in items], ["setup.py"]
    files: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.endswith(".txt") and (root / text).is_file() and text not in files:
                files.append(text)
    if not files:
        return None
    lines: list[str] = []
    read: list[str] = ["setup.py"]
    for name in files:
        found = read_requirements(root / name, root=root)
        lines += [r.text for r in found.lines if r.text not in lines]
        for f in found.files:
            rel = f.relative_to(root.resolve()).as_posix()
            if rel not in read:
                read.append(rel)
    return lines, read


def setup_cfg_requirements(root: Path) -> list[str] | None:
    """``[options] install_requires`` of setup.cfg, or None."""
    path = root / "setup.cfg"
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return None
    value = parser.get("options", "install_requires", fallback="")
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    return lines or None
