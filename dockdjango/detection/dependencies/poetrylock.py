"""``poetry.lock``: the pinned packages a target environment needs, from pyproject's groups.

Poetry's lock format 1.x marks each package ``category = "main"|"dev"``, format 2.0 (Poetry
1.5-1.8) marks nothing, 2.1 (Poetry 2) lists ``groups``. Rather than trust any of these,
the lock is walked as a graph from the dependencies pyproject.toml declares for each group
(``[tool.poetry.dependencies]`` or ``[project.dependencies]`` for the runtime image, the
other groups for the dev target), following each package's own dependencies, markers and
Python constraints evaluated for the image's Python. Optional dependencies are followed
only through the extras that ask for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from dockdjango.detection.dependencies.groups import Resolved, split_groups
from dockdjango.detection.dependencies.markers import Target, marker_holds
from dockdjango.detection.dependencies.requirements import normalize_name
from dockdjango.detection.dependencies.wheeltags import wheel_fits

Dep = tuple[str, frozenset[str]]  # (normalised name, extras)


def poetry_groups(pyproject: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Group name -> dependency entries declared in pyproject.toml (``main`` first).

    Optional groups (``[tool.poetry.group.docs] optional = true``) are not installed by
    ``poetry install`` and are left out.
    """
    tool = (pyproject.get("tool") or {}).get("poetry") or {}
    groups: dict[str, list[Any]] = {"main": []}
    project = pyproject.get("project") or {}
    for text in project.get("dependencies", []) or []:
        groups["main"].append(str(text))
    for name, spec in (tool.get("dependencies") or {}).items():
        if name.lower() != "python":
            groups["main"].append((name, spec))
    legacy = tool.get("dev-dependencies") or {}
    if legacy:
        groups.setdefault("dev", []).extend(legacy.items())
    for gname, table in (tool.get("group") or {}).items():
        if isinstance(table, dict) and not table.get("optional", False):
            groups.setdefault(gname, []).extend((table.get("dependencies") or {}).items())
    for gname, entries in (pyproject.get("dependency-groups") or {}).items():
        groups.setdefault(gname, []).extend(str(e) for e in entries if isinstance(e, str))
    return groups


def resolve_poetry_lock(
    lock: Mapping[str, Any],
    pyproject: Mapping[str, Any],
    target: Target,
    *,
    groups: tuple[str, ...] = (),
    where: str = "poetry.lock",
) -> Resolved:
    """The runtime and dev requirements ``lock`` pins for ``target``."""
    declared = poetry_groups(pyproject)
    names = [g for g in declared if g != "main"]
    runtime_groups, dev_groups, skipped = split_groups(names, chosen=groups)
    walker = _Walker(lock, target, where)
    roots = [d for g in ["main", *runtime_groups] for d in _roots(declared[g], target, where)]
    dev_roots = [d for g in dev_groups for d in _roots(declared[g], target, where)]
    runtime = walker.walk(roots)
    everything = walker.walk(roots + dev_roots)
    out = Resolved(
        runtime=[_line(p) for p in runtime],
        dev=[_line(p) for p in everything if all(p is not r for r in runtime)],
        runtime_groups=runtime_groups,
        dev_groups=dev_groups,
        skipped_groups=skipped,
        dropped=sorted(walker.dropped),
        from_source=[
            normalize_name(str(p["name"])) for p in everything if _sdist_only(p, lock, target)
        ],
    )
    out.wheels_known = True
    for pkg in everything:
        source = pkg.get("source") or {}
        if source.get("type") == "legacy":
            out.notes.append(
                f"{where}: {pkg.get('name')} comes from the index {source.get('url')}; pip "
                "needs it as --extra-index-url"
            )
    return out


def _sdist_only(pkg: Mapping[str, Any], lock: Mapping[str, Any], target: Target) -> bool:
    files = pkg.get("files")
    if files is None:  # lock format 1.x keeps them under [metadata.files]
        files = ((lock.get("metadata") or {}).get("files") or {}).get(str(pkg.get("name")), [])
    names = [str(f.get("file", "")) for f in files or [] if isinstance(f, dict)]
    if not names or (pkg.get("source") or {}).get("type") in ("git", "directory", "file", "url"):
        return False
    return wheel_fits(names, target) is not True


def poetry_constraint_holds(constraint: str, version: str) -> bool:
    """Whether ``version`` satisfies a Poetry constraint (``^3.9``, ``~3.8``, ``>=3.6,<4``,
    ``3.8.*``, ``<3.9 || >=3.10``, ``*``)."""
    try:
        v = Version(version)
    except InvalidVersion:
        return True
    for alternative in constraint.split("||"):
        atoms = [a.strip() for a in re.split(r"[,\s]+(?=[<>=!~^*\d])", alternative) if a.strip()]
        if all(_atom_holds(a, v) for a in atoms):
            return True
    return False


