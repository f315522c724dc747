"""Project detection: how a directory declares its dependencies, Python and Django entry points.

Pure: reads files, never runs anything. The result, :class:`SourceProject`, is all that
Dockerfile generation needs to know about a project. An unknown layout raises a
:class:`~dockdjango.errors.DockdjangoError` that lists what was looked for.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dockdjango.errors import DockdjangoError

#: Lock files we can turn into pinned requirements, in order of preference.
LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock")

#: Debian packages a dependency needs: name -> (build-time, run-time). Only packages whose
#: usual install on Linux compiles or loads a C library are listed; binary-wheel extras
#: (``psycopg[binary]``, ``psycopg2-binary``) need nothing.
SYSTEM_PACKAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "psycopg2": (("gcc", "libpq-dev", "python3-dev"), ("libpq5",)),
    "psycopg": ((), ("libpq5",)),  # pure-Python psycopg 3 loads libpq at run time
    "psycopg-c": (("gcc", "libpq-dev", "python3-dev"), ("libpq5",)),
    "mysqlclient": (
        ("gcc", "pkg-config", "default-libmysqlclient-dev", "python3-dev"),
        ("libmariadb3",),
    ),
    "python-ldap": (("gcc", "libldap2-dev", "libsasl2-dev", "python3-dev"), ("libldap-2.5-0",)),
    "gdal": (("gcc", "libgdal-dev"), ("libgdal32",)),
}

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


@dataclass(frozen=True)
class SourceProject:
    """What dockdjango found in a project directory."""

    root: Path
    #: The files the dependency install depends on, relative POSIX paths, in COPY order.
    dependency_files: tuple[str, ...]
    #: How dependencies are declared: "requirements", "pyproject", "uv", "poetry", "pipenv",
    #: or "none" (a project without third-party dependencies).
    kind: str
    #: The requirement lines to install (after reading locks / pyproject), one per entry.
    requirements: tuple[str, ...] = ()
    #: The requirements file pip reads inside the build, relative to the context root.
    requirements_file: str | None = None
    python: str | None = None
    django: bool = False
    settings_module: str | None = None
    wsgi_app: str | None = None
    asgi_app: str | None = None
    build_packages: tuple[str, ...] = ()
    runtime_packages: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def dependency_names(self) -> tuple[str, ...]:
        """Normalised distribution names of the requirements (``Django`` -> ``django``)."""
        return tuple(n for n in (requirement_name(r) for r in self.requirements) if n)


def requirement_name(line: str) -> str | None:
    """The normalised project name of one requirement line, or None for options/URLs."""
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-") or "://" in line.split(";")[0].split("@")[0]:
        return None
    m = _REQ_NAME.match(line)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else None


def requirement_extras(line: str) -> set[str]:
    """The extras of one requirement line (``psycopg[binary]`` -> ``{"binary"}``)."""
    m = _REQ_NAME.match(line.split("#", 1)[0])
    if not m or not m.group(2):
        return set()
    return {e.strip().lower() for e in m.group(2).strip("[]").split(",") if e.strip()}


def detect(root: str | Path, *, requirements: str | None = None) -> SourceProject:
    """Detect how the project at ``root`` declares dependencies, Python and Django.

    ``requirements`` names the requirements file to use when several exist.
    """
    base = Path(root)
    if not base.is_dir():
        raise DockdjangoError(f"{base}: not a directory", hint="pass the project's directory")
    python = _python_version(base)
    found = _dependencies(base, requirements)
    if found is None:
        if not (base / "manage.py").is_file() and not list(base.glob("*.py")):
            raise DockdjangoError(
                f"{base}: no Python project found (looked for requirements*.txt, pyproject.toml, "
                f"{', '.join(LOCK_FILES)}, manage.py and *.py)",
                hint="add a requirements.txt listing your dependencies (it may be empty)",
            )
        kind: str = "none"
        files: tuple[str, ...] = ()
        reqs: tuple[str, ...] = ()
        req_file: str | None = None
    else:
        kind, files, reqs, req_file = found
    django = _django(base)
    build, runtime = system_packages(reqs)
    return SourceProject(
        root=base,
        dependency_files=files,
        kind=kind,
        requirements=reqs,
        requirements_file=req_file,
        python=python,
        django=django[0],
        settings_module=django[1],
        wsgi_app=django[2],
        asgi_app=django[3],
        build_packages=build,
        runtime_packages=runtime,
    )


def system_packages(requirements: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(build-time, run-time) Debian packages the requirements need, sorted and unique."""
    build: set[str] = set()
    runtime: set[str] = set()
    for line in requirements:
        name = requirement_name(line)
        if name not in SYSTEM_PACKAGES:
            continue
        if name == "psycopg" and requirement_extras(line) & {"binary"}:
            continue  # the binary extra bundles its own libpq
        if name == "psycopg" and requirement_extras(line) & {"c"}:
            name = "psycopg-c"
        b, r = SYSTEM_PACKAGES[name]
        build.update(b)
        runtime.update(r)
    return tuple(sorted(build)), tuple(sorted(runtime))


def read_requirements(path: Path, _seen: set[Path] | None = None) -> tuple[list[str], list[str]]:
    """(requirement lines, files read) of a requirements file, following ``-r`` includes."""
    seen = _seen if _seen is not None else set()
    path = path.resolve()
    if path in seen:
        return [], []
    seen.add(path)
    lines: list[str] = []
    files = [str(path)]
    text = path.read_text(encoding="utf-8")
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
        if m:
            sub_lines, sub_files = read_requirements(path.parent / m.group(2), seen)
            if m.group(1) in ("-r", "--requirement"):
                lines += sub_lines
            files += sub_files
            continue
        lines.append(line)
    return lines, files


