"""``uv.lock``: the pinned packages one target environment needs, runtime and dev apart.

The lock is a graph: the project's own entry (``source = { virtual/editable = "." }``)
lists its dependencies, its extras and its dependency groups; every package lists its own
dependencies, each with an optional environment marker and extras. Walking that graph
from the project's dependencies, with markers evaluated for the image's Python and
platform, gives exactly what ``uv export --no-dev`` would; walking it again from the dev
groups gives what the dev target adds. Where the lock holds several versions of one
package (forked resolutions), the one asked for by version or whose
``resolution-markers`` hold is taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dockdjango.detection.dependencies.groups import Resolved, split_groups
from dockdjango.detection.dependencies.markers import Target, marker_holds
from dockdjango.detection.dependencies.requirements import normalize_name
from dockdjango.detection.dependencies.wheeltags import wheel_fits
from dockdjango.errors import DockdjangoError

_ROOT_SOURCES = ("virtual", "editable")


def resolve_uv_lock(
    lock: Mapping[str, Any],
    pyproject: Mapping[str, Any],
    target: Target,
    *,
    groups: tuple[str, ...] = (),
    where: str = "uv.lock",
) -> Resolved:
    """The runtime and dev requirements ``lock`` pins for ``target``."""
    packages = [p for p in lock.get("package", []) if isinstance(p, dict)]
    by_name: dict[str, list[dict[str, Any]]] = {}
    for pkg in packages:
        by_name.setdefault(normalize_name(str(pkg.get("name", ""))), []).append(pkg)
    roots = [p for p in packages if _is_root(p)]
    if not roots:
        raise DockdjangoError(
            f'{where}: no entry for the project itself (source = {{ virtual = "." }} or '
            '{ editable = "." })',
            hint="run `uv lock` to regenerate the lock file",
        )
    root = roots[0]
    out = Resolved()
    walker = _Walker(by_name, target, where)
    runtime_deps = list(root.get("dependencies", []))
    group_deps = root.get("dev-dependencies", {}) or {}
    uv_table = ((pyproject.get("tool") or {}).get("uv") or {}) if pyproject else {}
    default_groups = _default_groups(uv_table, list(group_deps))
    runtime_groups, dev_groups, skipped = split_groups(
        list(group_deps), chosen=groups, default_dev=default_groups
    )
    for name in runtime_groups:
        runtime_deps += list(group_deps[name])
    dev_deps = [d for name in dev_groups for d in group_deps[name]]
    runtime = walker.walk(runtime_deps)
    everything = walker.walk(runtime_deps + dev_deps)
    out.runtime = [_line(p) for p in runtime if not _is_root(p)]
    out.dev = [_line(p) for p in everything if p not in runtime and not _is_root(p)]
    out.runtime_groups, out.dev_groups, out.skipped_groups = runtime_groups, dev_groups, skipped
    out.dropped = sorted(walker.dropped)
    out.from_source = [
        normalize_name(str(p["name"])) for p in everything if _builds_from_source(p, target)
    ]
    out.wheels_known = True
    members = [str(p.get("name")) for p in roots[1:]]
    if members:
        out.notes.append(f"{where}: workspace members {', '.join(members)} are not installed")
    return out


def _builds_from_source(pkg: Mapping[str, Any], target: Target) -> bool:
    if _is_root(pkg) or not pkg.get("sdist"):
        return False
    names = [str(w.get("url", "")).rsplit("/", 1)[-1] for w in pkg.get("wheels", []) or []]
    return wheel_fits(names, target) is not True


def _is_root(pkg: Mapping[str, Any]) -> bool:
    source = pkg.get("source") or {}
    return isinstance(source, dict) and any(source.get(k) == "." for k in _ROOT_SOURCES)


def _default_groups(uv_table: Mapping[str, Any], names: list[str]) -> tuple[str, ...]:
    value = uv_table.get("default-groups", ["dev"])
    if value == "all":
        return tuple(names)
    return tuple(str(v) for v in value) if isinstance(value, list) else ("dev",)


class _Walker:
    """Depth-first walk of the lock graph with markers evaluated for one target."""

    def __init__(self, by_name: dict[str, list[dict[str, Any]]], target: Target, where: str):
        self.by_name = by_name
        self.target = target
        self.where = where
        self.dropped: set[str] = set()

    def walk(self, deps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        extras_done: set[tuple[int, str]] = set()
        stack = list(deps)
        while stack:
            dep = stack.pop()
            name = normalize_name(str(dep.get("name", "")))
            if not marker_holds(dep.get("marker"), self.target, where=f"{self.where}: {name}"):
                self.dropped.add(name)
                continue
            pkg = self._pick(name, dep.get("version"))
            if pkg is None:
                continue
            if not any(p is pkg for p in seen):
                seen.append(pkg)
                stack.extend(pkg.get("dependencies", []) or [])
            for extra in dep.get("extra", []) or []:
                key = (id(pkg), str(extra))
                if key not in extras_done:
                    extras_done.add(key)
                    stack.extend(((pkg.get("optional-dependencies") or {}).get(extra)) or [])
        return sorted(seen, key=lambda p: normalize_name(str(p.get("name", ""))))

    def _pick(self, name: str, version: object) -> dict[str, Any] | None:
        candidates = self.by_name.get(name, [])
        if version is not None:
            candidates = [p for p in candidates if str(p.get("version")) == str(version)] or (
                candidates
            )
        if len(candidates) > 1:
            fitting = [
                p
                for p in candidates
                if any(
                    marker_holds(m, self.target, where=f"{self.where}: {name}")
                    for m in p.get("resolution-markers", []) or [""]
                )
            ]
            candidates = fitting or candidates
        return candidates[0] if candidates else None


def _line(pkg: Mapping[str, Any]) -> str:
    """The pip requirement that installs exactly this locked package."""
    name = str(pkg.get("name"))
    version = str(pkg.get("version", ""))
    source = pkg.get("source") or {}
    if "git" in source:
        url, _, commit = str(source["git"]).partition("#")
        base = url.split("?", 1)[0]
        return f"{name} @ git+{base}@{commit}" if commit else f"{name} @ git+{base}"
    if "url" in source:
        return f"{name} @ {source['url']}"
    for key in ("path", "directory", "editable"):
        if key in source:
            # pip takes a local path as it is (relative to where it runs: the project root)
            path = Path(str(source[key])).as_posix()
            return path if path.startswith(("/", ".")) else f"./{path}"
    return f"{name}=={version}" if version else name
