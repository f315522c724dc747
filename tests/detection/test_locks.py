"""Lock files and manifests read for one target: groups, markers, extras, sources, wheels."""

from __future__ import annotations

import tomllib

import pytest

from dockdjango.detection.dependencies.groups import group_kind
from dockdjango.detection.dependencies.manifests import dependency_groups, resolve_pep621
from dockdjango.detection.dependencies.markers import Target, marker_holds
from dockdjango.detection.dependencies.pipenv import resolve_pipfile, resolve_pipfile_lock
from dockdjango.detection.dependencies.poetrylock import (
    poetry_constraint_holds,
    poetry_specifier,
    resolve_poetry_lock,
)
from dockdjango.detection.dependencies.requirements import read_requirements, requirement_name
from dockdjango.detection.dependencies.uvlock import resolve_uv_lock
from dockdjango.detection.dependencies.wheeltags import wheel_fits
from dockdjango.errors import DockdjangoError

PY311 = Target("3.11", machine="x86_64", suite="bookworm")
PY313 = Target("3.13", machine="x86_64", suite="trixie")

UV_LOCK = """
version = 1
requires-python = ">=3.8"
resolution-markers = ["python_full_version >= '3.12'", "python_full_version < '3.12'"]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "django" },
    { name = "backports-zoneinfo", marker = "python_full_version < '3.9'" },
    { name = "psycopg", extra = ["c"] },
    { name = "numpy", version = "1.26.4", marker = "python_full_version < '3.12'" },
    { name = "numpy", version = "2.1.0", marker = "python_full_version >= '3.12'" },
    { name = "django-push" },
]
[package.dev-dependencies]
dev = [{ name = "pytest" }, { include-group = "lint" }]
prod = [{ name = "gunicorn" }]
lint = [{ name = "ruff" }]
docs = [{ name = "sphinx" }]
notebooks = [{ name = "jupyter" }]

[[package]]
name = "django"
version = "5.2.1"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "asgiref" }, { name = "tzdata", marker = "sys_platform == 'win32'" }]
wheels = [{ url = "https://files/django-5.2.1-py3-none-any.whl" }]

[[package]]
name = "asgiref"
version = "3.8.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tzdata"
version = "2024.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "backports-zoneinfo"
version = "0.2.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "psycopg"
version = "3.2.1"
source = { registry = "https://pypi.org/simple" }
[package.optional-dependencies]
c = [{ name = "psycopg-c", marker = "implementation_name != 'pypy'" }]
binary = [{ name = "psycopg-binary" }]

[[package]]
name = "psycopg-c"
version = "3.2.1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files/psycopg_c-3.2.1.tar.gz" }

[[package]]
name = "psycopg-binary"
version = "3.2.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.12'"]

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.12'"]

[[package]]
name = "django-push"
version = "1.1"
source = { git = "https://github.com/x/django-push.git?rev=abc#0123456789abcdef" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "ruff"
version = "0.5.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "gunicorn"
version = "22.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "sphinx"
version = "7.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "jupyter"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_walks_the_graph_for_the_target() -> None:
    lock = tomllib.loads(UV_LOCK)
    r = resolve_uv_lock(lock, {"project": {"name": "app"}}, PY311)
    assert r.runtime == [
        "asgiref==3.8.1",
        "django==5.2.1",
        "django-push @ git+https://github.com/x/django-push.git@0123456789abcdef",
        "gunicorn==22.0.0",  # a production-named group belongs in the runtime image
        "numpy==1.26.4",  # the fork whose marker holds for 3.11
        "psycopg==3.2.1",
        "psycopg-c==3.2.1",  # through the [c] extra only; not psycopg-binary
    ]
    assert "backports-zoneinfo" in r.dropped and "tzdata" in r.dropped
    # groups named like development go to the dev target (dev includes lint)
    assert r.dev_groups == ["dev", "lint", "docs"]
    assert r.dev == ["pytest==8.0.0", "ruff==0.5.0", "sphinx==7.0.0"]
    assert "jupyter==1.0.0" not in r.runtime + r.dev and r.skipped_groups == ["notebooks"]
    assert r.from_source == ["psycopg-c"]  # an sdist and no wheel: compilers needed
    assert resolve_uv_lock(lock, {"project": {}}, PY313).runtime[4] == "numpy==2.1.0"


def test_uv_lock_dev_groups_and_default_groups() -> None:
    lock = tomllib.loads(UV_LOCK)
    chosen = resolve_uv_lock(
        lock, {"tool": {"uv": {"default-groups": ["notebooks"]}}}, PY311, groups=("docs",)
    )
    assert "sphinx==7.0.0" in chosen.runtime and "jupyter==1.0.0" in chosen.dev


def test_uv_lock_without_the_project_entry_is_an_error() -> None:
    with pytest.raises(DockdjangoError, match="no entry for the project itself"):
        resolve_uv_lock({"package": [{"name": "six", "version": "1"}]}, {}, PY311)


POETRY_PYPROJECT = tomllib.loads(
    """
