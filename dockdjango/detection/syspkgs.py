"""Debian packages Python dependencies need: headers and compilers to build, libraries to run.

Two kinds of dependency are listed:

- those that always compile (no Linux wheel is published): psycopg2, psycopg-c,
  mysqlclient, python-ldap, uWSGI, GDAL's bindings, pycairo, xmlsec, pylibmc;
- those that ship wheels for current Pythons but compile from their sdist when the lock
  lists no wheel for the image's Python and platform (Pillow, lxml, pycurl, libsass,
  cryptography...): their build packages are added only then.

Whenever anything builds from source -- a package above, one a lock lists no fitting wheel
for, or (without a lock) any name :mod:`dockdjango.detection.dependencies.known_wheels`
does not know -- the build stage gets a C toolchain (:data:`TOOLCHAIN`: gcc, the Python
headers, pkg-config); the per-package lists only add the libraries.

Libraries loaded at run time (libpq for psycopg 3, Pango for WeasyPrint, GDAL/GEOS for
GeoDjango) are listed for the final image. Package names that differ between Debian
suites (``libldap-2.5-0`` in bookworm, ``libldap2`` from trixie on) are resolved for the
image's suite; official ``python:X-slim`` images are Debian trixie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dockdjango.detection.dependencies.known_wheels import needs_no_compiler
from dockdjango.detection.dependencies.requirements import requirement_extras, requirement_name

#: Packages whose name depends on the Debian suite: generic name -> suite -> real name.
SUITE_NAMES: dict[str, dict[str, str]] = {
    "libldap": {"bookworm": "libldap-2.5-0", "trixie": "libldap2", "sid": "libldap2"},
    "libcurl": {"bookworm": "libcurl4", "trixie": "libcurl4t64", "sid": "libcurl4t64"},
    "libmemcached": {
        "bookworm": "libmemcached11",
        "trixie": "libmemcached11t64",
        "sid": "libmemcached11t64",
    },
    "libxmlsec1-openssl": {"bookworm": "libxmlsec1-openssl", "trixie": "libxmlsec1t64-openssl"},
    "libmagic1": {"bookworm": "libmagic1", "trixie": "libmagic1t64", "sid": "libmagic1t64"},
    "libxml2": {"bookworm": "libxml2", "trixie": "libxml2", "sid": "libxml2-16"},
}
#: The Python headers: Debian's ``pythonX.Y-dev`` for a Debian-built base (named for the
#: image's Python, not the suite's default); official images carry their own.
PYTHON_HEADERS = "python3-dev"
_CC = ("gcc", PYTHON_HEADERS)
#: What any source build may need: a C compiler, the Python headers, pkg-config.
TOOLCHAIN = (*_CC, "pkg-config")

#: name -> (build packages, run-time packages) for dependencies that always compile.
ALWAYS_COMPILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "psycopg2": ((*_CC, "libpq-dev"), ("libpq5",)),
    "psycopg-c": ((*_CC, "libpq-dev"), ("libpq5",)),
    "mysqlclient": ((*_CC, "pkg-config", "default-libmysqlclient-dev"), ("libmariadb3",)),
    "python-ldap": ((*_CC, "libldap2-dev", "libsasl2-dev"), ("libldap",)),
    "uwsgi": (_CC, ()),
    "gdal": ((*_CC, "g++", "libgdal-dev"), ("gdal-bin",)),
    "pycairo": ((*_CC, "pkg-config", "libcairo2-dev"), ("libcairo2",)),
    "xmlsec": ((*_CC, "pkg-config", "libxmlsec1-dev"), ("libxmlsec1-openssl",)),
    "pylibmc": ((*_CC, "libmemcached-dev", "zlib1g-dev"), ("libmemcached",)),
}
#: name -> (build packages, run-time packages) when built from source (no wheel).
FROM_SOURCE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pillow": ((*_CC, "libjpeg62-turbo-dev", "zlib1g-dev"), ("libjpeg62-turbo", "zlib1g")),
    "lxml": ((*_CC, "libxml2-dev", "libxslt1-dev"), ("libxml2", "libxslt1.1")),
    "pycurl": ((*_CC, "libcurl4-openssl-dev", "libssl-dev"), ("libcurl",)),
    "libsass": ((*_CC, "g++"), ()),
    "cffi": ((*_CC, "libffi-dev"), ()),
    "pyyaml": (_CC, ()),
    "markupsafe": (_CC, ()),
    "psutil": (_CC, ()),
    "brotli": ((*_CC, "g++"), ()),
    "argon2-cffi-bindings": ((*_CC, "libffi-dev"), ()),
    "psycopg2-binary": ((*_CC, "libpq-dev"), ("libpq5",)),
}
#: name -> Python minor -> the first release with a Linux wheel for that Python. A pin
#: older than that builds from its sdist (requirements files and Pipfile.lock say nothing
#: of wheels; locks that list files are read directly). From the projects' release notes.
WHEELS_SINCE: dict[str, dict[str, str]] = {
    "psycopg2-binary": {"3.11": "2.9.5", "3.12": "2.9.9", "3.13": "2.9.10", "3.14": "2.9.11"},
    "pillow": {"3.11": "9.3.0", "3.12": "10.1.0", "3.13": "11.0.0", "3.14": "11.3.0"},
    "lxml": {"3.11": "4.9.2", "3.12": "4.9.3", "3.13": "5.3.0", "3.14": "6.0.1"},
    "pyyaml": {"3.11": "6.0.1", "3.12": "6.0.1", "3.13": "6.0.2", "3.14": "6.0.3"},
    "cffi": {"3.11": "1.15.1", "3.12": "1.16.0", "3.13": "1.17.0", "3.14": "2.0.0"},
    "psycopg-binary": {"3.11": "3.1.4", "3.12": "3.1.13", "3.13": "3.2.2", "3.14": "3.2.11"},
}
#: name -> run-time packages for libraries loaded with ctypes/cffi (never compiled).
LOADS_AT_RUNTIME: dict[str, tuple[str, ...]] = {
    "weasyprint": ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"),
    "cairocffi": ("libcairo2",),
    "cairosvg": ("libcairo2",),
    "python-magic": ("libmagic1",),
}


def builds_from_source(name: str, pinned: str | None, python: str) -> bool:
    """True when ``name==pinned`` has no Linux wheel for ``python`` (per WHEELS_SINCE)."""
    from packaging.version import InvalidVersion, Version

    first = WHEELS_SINCE.get(name, {}).get(python)
    if first is None or not pinned:
        return False
    try:
        return Version(pinned) < Version(first)
    except InvalidVersion:
        return False


def system_packages(
    names: Iterable[str],
    *,
    from_source: Iterable[str] = (),
    geodjango: bool = False,
    suite: str = "bookworm",
    official: bool = False,
    python: str | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(build, run-time) Debian packages for the normalised dependency ``names``.

    ``from_source`` are names built from their sdist (no fitting wheel in the lock, or
    none known); any of them, or any package that always compiles, brings the toolchain;
    ``geodjango`` adds GDAL/GEOS for ``django.contrib.gis``; ``official`` drops Debian's
    Python headers (the official image has its own); ``python`` (``3.14``) names them for
    that Python (``python3.14-dev``), which need not be the suite's default.
    """
    wanted = set(names)
    build: set[str] = set()
    runtime: set[str] = set()
    for name in sorted(wanted):
        if name in ALWAYS_COMPILES:
            b, r = ALWAYS_COMPILES[name]
            build.update(b)
            runtime.update(r)
        if name in LOADS_AT_RUNTIME:
            runtime.update(LOADS_AT_RUNTIME[name])
    sources = set(from_source)
    for name in sources & set(FROM_SOURCE):
        b, r = FROM_SOURCE[name]
        build.update(b)
        runtime.update(r)
    if build or sources:
        build.update(TOOLCHAIN)
    # psycopg 3 without its binary or C implementation loads the system's libpq
    if "psycopg" in wanted and not wanted & {"psycopg-binary", "psycopg-c"}:
        runtime.add("libpq5")
    if geodjango:
        runtime.add("gdal-bin")
    if official:
        build.discard(PYTHON_HEADERS)
    elif PYTHON_HEADERS in build and python:
        build.discard(PYTHON_HEADERS)
        build.add(f"python{python}-dev")
    build_list = tuple(sorted(_suite_name(p, suite) for p in build))
    return build_list, tuple(sorted(_suite_name(p, suite) for p in runtime))