def poetry_specifier(constraint: str) -> str:
    """A Poetry constraint as a PEP 440 specifier (``^1.2`` -> ``>=1.2,<2``)."""
    out = []
    for atom in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", constraint.strip()):
        if not atom or atom == "*":
            continue
        if atom.startswith("^"):
            lower = atom[1:]
            out.append(f">={lower},<{_caret_upper(lower)}")
        elif atom.startswith("~") and not atom.startswith("~="):
            lower = atom[1:]
            parts = lower.split(".")
            upper = f"{parts[0]}.{int(parts[1]) + 1}" if len(parts) > 1 else f"{int(parts[0]) + 1}"
            out.append(f">={lower},<{upper}")
        elif atom[0].isdigit():
            out.append(f"=={atom}")
        else:
            out.append(atom)
    return ",".join(out)


def _caret_upper(lower: str) -> str:
    parts = [int(p) if p.isdigit() else 0 for p in lower.split(".")]
    for i, part in enumerate(parts):
        if part != 0 or i == len(parts) - 1:
            bumped = parts[:i] + [part + 1]
            return ".".join(str(p) for p in bumped)
    return str(parts[0] + 1)


def _atom_holds(atom: str, version: Version) -> bool:
    if atom in ("*", ""):
        return True
    spec = poetry_specifier(atom)
    try:
        return version in SpecifierSet(spec) if spec else True
    except InvalidSpecifier:
        return True


def _roots(entries: list[Any], target: Target, where: str) -> list[Dep]:
    """The (name, extras) a group asks for, markers and Python constraints applied."""
    out: list[Dep] = []
    for entry in entries:
        if isinstance(entry, str):
            try:
                req = Requirement(entry)
            except InvalidRequirement:
                continue
            marker = str(req.marker) if req.marker else None
            if marker_holds(marker, target, where=f"{where}: {req.name}"):
                out.append((normalize_name(req.name), frozenset(req.extras)))
            continue
        name, spec = entry
        for item in spec if isinstance(spec, list) else [spec]:
            if isinstance(item, dict):
                if item.get("optional") and not item.get("markers"):
                    continue  # installed only through one of the project's extras
                if not _applies(item, target, where, name):
                    continue
                out.append((normalize_name(name), frozenset(item.get("extras", []) or [])))
                break
            out.append((normalize_name(name), frozenset()))
            break
    return out


def _applies(spec: Mapping[str, Any], target: Target, where: str, name: str) -> bool:
    python = spec.get("python")
    if python and not poetry_constraint_holds(str(python), target.python_full):
        return False
    markers = spec.get("markers")
    if isinstance(markers, dict):  # lock 2.1: markers per group
        markers = " or ".join(f"({m})" for m in markers.values()) if markers else None
    return marker_holds(markers, target, where=f"{where}: {name}")


class _Walker:
    def __init__(self, lock: Mapping[str, Any], target: Target, where: str):
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for pkg in lock.get("package", []) or []:
            if isinstance(pkg, dict):
                self.by_name.setdefault(normalize_name(str(pkg.get("name"))), []).append(pkg)
        self.target = target
        self.where = where
        self.dropped: set[str] = set()

    def walk(self, roots: list[Dep]) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        done: set[tuple[int, str]] = set()
        stack = list(roots)
        while stack:
            name, extras = stack.pop()
            pkg = self._pick(name)
            if pkg is None:
                continue
            first = all(p is not pkg for p in seen)
            if first:
                seen.append(pkg)
            wanted = {"": first} | {e: (id(pkg), e) not in done for e in extras}
            for extra, todo in wanted.items():
                if not todo:
                    continue
                if extra:
                    done.add((id(pkg), extra))
                stack.extend(self._children(pkg, extra))
        return sorted(seen, key=lambda p: normalize_name(str(p.get("name"))))

    def _children(self, pkg: Mapping[str, Any], extra: str) -> list[Dep]:
        deps = pkg.get("dependencies") or {}
        if extra:
            wanted = {
                normalize_name(re.split(r"[\s(<>=!~\[;]", str(item), maxsplit=1)[0])
                for item in (pkg.get("extras") or {}).get(extra, [])
            }
        out: list[Dep] = []
        for dname, spec in deps.items():
            key = normalize_name(dname)
            for item in spec if isinstance(spec, list) else [spec]:
                optional = isinstance(item, dict) and bool(item.get("optional"))
                if (extra and key not in wanted) or (not extra and optional):
                    break
                if isinstance(item, dict) and not _applies(item, self.target, self.where, key):
                    self.dropped.add(key)
                    continue
                found = item.get("extras", []) if isinstance(item, dict) else []
                out.append((key, frozenset(found or [])))
                break
        return out

    def _pick(self, name: str) -> dict[str, Any] | None:
        candidates = self.by_name.get(name, [])
        for pkg in candidates:
            if _applies(pkg, self.target, self.where, name):
                return pkg
        return candidates[0] if candidates else None


def _line(pkg: Mapping[str, Any]) -> str:
    name = str(pkg.get("name"))
    version = str(pkg.get("version", ""))
    source = pkg.get("source") or {}
    kind = source.get("type")
    if kind == "git":
        ref = source.get("resolved_reference") or source.get("reference") or ""
        return f"{name} @ git+{source.get('url')}" + (f"@{ref}" if ref else "")
    if kind == "url":
        return f"{name} @ {source.get('url')}"
    if kind in ("directory", "file"):
        path = str(source.get("url"))
        return path if path.startswith(("/", ".")) else f"./{path}"
    return f"{name}=={version}"