[tool.poetry.dependencies]
python = "^3.9"
Django = "^4.2"
requests = { version = "^2.31", extras = ["socks"] }
legacy = { version = "^1", python = "<3.9" }
winonly = { version = "^1", markers = "sys_platform == 'win32'" }
optional-thing = { version = "^1", optional = true }

[tool.poetry.dev-dependencies]
pytest = "^7"

[tool.poetry.group.docs]
optional = true
[tool.poetry.group.docs.dependencies]
sphinx = "*"
"""
)

POETRY_LOCK_20 = tomllib.loads(
    """
[[package]]
name = "django"
version = "4.2.11"
python-versions = ">=3.8"
files = [{file = "Django-4.2.11-py3-none-any.whl", hash = "sha256:x"}]
[package.dependencies]
asgiref = ">=3.6.0,<4"
"backports.zoneinfo" = {version = "*", markers = "python_version < \\"3.9\\""}

[[package]]
name = "asgiref"
version = "3.8.1"
python-versions = ">=3.8"

[[package]]
name = "backports.zoneinfo"
version = "0.2.1"
python-versions = ">=3.6"

[[package]]
name = "requests"
version = "2.31.0"
python-versions = ">=3.7"
[package.dependencies]
urllib3 = ">=1.21.1,<3"
PySocks = {version = ">=1.5.6", optional = true}
[package.extras]
socks = ["PySocks (>=1.5.6,!=1.5.7)"]

[[package]]
name = "urllib3"
version = "2.2.1"
python-versions = ">=3.8"

[[package]]
name = "pysocks"
version = "1.7.1"
python-versions = "*"

[[package]]
name = "pytest"
version = "7.4.4"
python-versions = ">=3.7"
[package.dependencies]
iniconfig = "*"

[[package]]
name = "iniconfig"
version = "2.0.0"
python-versions = ">=3.7"

[[package]]
name = "sphinx"
version = "7.0.0"
python-versions = ">=3.8"

[[package]]
name = "legacy"
version = "1.0"
python-versions = "*"

[[package]]
name = "winonly"
version = "1.0"
python-versions = "*"

[[package]]
name = "optional-thing"
version = "1.0"
python-versions = "*"

