"""Builds that generalise (issue 19, classes 1 and 2, and the project itself), on BuildKit.

Small synthetic projects, built with dockdjango's builder for both targets:

- a dependency with no wheel for Linux (psycopg2 from its sdist), in the runtime
  requirements and again through the dev file's ``-r``: it compiles in the build stages
  only, both targets import it, and the runtime image has no compiler;
- a reusable package at the root with its site in ``sandbox/``, versioned from Git by
  setuptools-scm: installed editable, its metadata readable from anywhere;
- an sdist with C code nothing knows about: compiled with the toolchain the build stage
  gets because no lock lists its wheels;
- a setup.py project whose dev tools are listed only in ``requirements/devel.txt`` (``-r``
  to the files setup.py reads): the dev target has them, the runtime image not.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
from collections.abc import Iterator
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
#: a Django site with nothing in it: what each project below adds is its dependencies
SITE = {
    "manage.py": MANAGE,
    "site_cfg/__init__.py": "",
    "site_cfg/settings.py": "SECRET_KEY = 'x'\n",
}


def _run(tag: str, *command: str, workdir: str = "/app") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", "-w", workdir, tag, *command],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@contextlib.contextmanager
def _built_both(root: Path, engine, base: str) -> Iterator[dict[str, str]]:
    """{target: tag} of the dev and runtime images of ``root``, removed afterwards."""
    from dockdjango.api.images.project_images import build_project
    from dockdjango.images.dockerfile import DockerfileOptions

    tags = {}
    try:
        for target in ("dev", "runtime"):
            tag = f"ddtest-{uuid.uuid4().hex[:8]}:{target}"
            tags[target] = tag
            options = DockerfileOptions(base_image=base)
            build_project(root, tag=tag, client=engine, target=target, options=options)
        yield tags
    finally:
        for tag in tags.values():
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_a_package_without_wheels_compiles_for_dev_and_runtime(
    tmp_path: Path, engine, base_image: str
) -> None:
    files = {
        **SITE,
        "requirements.txt": "Django==5.2\npsycopg2==2.9.10\n",
        "requirements-dev.txt": "-r requirements.txt\niniconfig==2.0.0\n",
    }
    with _built_both(_write(tmp_path, files), engine, base_image) as tags:
        for target, tag in tags.items():
            out = _run(tag, "python3", "-c", "import psycopg2; print(psycopg2.__version__)")
            assert out.returncode == 0 and out.stdout.startswith("2.9.10"), (target, out.stderr)
        assert _has_iniconfig(tags) == {"dev": True, "runtime": False}
        assert _run(tags["runtime"], "sh", "-c", "command -v gcc").returncode != 0


def _has_iniconfig(tags: dict[str, str]) -> dict[str, bool]:
    """{target: whether the dev-only package is importable}."""
    has = "import importlib.util as u; print(bool(u.find_spec('iniconfig')))"
    return {t: _run(tag, "python3", "-c", has).stdout.strip() == "True" for t, tag in tags.items()}


def test_the_project_itself_is_installed_with_a_version_without_git(
    tmp_path: Path, engine, base_image: str
) -> None:
    root = tmp_path / "package_site"
    shutil.copytree(DATA / "package_site", root)
    with _built_both(root, engine, base_image) as tags:
        for target, tag in tags.items():
            # from / (not the source): only an installed distribution answers
            out = _run(tag, "python3", "-c", "import shelf; print(shelf.VERSION)", workdir="/")
            assert out.returncode == 0 and out.stdout.strip() == "0.0.0", (target, out.stderr)


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


def test_a_setup_py_project_gets_its_dev_requirements_file_in_dev_only(
    tmp_path: Path, engine, base_image: str
) -> None:
    files = {
        **SITE,
        "setup.py": (
            "from setuptools import setup\n"
            "with open('requirements/base.txt') as f:\n"
            "    requires = [line.strip() for line in f if line.strip()]\n"
            "setup(name='site', version='1', packages=['site_cfg'], install_requires=requires)\n"
        ),
        "requirements/base.txt": "Django==5.2\n",
        "requirements/docs.txt": "-r base.txt\niniconfig==2.0.0\n",
        "requirements/devel.txt": "-r docs.txt\n",
    }
    with _built_both(_write(tmp_path, files), engine, base_image) as tags:
        assert _has_iniconfig(tags) == {"dev": True, "runtime": False}
        for tag in tags.values():
            out = _run(tag, "python3", "-c", "import django; print(django.__version__)")
            assert out.returncode == 0 and out.stdout.startswith("5.2"), out.stderr
