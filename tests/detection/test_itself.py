"""The project as a package, and a uv project with its own index: pure, no engine."""

from __future__ import annotations

from pathlib import Path

from dockdjango.detection.detect import detect
from dockdjango.images.dockerfile import derived_files, generate_dockerfile

MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n'
UV_ROOT = """
[[package]]
name = "site"
version = "0.1.0"
source = {{ {source} = "." }}
dependencies = [{{ name = "django" }}, {{ name = "torch" }}]

[[package]]
name = "django"
version = "5.2"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [{{ url = "https://x/Django-5.2-py3-none-any.whl" }}]

[[package]]
name = "torch"
version = "2.5.1+cpu"
source = {{ registry = "https://download.pytorch.org/whl/cpu" }}
wheels = [{{ url = "https://x/torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl" }}]
"""
PYPROJECT = """
[project]
name = "site"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["django", "torch==2.5.1+cpu"]
{build}
[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

[tool.uv.sources]
torch = {{ index = "pytorch-cpu" }}
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_uv_project_with_its_own_index_and_local_versions(tmp_path: Path) -> None:
    """The lock's index and `+cpu` version stay the lock's: the Dockerfile mounts it and
    lets `uv sync --locked` read them, and names neither."""
    _write(
        tmp_path,
        {
            "manage.py": MANAGE,
            "site_cfg/settings.py": "",
            "pyproject.toml": PYPROJECT.format(build=""),
            "uv.lock": "version = 1\nrequires-python = '>=3.11'\n"
            + UV_ROOT.format(source="virtual"),
        },
    )
    project = detect(tmp_path)
    assert project.kind == "uv" and "torch==2.5.1+cpu" in project.requirements
    assert not project.install_project  # a virtual root: uv installs nothing of its own
    assert project.build_packages == ()  # the lock lists a fitting wheel for each
    text = generate_dockerfile(project)
    assert derived_files(project) == {}
    assert "uv sync --locked --no-install-project" in text
    assert "pytorch" not in text and "+cpu" not in text


def test_the_project_is_installed_when_its_site_needs_it(tmp_path: Path) -> None:
    files = {
        "manage.py": MANAGE,
        "site_cfg/settings.py": "",
        "pyproject.toml": PYPROJECT.format(
            build='[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
            'build-backend = "hatchling.build"\n'
        ),
        "uv.lock": "version = 1\nrequires-python = '>=3.11'\n" + UV_ROOT.format(source="editable"),
    }
    project = detect(_write(tmp_path, files))
    # uv.lock's own entry is editable: `uv sync` would install it, so the image does;
    # hatch-vcs reads the version from Git, which the build context has not
    assert project.install_project and project.scm_version == "0.0.0"
    assert any("the project itself is installed" in a for a in project.assumptions)
    text = generate_dockerfile(project)
    install = text.split("\n\n")[-1]
    assert install.index("COPY --chown=app:app . /app") < install.index("--editable /app")
    assert "SETUPTOOLS_SCM_PRETEND_VERSION=0.0.0" in install
    assert "--no-deps" in install  # uv.lock installed them before the source copy
    # a plain requirements project at the root is not a package to install
    plain = _write(tmp_path / "plain", {"manage.py": MANAGE, "requirements.txt": "Django\n"})
    assert not detect(plain).install_project
    # a sandbox site beside a package at the root (django-silk, django-oscar) is
    sandbox = _write(
        tmp_path / "sandbox",
        {
            "setup.py": "from setuptools import setup\nsetup(name='pkg')\n",
            "requirements.txt": "Django\n",
            "example/manage.py": MANAGE,
        },
    )
    found = detect(sandbox)
    # its requirements file is the sandbox's, not the package's: its own come with it
    assert found.install_project
    text = generate_dockerfile(found)
    assert "--editable /app" in text and "--no-deps" not in text


def test_the_dockerfile_does_not_change_when_the_lock_does(tmp_path: Path) -> None:
    """A new pin in uv.lock reaches the build through the mounted lock, not the text."""
    files = {
        "manage.py": MANAGE,
        "site_cfg/settings.py": "",
        "pyproject.toml": PYPROJECT.format(build=""),
        "uv.lock": "version = 1\nrequires-python = '>=3.11'\n" + UV_ROOT.format(source="virtual"),
    }
    root = _write(tmp_path, files)
    before = generate_dockerfile(detect(root))
    lock = (root / "uv.lock").read_text().replace('version = "5.2"', 'version = "5.2.1"')
    (root / "uv.lock").write_text(lock.replace("Django-5.2-", "Django-5.2.1-"))
    assert "django==5.2.1" in detect(root).requirements
    assert generate_dockerfile(detect(root)) == before