[metadata]
lock-version = "2.0"
"""
)


def test_poetry_lock_2_0_has_no_groups_so_the_graph_decides() -> None:
    r = resolve_poetry_lock(POETRY_LOCK_20, POETRY_PYPROJECT, PY311)
    assert r.runtime == [
        "asgiref==3.8.1",
        "django==4.2.11",
        "pysocks==1.7.1",  # through requests[socks]
        "requests==2.31.0",
        "urllib3==2.2.1",
    ]
    assert r.dev == ["iniconfig==2.0.0", "pytest==7.4.4"]
    assert r.dev_groups == ["dev"] and "docs" not in r.dev_groups  # optional group: nowhere
    assert "backports-zoneinfo" in r.dropped


def test_poetry_lock_1_x_category_and_2_1_groups_read_the_same() -> None:
    for extra in ('category = "main"', 'groups = ["main"]'):
        lock = {"package": [dict(p, **tomllib.loads(extra)) for p in POETRY_LOCK_20["package"]]}
        assert resolve_poetry_lock(lock, POETRY_PYPROJECT, PY311).runtime[1] == "django==4.2.11"


@pytest.mark.parametrize(
    ("constraint", "version", "holds"),
    [
        ("^3.9", "3.11.0", True),
        ("^3.9", "4.0.0", False),
        ("~3.8", "3.9.0", False),
        (">=3.6,<4.0", "3.13.0", True),
        ("<3.9 || >=3.10", "3.9.5", False),
        ("<3.9 || >=3.10", "3.12.0", True),
        ("3.8.*", "3.8.10", True),
        ("*", "3.14.0", True),
    ],
)
def test_poetry_constraints(constraint: str, version: str, holds: bool) -> None:
    assert poetry_constraint_holds(constraint, version) is holds


def test_poetry_specifier_spells_caret_and_tilde() -> None:
    assert poetry_specifier("^1.2") == ">=1.2,<2"
    assert poetry_specifier("^0.4.3") == ">=0.4.3,<0.5"
    assert poetry_specifier("~1.2") == ">=1.2,<1.3"
    assert poetry_specifier("3.2.14") == "==3.2.14"


def test_pipfile_lock_and_pipfile_without_lock() -> None:
    lock = {
        "default": {
            "django": {"version": "==5.0.4"},
            "appnope": {"version": "==0.1.4", "markers": "sys_platform == 'darwin'"},
            "pkg": {"git": "https://github.com/x/pkg.git", "ref": "abc123"},
        },
        "develop": {"pytest": {"version": "==8.0"}, "django": {"version": "==5.0.4"}},
    }
    r = resolve_pipfile_lock(lock, PY311)
    assert r.runtime == ["django==5.0.4", "pkg @ git+https://github.com/x/pkg.git@abc123"]
    assert r.dev == ["pytest==8.0"] and r.dropped == ["appnope"]
    pipfile = {
        "packages": {"Django": "*", "psycopg": {"version": ">=3", "extras": ["binary"]}},
        "dev-packages": {
            "pytest": "==8.*",
            "pywin32": {"version": "*", "sys_platform": "== 'win32'"},
        },
    }
    r = resolve_pipfile(pipfile, PY311)
    assert r.runtime == ["Django", "psycopg[binary]>=3"]
    assert r.dev == ["pytest==8.*"] and r.dropped == ["pywin32"]
    assert "no Pipfile.lock" in r.notes[0]


def test_pep621_groups_include_group_and_markers() -> None:
    pyproject = {
        "project": {
            "dependencies": ["django>=5", 'backports.zoneinfo; python_version < "3.9"'],
        },
        "dependency-groups": {
            "test": ["pytest"],
            "dev": [{"include-group": "test"}, "ipython"],
            "production": ["gunicorn"],
        },
    }
    assert dependency_groups(pyproject)["dev"] == ["pytest", "ipython"]
    r = resolve_pep621(pyproject, PY311)
    assert r.runtime == ["django>=5", "gunicorn"]
    assert r.dev == ["pytest", "ipython"]
    assert r.dropped == ["backports-zoneinfo"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("dev", "dev"),
        ("tests", "dev"),
        ("lint", "dev"),
        ("docs", "dev"),
        ("type-check", "dev"),
        ("prod", "runtime"),
        ("production", "runtime"),
        ("main", "runtime"),
        ("notebooks", "other"),
    ],
)
def test_group_kinds(name: str, kind: str) -> None:
    assert group_kind(name) == kind


def test_markers_are_for_the_image_not_the_host() -> None:
    assert marker_holds('python_version < "3.12"', PY311)
    assert not marker_holds('python_version < "3.12"', PY313)
    assert not marker_holds("sys_platform == 'darwin'", PY311)
    assert marker_holds('extra == "pg"', PY311, frozenset({"pg"}))
    with pytest.raises(DockdjangoError, match="invalid environment marker"):
        marker_holds("python_version <<< 3", PY311, where="requirements.txt:3")


def test_wheel_fits_the_image_python_and_glibc() -> None:
    assert wheel_fits(["x-1.0-py3-none-any.whl"], PY313)
    assert wheel_fits(["x-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"], PY313)
    assert wheel_fits(["x-1.0-cp38-abi3-manylinux2014_x86_64.whl"], PY313)
    assert not wheel_fits(["x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"], PY313)
    assert not wheel_fits(["x-1.0-cp313-cp313-manylinux_2_39_x86_64.whl"], PY311)  # glibc 2.36
    assert not wheel_fits(["x-1.0-cp313-cp313-win_amd64.whl"], PY313)
    assert wheel_fits(["x-1.0.tar.gz"], PY313) is None


def test_requirements_files_follow_includes_and_keep_where(tmp_path) -> None:
    (tmp_path / "req").mkdir()
    (tmp_path / "req" / "base.txt").write_text("Django==5.2 \\\n  --hash=sha256:abc\n")
    (tmp_path / "req" / "pins.txt").write_text("six==1.16\n")
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://pypi.example/simple\n-r req/base.txt\n-c req/pins.txt\n"
        "-e git+https://github.com/x/y.git#egg=y\n"
        'tomli; python_version < "3.11"\n./vendor/pkg\n'
    )
    read = read_requirements(tmp_path / "requirements.txt", root=tmp_path)
    assert [r.text for r in read.lines] == [
        "Django==5.2",
        "-e git+https://github.com/x/y.git#egg=y",
        'tomli; python_version < "3.11"',
        "./vendor/pkg",
    ]
    assert read.lines[0].where == "req/base.txt:1"
    assert read.options == ["--index-url https://pypi.example/simple"]
    assert [p.name for p in read.constraints] == ["pins.txt"]
    assert [r.name for r in read.applicable(PY311)] == ["django", "y", None]
    assert requirement_name("-e git+https://github.com/x/y.git#egg=Y_Pkg") == "y-pkg"
    (tmp_path / "bad.txt").write_text("-r missing.txt\n")
    with pytest.raises(DockdjangoError, match=r"bad.txt:1: -r missing.txt: no such file"):
        read_requirements(tmp_path / "bad.txt", root=tmp_path)
