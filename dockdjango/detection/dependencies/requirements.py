"""Requirement lines and requirements files, as pip reads them.

``read_requirements`` follows ``-r``/``-c`` includes (relative to the including file),
joins continuation lines, drops comments and keeps pip's options (``--index-url``...)
apart from the requirements. Every requirement keeps the file and line it came from, so
an error can name them. Names are normalised as PEP 503 says (``Zope.Interface`` ->
``zope-interface``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from dockdjango.detection.dependencies.markers import Target, marker_holds
from dockdjango.errors import DockdjangoError

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s+|\s*=\s*|(?=\S))(\S+)$")
_EDITABLE = re.compile(r"^(-e|--editable)(?:\s+|\s*=\s*)(\S.*)$")
#: Options that may sit in a requirements file and concern where packages come from.
INDEX_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-index",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
)


def normalize_name(name: str) -> str:
    """PEP 503 normalised project name: ``Zope.Interface`` -> ``zope-interface``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    """The normalised project name of one requirement line, or None for options/paths.

    ``pkg @ https://...`` and ``git+https://...#egg=pkg`` give ``pkg``.
    """
    line = line.split(" #", 1)[0].strip()
    if not line or line.startswith("#"):
        return None
    if line.startswith("-"):
        edit = _EDITABLE.match(line)
        egg = _EGG.search(edit.group(2)) if edit else None
        return normalize_name(egg.group(1)) if egg else None
    head = line.split(";", 1)[0]
    if "://" in head.split("@", 1)[0] or head.startswith((".", "/")):
        egg = _EGG.search(head)
        return normalize_name(egg.group(1)) if egg else None
    m = _NAME.match(line)
    return normalize_name(m.group(1)) if m else None


def requirement_extras(line: str) -> set[str]:
    """The extras of one requirement line (``psycopg[binary]`` -> ``{"binary"}``)."""
    m = _NAME.match(line.split(" #", 1)[0])
    if not m or not m.group(2):
        return set()
    return {e.strip().lower() for e in m.group(2).strip("[]").split(",") if e.strip()}


def requirement_marker(line: str) -> str | None:
    """The environment marker of a requirement line (after ``;``), or None."""
    text = line.split(" #", 1)[0]
    if text.lstrip().startswith("-") or ";" not in text:
        return None
    try:
        parsed = Requirement(text.strip())
    except InvalidRequirement:
        # URLs need a space before ';' (PEP 508); take the text after the last one
        return text.rsplit(";", 1)[1].strip() or None
    return str(parsed.marker) if parsed.marker is not None else None


@dataclass(frozen=True)
class RequirementLine:
    """One requirement as written, and where."""

    text: str
    file: str
    line: int

    @property
    def name(self) -> str | None:
        """The normalised project name (None for a path or URL without ``#egg=``)."""
        return requirement_name(self.text)

    @property
    def where(self) -> str:
        """``requirements/base.txt:3``."""
        return f"{self.file}:{self.line}"


@dataclass
class RequirementsFile:
    """What pip would read from a requirements file and the files it includes."""

    lines: list[RequirementLine] = field(default_factory=list)
    #: Files read, the top one first, as absolute paths.
    files: list[Path] = field(default_factory=list)
    #: ``-c`` constraints files among them (they pin, they do not add requirements).
    constraints: list[Path] = field(default_factory=list)
    #: Index options (``--index-url ...``) found, as written.
    options: list[str] = field(default_factory=list)

    def applicable(self, target: Target) -> list[RequirementLine]:
        """The requirements whose environment markers hold in ``target``."""
        return [
            r
            for r in self.lines
            if marker_holds(
                requirement_marker(r.text),
                target,
                frozenset(requirement_extras(r.text)),
                where=r.where,
            )
        ]


def read_requirements(
    path: Path, *, root: Path | None = None, _seen: set[Path] | None = None
) -> RequirementsFile:
    """Read ``path`` as pip does, following ``-r`` and ``-c`` includes.

    ``root`` names the project directory for messages (paths are shown relative to it).
    A missing include is an error naming the including file and line.
    """
    seen = _seen if _seen is not None else set()
    out = RequirementsFile()
    _read(path.resolve(), root.resolve() if root else path.resolve().parent, seen, out, False)
    return out


def _read(path: Path, root: Path, seen: set[Path], out: RequirementsFile, constraint: bool) -> None:
    if path in seen:
        return
    seen.add(path)
    out.files.append(path)
    if constraint:
        out.constraints.append(path)
    shown = _shown(path, root)
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, raw in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        include = _INCLUDE.match(line)
        if include:
            target = (path.parent / include.group(2)).resolve()
            if not target.is_file():
                raise DockdjangoError(
                    f"{shown}:{number}: {include.group(1)} {include.group(2)}: no such file",
                    hint="fix the path (it is relative to the file that includes it)",
                )
            _read(target, root, seen, out, include.group(1) in ("-c", "--constraint"))
            continue
        if line.startswith(INDEX_OPTIONS):
            out.options.append(line)
            continue
        if constraint:
            continue  # a constraint pins versions; it does not ask for a package
        line = re.sub(r"\s--hash[=\s]\S+", "", line).strip()
        out.lines.append(RequirementLine(line, shown, number))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, text) with backslash continuations joined."""
    lines: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        lines.append((start, pending + raw))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
