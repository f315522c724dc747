"""``Pipfile`` and ``Pipfile.lock``: pipenv's packages and dev-packages.

With a lock, its ``default`` section is what the runtime image installs and ``develop``
what the dev target adds (``pipenv install --dev``); markers are evaluated for the image.
Without a lock, the Pipfile's own ``[packages]``/``[dev-packages]`` are installed as
declared (``"*"`` means any version) and dockdjango says that nothing pins them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dockdjango.detection.dependencies.groups import Resolved
from dockdjango.detection.dependencies.markers import Target, marker_holds
from dockdjango.errors import DockdjangoError

#: Pipfile keys that restrict a package to some platforms, as PEP 508 marker variables.
_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_system",
    "python_version",
    "platform_python_implementation",
)


def read_pipfile_lock(path: Path) -> dict[str, Any]:
    """The lock's JSON; an error naming the line when it is not valid JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DockdjangoError(
            f"{path.name}:{exc.lineno}: not valid JSON: {exc.msg}",
            hint="regenerate it with `pipenv lock`",
        ) from None
    if not isinstance(data, dict):
        raise DockdjangoError(f"{path.name}: not a Pipfile.lock (expected a JSON object)")
    return data


def resolve_pipfile_lock(
    lock: Mapping[str, Any], target: Target, *, where: str = "Pipfile.lock"
) -> Resolved:
    """Runtime (``default``) and dev (``develop``) requirements for ``target``."""
    out = Resolved(runtime_groups=["default"], dev_groups=["develop"])
    runtime = _section(lock.get("default") or {}, target, where, out.dropped)
    dev = _section(lock.get("develop") or {}, target, where, out.dropped)
    out.runtime = runtime
    out.dev = [line for line in dev if line not in runtime]
    return out


def resolve_pipfile(
    pipfile: Mapping[str, Any], target: Target, *, where: str = "Pipfile"
) -> Resolved:
    """Requirements straight from a Pipfile without a lock (versions as declared)."""
    out = Resolved(runtime_groups=["packages"], dev_groups=["dev-packages"])
    out.runtime = _section(pipfile.get("packages") or {}, target, where, out.dropped)
    out.dev = _section(pipfile.get("dev-packages") or {}, target, where, out.dropped)
    out.notes.append(
        f"{where} has no Pipfile.lock: versions are installed as the Pipfile declares them "
        "(run `pipenv lock` to pin them)"
    )
    return out


def pipfile_python(pipfile: Mapping[str, Any]) -> str | None:
    """``[requires] python_version`` (or ``python_full_version``), if any."""
    requires = pipfile.get("requires") or pipfile.get("_meta", {}).get("requires") or {}
    value = requires.get("python_full_version") or requires.get("python_version")
    return str(value) if value else None


def _section(
    entries: Mapping[str, Any], target: Target, where: str, dropped: list[str]
) -> list[str]:
    lines = []
    for name, spec in sorted(entries.items()):
        line, marker = _entry(name, spec)
        if not marker_holds(marker, target, where=f"{where}: {name}"):
            dropped.append(name)
            continue
        lines.append(line)
    return lines


def _entry(name: str, spec: Any) -> tuple[str, str | None]:
    """(pip requirement, marker) for one Pipfile / Pipfile.lock entry."""
    if isinstance(spec, str):
        return (name if spec in ("*", "") else f"{name}{_version(spec)}"), None
    if not isinstance(spec, dict):
        return name, None
    extras = spec.get("extras") or []
    head = f"{name}[{','.join(extras)}]" if extras else name
    markers = [str(spec["markers"])] if spec.get("markers") else []
    markers += [f"{key} {_op(spec[key])}" for key in _MARKER_KEYS if key in spec]
    marker = " and ".join(f"({m})" for m in markers) if markers else None
    if spec.get("git"):
        ref = spec.get("ref")
        url = str(spec["git"])
        url = url if url.startswith("git+") else f"git+{url}"
        return f"{head} @ {url}" + (f"@{ref}" if ref else ""), marker
    if spec.get("path"):
        path = str(spec["path"])
        return (path if path.startswith(("/", ".")) else f"./{path}"), marker
    if spec.get("file"):
        return f"{head} @ {spec['file']}", marker
    version = spec.get("version", "*")
    return (head if version in ("*", "") else f"{head}{_version(str(version))}"), marker


def _version(spec: str) -> str:
    return spec if spec[:1] in "<>=!~" else f"=={spec}"


def _op(value: Any) -> str:
    # Pipfile writes `sys_platform = "== 'linux'"`; a bare value means equality
    text = str(value).strip()
    return text if text[:1] in "<>=!~" else f"== {text!r}"
