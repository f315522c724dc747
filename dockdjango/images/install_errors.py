"""Why a dependency install failed, in one line: the requirement, and pip's or uv's reason.

A failed ``uv pip install`` / ``pip install`` ends a build with pages of output; what a
person needs is which requirement failed and why -- a Python it does not support, no
such distribution, a missing header or compiler while building it from source -- and what
to do about it. :func:`explain_install_failure` reads the output (uv's and pip's wording)
and says that, naming the requirements file the project has (never a file dockdjango
made up).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Build output -> what it means (the package most likely to need it, for the hint).
_MISSING: tuple[tuple[str, str], ...] = (
    (
        r"pg_config (?:executable )?(?:not found|is required)",
        "PostgreSQL's headers and pg_config (Debian: libpq-dev) and a C compiler",
    ),
    (
        r"mysql_config not found|mysqlclient.*pkg-config|Can not find valid pkg-config name",
        "MySQL/MariaDB client headers (Debian: default-libmysqlclient-dev, pkg-config)",
    ),
    (r"Python\.h: No such file", "Python's headers (Debian: pythonX.Y-dev)"),
    (
        r"(?:gcc|cc|g\+\+|x86_64-linux-gnu-gcc)['\"]? (?:failed|: not found|not found)|"
        r"unable to execute '?(?:gcc|cc)'?|No such file or directory: '(?:gcc|cc)'",
        "a C compiler (Debian: gcc)",
    ),
    (r"(?:libxml|libxslt)[^\n]*not found|xmlversion\.h", "libxml2/libxslt headers"),
    (
        r"jpeg[^\n]*(?:not found|required)|The headers or library files could not be found for "
        r"jpeg",
        "libjpeg headers (Debian: libjpeg62-turbo-dev)",
    ),
    (r"ldap\.h|lber\.h", "OpenLDAP headers (Debian: libldap2-dev, libsasl2-dev)"),
    (r"gdal-config", "GDAL's headers (Debian: libgdal-dev)"),
)
_TOO_NEW = (
    r"No module named '(?:imp|distutils|asynchat|asyncore|smtpd)'|cannot import name "
    r"'(?:Mapping|Iterable|MutableMapping|Callable)' from 'collections'|"
    r"AttributeError: cython_sources|module 'pkgutil' has no attribute 'ImpImporter'"
)


@dataclass(frozen=True)
class InstallFailure:
    """What failed, and what to do about it."""

    message: str
    hint: str
    requirement: str | None = None


def explain_install_failure(
    output: Sequence[str], *, requirements: str | None, python: str | None = None
) -> InstallFailure | None:
    """One line for a failed install in ``output``; None when it is not recognisable.

    ``requirements`` names the file the project declares its dependencies in (the
    message says "installing <it>"), ``python`` the image's Python (``3.11``).
    """
    failure = _Failure(
        "\n".join(output),
        f"installing {requirements}" if requirements else "installing the dependencies",
        f"Python {python}" if python else "this Python",
        requirements,
    )
    for reader in (
        _wrong_python,
        _unsatisfiable,
        _stale_lock,
        _not_found,
        _url_fetch,
        _source_build,
    ):
        found = reader(failure)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class _Failure:
    """What every reader needs: the output, "installing <file>", "Python X.Y", the file."""

    text: str
    where: str
    py: str
    requirements: str | None


def _wrong_python(f: _Failure) -> InstallFailure | None:
    m = re.search(
        r"current Python version \(([\d.]+)\) does not satisfy Python([^\s,]+)[^\n]*?"
        r"(?:and|,)\s+([\w.\-\[\]]+==[\w.\-+!]+)\s+depends on",
        f.text,
    )
    if m:
        running, wants, requirement = m.group(1), m.group(2), m.group(3)
    else:
        m = re.search(
            r"Package '([^']+)' requires a different Python: ([\d.]+) not in '([^']+)'", f.text
        )
        if not m:
            return None
        requirement, running, wants = m.group(1), m.group(2), m.group(3)
    return InstallFailure(
        f"{f.where} failed: {requirement} requires Python {wants} (Requires-Python); "
        f"the image runs {running}",
        "choose a Python it supports (--python, or [tool.dockdjango] python), or pin a "
        "release of it that supports this one",
        requirement,
    )


def _unsatisfiable(f: _Failure) -> InstallFailure | None:
    m = re.search(
        r"Because you require ([^\s,]+) and ([^\s,]+), we can conclude that your requirements "
        r"are unsatisfiable",
        f.text,
    )
    if not m:
        return None
    return InstallFailure(
        f"{f.where} failed: it asks for {m.group(1)} and {m.group(2)} together, which no "
        "install can satisfy",
        f"keep one of them in {f.requirements or 'the requirements'}",
        m.group(1),
    )


def _stale_lock(f: _Failure) -> InstallFailure | None:
    m = re.search(r"The lockfile at `([^`]+)` needs to be updated, but `--locked`", f.text)
    if not m:
        return None
    return InstallFailure(
        f"{f.where} failed: {m.group(1)} is out of date with pyproject.toml (the build "
        "installs the lock as it is, `uv sync --locked`)",
        "run `uv lock` and commit the lock file",
    )


def _not_found(f: _Failure) -> InstallFailure | None:
    m = re.search(
        r"(?:Because |╰─▶ Because )([\w.\-\[\]]+) was not found in the package registry", f.text
    ) or re.search(r"No matching distribution found for ([^\s]+)", f.text)
    if not m:
        return None
    return InstallFailure(
        f"{f.where} failed: no matching distribution for {m.group(1)} (no release of it "
        f"installs on {f.py}, or the index does not have it)",
        "check the name and version, and that PyPI (or your index) is reachable from the build",
        m.group(1),
    )


#: what a fetch that never reached its host says (uv's causes, git's fatal lines)
_UNREACHED = (
    r"Git operation failed|fatal: unable to access|error resolving DNS|dns error|"
    r"failed to lookup address|error sending request|Could not resolve host|"
    r"Connection refused|timed out"
)


def _url_fetch(f: _Failure) -> InstallFailure | None:
    """A ``name @ git+URL`` or ``name @ https://...`` requirement whose host the build
    cannot reach: that host, not a source build, is what failed."""
    m = re.search(
        r"Failed to (?:download and build|download|build) `([^`]+ @ (git\+)?(https?://[^`]+))`",
        f.text,
    )
    if not m or not re.search(_UNREACHED, f.text):
        return None
    host = urlsplit(m.group(3)).hostname or m.group(3)
    causes = re.findall(r"^\s*(?:cause: |fatal: |[├╰]─▶ )(.+)$", f.text, re.M)
    why = causes[-1].strip() if causes else "the fetch failed"
    how = "installed from a Git URL" if m.group(2) else f"downloaded from a URL on {host}"
    return InstallFailure(
        f"{f.where} failed: {m.group(1).split(' @ ')[0]} is {how} and "
        f"{host} could not be fetched from the build ({why})",
        f"make {host} reachable from builds (a proxy, as for PyPI), or install a release "
        "of it from PyPI instead",
        m.group(1),
    )


def _source_build(f: _Failure) -> InstallFailure | None:
    m = re.search(r"Failed to (?:download and )?build `([^`]+)`", f.text) or re.search(
        r"Failed building wheel for ([^\s]+)|Getting requirements to build wheel did not run "
        r"successfully|error: subprocess-exited-with-error",
        f.text,
    )
    if not m:
        return None
    requirement = m.group(1) if m.groups() else _pip_requirement(f.text)
    name = requirement or "a dependency"
    compile_error = re.search(r"^\s*([\w/.-]+\.c(?:pp)?):(\d+):\d+: error: (.+)$", f.text, re.M)
    if compile_error and not re.search(r"No such file or directory", compile_error.group(3)):
        file, line, what = compile_error.groups()
        return InstallFailure(
            f"{f.where} failed: {name} was built from source (no wheel for {f.py}) and its C "
            f"code does not compile for {f.py} ({file}:{line}: {what.strip()}): this release "
            "predates that Python",
            "pin a newer release of it (one with a wheel for this Python), or run the "
            "Python it was made for where a registry serves python:X-slim",
            requirement,
        )
    if re.search(_TOO_NEW, f.text):
        return InstallFailure(
            f"{f.where} failed: {name} was built from source and its build does not work on "
            f"{f.py} ({_first(re.search(_TOO_NEW, f.text))})",
            "pin a newer release of it, with a wheel for this Python, or choose an older "
            "Python (--python)",
            requirement,
        )
    return InstallFailure(
        f"{f.where} failed: {name} was built from source (no wheel for {f.py}) and its build "
        f"needs {_build_reason(f.text)}",
        "pin a release of it with a wheel for this Python, or add the Debian packages its "
        "build needs to the build stage (dockdjango adds them for the packages it knows)",
        requirement,
    )


def _build_reason(text: str) -> str:
    header = re.search(r"fatal error: ([\w./+-]+\.h(?:pp)?): No such file or directory", text)
    if header:
        return f"the header {header.group(1)}, which no package in the build stage has"
    library = re.search(r"cannot find -l([\w.+-]+)", text)
    if library:
        return f"the library lib{library.group(1)} (its -dev package), not in the build stage"
    pc = re.search(r"Package '?([\w.+-]+)'? was not found in the pkg-config search path", text)
    if pc:
        return f"{pc.group(1)}.pc for pkg-config (its -dev package), not in the build stage"
    for pattern, what in _MISSING:
        if re.search(pattern, text, re.I):
            return what
    last = [line.strip() for line in text.splitlines() if "error" in line.lower()]
    return f"what its output says: {last[-1][:160]}" if last else "what its output says"


def _pip_requirement(text: str) -> str | None:
    m = re.search(r"Collecting ([^\s]+)\n(?:(?!Collecting ).*\n)*?.*(?:error|ERROR)", text)
    return m.group(1) if m else None


def _first(match: re.Match[str] | None) -> str:
    return match.group(0) if match else ""
