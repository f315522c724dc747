"""The virtualenv side of ``dockdjango compare``, and where it cannot set a project up.

``dockdjango compare`` measures a project both ways. For real projects the virtualenv side
often cannot do the job at all, and the comparison must say so rather than fail or pretend:

- the project needs a Python the host does not run (``requires-python``, or its Django's
  own minimum) -- known before anything is installed;
- ``pip install`` fails on this host: a C library's headers missing (``pg_config``), a
  source build that predates the host's Python... -- the requirement and pip's reason;
- the project has no ``requirements.txt``: the venv installs the pinned list detection
  derived from its lock or manifest (the same the image installs).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from dockdjango.api.compare.compare_common import (
    Log,
    _clean_env,
    _count_freeze,
    _last_json,
    _quiet,
    _run,
    dir_size,
)
from dockdjango.detection.detect import SourceProject
from dockdjango.detection.pythons import DJANGO_PYTHONS, django_series
from dockdjango.errors import DockdjangoError
from dockdjango.images import comparison as plan
from dockdjango.images.comparison import Side
from dockdjango.images.install_errors import explain_install_failure


def host_python(python: str | None = None) -> str:
    """``3.11.7``: the version of the interpreter the virtualenv would be made with."""
    if python in (None, sys.executable):
        info = sys.version_info
        return f"{info.major}.{info.minor}.{info.micro}"
    import subprocess

    out = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "?"


def venv_blocker(project: SourceProject, host: str) -> str | None:
    """Why a virtualenv of Python ``host`` cannot run ``project`` at all, or None."""
    request = project.python_request
    if request.hard:
        try:
            if host not in SpecifierSet(request.hard):
                return (
                    f"the project requires Python {request.hard} ({request.hard_source}); "
                    f"the host runs {host}"
                )
        except InvalidSpecifier:
            pass
    series = django_series(request.django or "")
    if series in DJANGO_PYTHONS:
        low, _ = DJANGO_PYTHONS[series]
        minor = ".".join(host.split(".")[:2])
        if tuple(int(p) for p in minor.split(".")) < tuple(int(p) for p in low.split(".")):
            return f"Django {request.django} needs Python >= {low}; the host runs {host}"
    return None


def venv_requirements(project_dir: Path, project: SourceProject, work: Path) -> Path:
    """The file the virtualenv installs: the project's own requirements file when it has
    one, else the pinned list detection derived (written into ``work``)."""
    if project.requirements_file is not None:
        return project_dir / project.requirements_file
    path = work / "requirements.txt"
    path.write_text("\n".join(project.requirements) + "\n", encoding="utf-8")
    return path


def install_failure(output: str, project: SourceProject, host: str) -> str:
    """One line for a failed ``pip install`` on the host (pip's own last line otherwise)."""
    python = ".".join(host.split(".")[:2])
    found = explain_install_failure(
        output.splitlines(), requirements=project.dependency_source or None, python=python
    )
    if found is not None:
        return found.message
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith("ERROR")]
    return f"pip install failed: {(errors or ['see pip output'])[-1][:200]}"