def _suite_name(package: str, suite: str) -> str:
    names = SUITE_NAMES.get(package)
    return names.get(suite, names.get("trixie", package)) if names else package


def variant_name(line: str) -> str | None:
    """The requirement's name as this module's tables know it (``psycopg[binary]`` is
    ``psycopg-binary``)."""
    name = requirement_name(line)
    if name == "psycopg":
        extras = requirement_extras(line)
        if "binary" in extras:
            return "psycopg-binary"
        if "c" in extras:
            return "psycopg-c"
    return name


def packages_for(
    lines: tuple[str, ...],
    *,
    pins: Mapping[str, str],
    from_source: Iterable[str],
    wheels_known: bool,
    postgis: bool,
    suite: str,
    official: bool,
    python: str,
    source: str,
) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """(build, run-time) packages for the requirement ``lines`` and the sentences saying
    what was assumed. ``pins`` are the ``==`` versions, ``from_source`` the names the lock
    has no fitting wheel for, ``wheels_known`` whether a lock listed wheels at all."""
    names = {n for n in (variant_name(line) for line in lines) if n}
    vcs = sorted({line.split("@")[0].strip() for line in lines if "git+" in line.split("#")[0]})
    built = set(from_source) | {n for n, v in pins.items() if builds_from_source(n, v, python)}
    unknown = set() if wheels_known else {n for n in names if not needs_no_compiler(n)}
    unknown = (unknown | {n for n in map(requirement_name, vcs) if n}) - set(ALWAYS_COMPILES)
    notes = []
    if unknown:
        shown = sorted(unknown)
        listed = ", ".join(shown[:4]) + (f" and {len(shown) - 4} more" if len(shown) > 4 else "")
        notes.append(
            f"a C toolchain in the build stage (never in the image): {listed} may build from "
            f"source ({source or 'the dependency file'} says nothing of wheels)"
        )
    build, runtime = system_packages(
        names,
        from_source=built | unknown,
        geodjango=postgis,
        suite=suite,
        official=official,
        python=python,
    )
    if vcs and "git" not in build:
        # uv and pip fetch a `name @ git+URL` requirement with the git command
        build = tuple(sorted((*build, "git")))
        notes.append(f"git in the build stage: {', '.join(vcs)} installed from a Git URL")
    return build, runtime, notes
