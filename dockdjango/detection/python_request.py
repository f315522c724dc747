"""What a project asks of Python, and where it says so (nothing is chosen here).

Read from the folder the dependencies are declared in, then the root: ``requires-python``
(PEP 621) or Poetry's ``python`` as a hard request; ``.python-version``, ``runtime.txt``,
a Pipfile's ``python_version`` or the project Dockerfile's ``FROM python:X`` as a soft
one; and the Django release the dependencies pin. :mod:`dockdjango.detection.pythons`
chooses from that.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dockdjango.detection.dependencies.declared import Dependencies, django_version, toml_file
from dockdjango.detection.dependencies.pipenv import pipfile_python
from dockdjango.detection.dependencies.poetrylock import poetry_specifier
from dockdjango.detection.projectconfig import Overrides
from dockdjango.detection.pythons import PythonRequest, minor_of
from dockdjango.errors import DockdjangoError

_SOFT_FILES: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    (".python-version", lambda t: minor_of(t.strip().splitlines()[0]) if t.strip() else None),
    ("runtime.txt", lambda t: minor_of(t) if "python" in t else None),
)


def python_request(
    root: Path, places: list[Path], deps: Dependencies, given: Overrides
) -> PythonRequest:
    """What the project at ``root`` asks for, read in ``places`` (first found wins)."""
    hard, hard_source = _hard(root, places)
    soft, soft_source = _soft(root, places)
    django = django_version(deps.resolved.runtime)
    return PythonRequest(
        hard=hard,
        hard_source=hard_source,
        soft=soft,
        soft_source=soft_source,
        django=django,
        django_source=deps.source if django else None,
        override=given.python,
        override_source=given.source("python") if given.python else None,
    )


def _hard(root: Path, places: list[Path]) -> tuple[str | None, str | None]:
    for place in places:
        path = place / "pyproject.toml"
        if not path.is_file():
            continue
        pyproject = toml_file(path)
        name = _name(root, path)
        project = pyproject.get("project") or {}
        tool = pyproject.get("tool") or {}
        poetry = (tool.get("poetry") or {}).get("dependencies") or {}
        if isinstance(project, dict) and project.get("requires-python"):
            return str(project["requires-python"]), f"{name} requires-python"
        if isinstance(poetry.get("python"), str):
            return (
                poetry_specifier(poetry["python"]),
                f"{name} [tool.poetry.dependencies] python",
            )
    return None, None


def _soft(root: Path, places: list[Path]) -> tuple[str | None, str | None]:
    for place in places:
        for name, reader in _SOFT_FILES:
            path = place / name
            if path.is_file():
                soft = reader(path.read_text(encoding="utf-8", errors="replace"))
                if soft:
                    return soft, _name(root, path)
    for place in places:
        path = place / "Pipfile"
        if path.is_file():
            soft = minor_of(pipfile_python(toml_file(path)) or "")
            if soft:
                return soft, f"{_name(root, path)} [requires] python_version"
    for place in places:
        found = _dockerfile_python(root, place)
        if found[0]:
            return found
    return None, None


def _name(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _dockerfile_python(root: Path, place: Path) -> tuple[str | None, str | None]:
    """The Python minor of the project Dockerfile's ``FROM python:X...``, if any."""
    from dockdjango.detection.base_refs import base_refs

    path = place / "Dockerfile"
    if not path.is_file():
        return None, None
    try:
        refs = base_refs(path.read_text(encoding="utf-8", errors="replace"))
    except DockdjangoError:
        return None, None
    for ref in refs:
        repo, _, tag = ref.ref.partition(":")
        if repo.rsplit("/", 1)[-1] == "python" and minor_of(tag):
            return minor_of(tag), f"{_name(root, path)}:{ref.line} FROM {ref.ref}"
    return None, None