def measure_venv(
    project: Path,
    *,
    python: str,
    run_tests: bool = True,
    log: Log = _quiet,
    requirements: Path | None = None,
    detected: Any = None,
    cold: bool = True,
) -> Side:
    """Create a virtualenv and ``pip install -r requirements.txt`` twice: cold, then warm.

    With ``detected`` (the project as detection sees it), a Python the host lacks or a
    failed install ends the measurement early, said in the side's notes.
    """
    side = Side(name="virtualenv")
    requirements = requirements or project / "requirements.txt"
    host = host_python(python)
    blocker = venv_blocker(detected, host) if detected is not None else None
    if blocker:
        side.notes.append(f"cannot set it up: {blocker}")
        side.probe = {"python": host}
        side.postgres = _host_postgres()
        side.reproducible = "—"
        return side
    work = Path(tempfile.mkdtemp(prefix="dockdjango-compare-"))
    env = _clean_env(PIP_CACHE_DIR=str(work / "pip-cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    try:
        for label in ("cold", "warm") if cold else ("cold",):
            venv_dir = work / f"venv-{label}"
            log(f"virtualenv ({label}): {python} -m venv + pip install -r {requirements.name}")
            started = time.monotonic()
            vpy = _install(python, venv_dir, requirements, project, env, side, detected, host)
            if vpy is None:
                break
            probe = _run([vpy, "-c", plan.PROBE], env=env, what="probing the venv").stdout
            seconds = round(time.monotonic() - started, 3)
            if label == "cold":
                side.setup_cold_s = seconds
                side.setup_warm_s = seconds if not cold else 0.0
                side.probe = _last_json(probe)
                _contents(side, project, venv_dir, vpy, env, run_tests=run_tests, log=log)
            else:
                side.setup_warm_s = seconds
            shutil.rmtree(venv_dir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    side.postgres = _host_postgres()
    side.reproducible = _venv_reproducibility(requirements.read_text(), plan.lock_files(project))
    return side


def _install(
    python: str,
    venv_dir: Path,
    requirements: Path,
    project: Path,
    env: dict[str, str],
    side: Side,
    detected: Any,
    host: str,
) -> str | None:
    """Create the venv and install the requirements; its python, or None when the install
    failed for a detected project (said in the side's notes)."""
    _run([python, "-m", "venv", str(venv_dir)], env=env, what="creating the venv")
    vpy = str(venv_dir / "bin" / "python")
    installed = subprocess.run(
        [vpy, "-m", "pip", "install", "-r", str(requirements)],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
    )
    if installed.returncode == 0:
        return vpy
    if detected is None:
        tail = (installed.stderr or installed.stdout).strip().splitlines()[-1:]
        raise DockdjangoError(f"pip install -r requirements.txt failed: {tail}")
    output = installed.stdout + installed.stderr
    side.notes.append(f"cannot set it up: {install_failure(output, detected, host)}")
    side.probe = {"python": host}
    return None


def _contents(
    side: Side,
    project: Path,
    venv_dir: Path,
    vpy: str,
    env: dict[str, str],
    *,
    run_tests: bool,
    log: Log,
) -> None:
    """Size, packages and (if asked) the test suite of the set-up venv, onto ``side``."""
    side.disk_bytes = dir_size(venv_dir)
    freeze = _run([vpy, "-m", "pip", "freeze"], env=env, what="pip freeze").stdout
    side.packages = _count_freeze(freeze)
    if run_tests:
        log("virtualenv: running the test suite (SQLite)")
        side.tests = _venv_tests(project, vpy, env)


def _venv_tests(project: Path, vpy: str, env: dict[str, str]) -> plan.SuiteOutcome:
    command = [vpy, *plan.suite_command(project)[1:]]
    proc = subprocess.run(
        command,
        cwd=project,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    outcome = plan.parse_test_output(proc.stdout + proc.stderr, proc.returncode)
    outcome.database = "SQLite"
    return outcome


def _host_postgres() -> str:
    """Whether the host offers tests a PostgreSQL: a server on 127.0.0.1:5432 or a binary."""
    with socket.socket() as s:
        s.settimeout(0.5)
        listening = s.connect_ex(("127.0.0.1", 5432)) == 0
    if listening:
        return "a server answers on 127.0.0.1:5432 (yours to set up)"
    if shutil.which("postgres") or shutil.which("pg_ctl"):
        return "installed, not running (SQLite)"
    return "no (SQLite)"


def _venv_reproducibility(requirements: str, locks: list[str]) -> str:
    total, pinned, hashed = plan.requirement_pins(requirements)
    if locks:
        return f"lock file ({', '.join(locks)}); host Python and libraries vary"
    if hashed:
        return f"hash-locked requirements ({total}); host Python varies"
    if total and pinned == total:
        return f"pinned requirements ({total}); host Python and libraries vary"
    return f"requirements only ({total - pinned} of {total} ranges)"
