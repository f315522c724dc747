"""Builds that generalise (issue 19, classes 1 and 2, and the project itself), on BuildKit.

Small synthetic projects, built with dockdjango's builder for both targets:

- a dependency with no wheel for Linux (psycopg2 from its sdist), in the runtime
  requirements and again through the dev file's ``-r``: it compiles in the build stages
  only, both targets import it, and the runtime image has no compiler;
- a reusable package at the root with its site in ``sandbox/``, versioned from Git by
  setuptools-scm: installed editable, its metadata readable from anywhere;
- an sdist with C code nothing knows about: compiled with the toolchain the build stage
  gets because no lock lists its wheels.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

DATA = Path(__file__).parent / "data"
MANAGE = (
    "import os, sys\n"
    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n'
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(sys.argv)\n"
)


def _run(tag: str, *command: str, workdir: str = "/app") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", "-w", workdir, tag, *command],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _build_both(root: Path, engine, base: str) -> dict[str, str]:
    from dockdjango.api.images.project_images import build_project
    from dockdjango.images.dockerfile import DockerfileOptions

    tags = {}
    for target in ("dev", "runtime"):
        tag = f"ddtest-{uuid.uuid4().hex[:8]}:{target}"
        build_project(
            root, tag=tag, client=engine, target=target, options=DockerfileOptions(base_image=base)
        )
        tags[target] = tag
    return tags


def test_a_package_without_wheels_compiles_for_dev_and_runtime(
    tmp_path: Path, engine, base_image: str
) -> None:
    files = {
        "manage.py": MANAGE,
        "site_cfg/__init__.py": "",
        "site_cfg/settings.py": "SECRET_KEY = 'x'\n",
        "requirements.txt": "Django==5.2\npsycopg2==2.9.10\n",
        "requirements-dev.txt": "-r requirements.txt\niniconfig==2.0.0\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    tags: dict[str, str] = {}
    try:
        tags = _build_both(tmp_path, engine, base_image)
        for target, tag in tags.items():
            out = _run(tag, "python3", "-c", "import psycopg2; print(psycopg2.__version__)")
            assert out.returncode == 0 and out.stdout.startswith("2.9.10"), (target, out.stderr)
        dev_only = "import importlib.util as u; print(bool(u.find_spec('iniconfig')))"
        assert _run(tags["dev"], "python3", "-c", dev_only).stdout.strip() == "True"
        assert _run(tags["runtime"], "python3", "-c", dev_only).stdout.strip() == "False"
        assert _run(tags["runtime"], "sh", "-c", "command -v gcc").returncode != 0
    finally:
        for tag in tags.values():
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_the_project_itself_is_installed_with_a_version_without_git(
    tmp_path: Path, engine, base_image: str
) -> None:
    root = tmp_path / "package_site"
    shutil.copytree(DATA / "package_site", root)
    tags: dict[str, str] = {}
    try:
        tags = _build_both(root, engine, base_image)
        for target, tag in tags.items():
            # from / (not the source): only an installed distribution answers
            out = _run(tag, "python3", "-c", "import shelf; print(shelf.VERSION)", workdir="/")
            assert out.returncode == 0 and out.stdout.strip() == "0.0.0", (target, out.stderr)
    finally:
        for tag in tags.values():
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_an_unknown_sdist_compiles_with_the_toolchain(
    tmp_path: Path, engine, base_image: str
) -> None:
    """crcmod 1.7 publishes only an sdist with a C extension (and falls back to pure Python
    without a compiler): nothing lists it, so the build stage gets the toolchain, and the
    extension is compiled."""
    from dockdjango.api.images.project_images import build_project
    from dockdjango.detection.detect import detect
    from dockdjango.images.dockerfile import DockerfileOptions

    (tmp_path / "requirements.txt").write_text("crcmod==1.7\n")
    (tmp_path / "main.py").write_text("import crcmod._crcfunext\nprint('compiled')\n")
    assert any("crcmod may build from source" in a for a in detect(tmp_path).assumptions)
    tag = f"ddtest-{uuid.uuid4().hex[:8]}:sdist"
    try:
        build_project(tmp_path, tag=tag, client=engine, options=DockerfileOptions(base_image))
        out = _run(tag, "python3", "main.py")
        assert out.returncode == 0 and out.stdout.strip() == "compiled", out.stderr
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