def _dependencies(
    base: Path, chosen: str | None
) -> tuple[str, tuple[str, ...], tuple[str, ...], str | None] | None:
    if chosen is not None:
        path = base / chosen
        if not path.is_file():
            raise DockdjangoError(f"{path}: requirements file not found")
        return _from_requirements(base, path)
    for lock in LOCK_FILES:
        if (base / lock).is_file():
            return _from_lock(base, lock)
    main = base / "requirements.txt"
    if main.is_file():
        return _from_requirements(base, main)
    others = sorted(p for p in base.glob("requirements*.txt") if p.is_file())
    # Prefer the production-ish file when several exist (requirements-prod.txt, ...).
    for p in others:
        if not re.search(r"dev|test|lint|doc", p.name):
            return _from_requirements(base, p)
    if others:
        return _from_requirements(base, others[0])
    if (base / "pyproject.toml").is_file():
        data = _toml(base / "pyproject.toml")
        project = data.get("project", {})
        deps = project.get("dependencies") if isinstance(project, dict) else None
        if deps is None:
            deps = _poetry_deps(data)
        return "pyproject", ("pyproject.toml",), tuple(str(d) for d in deps), None
    return None


def _from_requirements(base: Path, path: Path) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
    lines, files = read_requirements(path)
    rel = []
    for f in files:
        try:
            rel.append(Path(f).relative_to(base.resolve()).as_posix())
        except ValueError:
            raise DockdjangoError(
                f"{path}: includes {f}, which is outside the project directory",
                hint="a build can only copy files inside the project; move the file in",
            ) from None
    main = path.resolve().relative_to(base.resolve()).as_posix()
    return "requirements", tuple(sorted(set(rel))), tuple(lines), main


def _from_lock(base: Path, lock: str) -> tuple[str, tuple[str, ...], tuple[str, ...], None]:
    path = base / lock
    files = [f for f in ("pyproject.toml", "Pipfile") if (base / f).is_file()] + [lock]
    if lock == "Pipfile.lock":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DockdjangoError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        reqs = []
        for name, info in sorted(data.get("default", {}).items()):
            spec = f"{name}{info.get('version', '')}"
            if info.get("markers"):
                spec += f"; {info['markers']}"
            reqs.append(spec)
        return "pipenv", tuple(files), tuple(reqs), None
    data = _toml(path)
    reqs = []
    packages = data.get("package", [])
    for pkg in packages if isinstance(packages, list) else []:
        source = pkg.get("source", {})
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            continue  # the project itself: its source is copied, not installed from an index
        if lock == "poetry.lock":
            groups = pkg.get("groups") or [pkg.get("category", "main")]
            if "main" not in groups:
                continue
        reqs.append(f"{pkg['name']}=={pkg['version']}")
    return ("uv" if lock == "uv.lock" else "poetry"), tuple(files), tuple(reqs), None


def _poetry_deps(data: dict[str, object]) -> list[str]:
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    deps = poetry.get("dependencies", {}) if isinstance(poetry, dict) else {}
    out = []
    for name, spec in (deps or {}).items():
        if name.lower() == "python":
            continue
        version = spec if isinstance(spec, str) else (spec or {}).get("version", "*")
        out.append(name if version in ("*", "") else f"{name}{_caret(version)}")
    return out


def _caret(version: str) -> str:
    # Poetry's ^1.2 means >=1.2,<2; pip needs that spelled out.
    if version.startswith("^"):
        parts = version[1:].split(".")
        major = int(parts[0]) if parts[0].isdigit() else 0
        return f">={version[1:]},<{major + 1}"
    if version.startswith("~"):
        return f"~={version[1:]}" if version.count(".") >= 1 else f">={version[1:]}"
    return version if version[0] in "<>=!~" else f"=={version}"


def _toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DockdjangoError(f"{path}: not valid TOML: {exc}") from None


def _python_version(base: Path) -> str | None:
    pv = base / ".python-version"
    if pv.is_file():
        m = re.match(r"\s*(\d+\.\d+)", pv.read_text(encoding="utf-8"))
        if m:
            return m.group(1)
    runtime = base / "runtime.txt"
    if runtime.is_file():
        m = re.search(r"python-(\d+\.\d+)", runtime.read_text(encoding="utf-8"))
        if m:
            return m.group(1)
    if (base / "pyproject.toml").is_file():
        data = _toml(base / "pyproject.toml")
        project = data.get("project", {})
        req = project.get("requires-python") if isinstance(project, dict) else None
        if isinstance(req, str):
            m = re.search(r"(?:==|>=|~=)\s*(\d+\.\d+)", req)
            if m:
                return m.group(1)
    return None


def _django(base: Path) -> tuple[bool, str | None, str | None, str | None]:
    manage = base / "manage.py"
    if not manage.is_file():
        return False, None, None, None
    settings = _settings_module(manage.read_text(encoding="utf-8", errors="replace"))
    wsgi = asgi = None
    package = settings.rsplit(".", 1)[0] if settings and "." in settings else None
    candidates = [package] if package else []
    candidates += sorted(p.parent.name for p in base.glob("*/wsgi.py"))
    for pkg in candidates:
        if pkg and (base / pkg / "wsgi.py").is_file():
            wsgi = f"{pkg}.wsgi:application"
            if (base / pkg / "asgi.py").is_file():
                asgi = f"{pkg}.asgi:application"
            break
    return True, settings, wsgi, asgi


def _settings_module(source: str) -> str | None:
    """The DJANGO_SETTINGS_MODULE that manage.py sets (``os.environ.setdefault(...)``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)
            and node.args[0].value == "DJANGO_SETTINGS_MODULE"  # type: ignore[attr-defined]
        ):
            return str(node.args[1].value)  # type: ignore[attr-defined]
    return None
