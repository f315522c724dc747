"""The registry-free base image: made from Debian's mirror, labelled, cached."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dockdjango.images.debootstrap import LABEL_PREFIX, BaseImageSpec, image_changes, tarball_path

pytestmark = pytest.mark.engine


def test_base_image_is_labelled_with_what_it_contains(engine, base_image):
    labels = engine.images.get(base_image).labels
    assert labels[f"{LABEL_PREFIX}.suite"] == "bookworm"
    assert set(labels[f"{LABEL_PREFIX}.packages"].split(",")) >= {
        "python3",
        "python3-venv",
        "ca-certificates",
    }
    assert labels[f"{LABEL_PREFIX}.python"].startswith("3.11.")
    assert labels[f"{LABEL_PREFIX}.created"].endswith("Z")


def test_second_ensure_reuses_the_image(engine, base_image):
    from dockdjango.api.images.base_image import ensure_base_image

    again = ensure_base_image(engine)
    assert again.source == "existing"
    assert again.id == engine.images.get(base_image).id


def test_base_image_can_make_a_venv_with_pip(engine, base_image, unique_name):
    out = engine.containers.run(
        base_image,
        ["sh", "-c", "python3 -m venv /tmp/v && /tmp/v/bin/pip --version"],
        name=unique_name,
        labels={"org.dockdjango.test": unique_name},
        remove=True,
    )
    assert b"pip " in out and b"python 3.11" in out


def test_reimport_from_cached_tarball(engine, base_image, unique_name, cleanup_images):
    """A spec whose image is missing but whose tarball is cached imports without debootstrap."""
    from dockdjango.api.images.base_image import ensure_base_image

    spec = BaseImageSpec(repository=f"dockdjango-test/{unique_name}")
    assert tarball_path(spec) == tarball_path(BaseImageSpec())  # same tree, other tag
    cleanup_images.append(spec.ref)
    made = ensure_base_image(engine, spec=spec)
    assert made.source == "tarball"
    assert engine.images.get(spec.ref).labels[f"{LABEL_PREFIX}.python"].startswith("3.11")


def test_cli_base_twice_second_is_cached(engine, base_image):
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", "base"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert f"base image {base_image} (cached" in proc.stdout


def test_import_changes_name_python_version():
    tar = tarball_path(BaseImageSpec())
    if not tar.exists():
        pytest.skip("no cached tarball on this machine yet")
    changes = image_changes(BaseImageSpec(), tar)
    assert any(c.startswith(f'LABEL "{LABEL_PREFIX}.python"="3.11.') for c in changes)
    assert 'CMD ["python3"]' in changes


@pytest.mark.parametrize(
    ("python", "suite"), [("3.11", "bookworm"), ("3.13", "trixie"), ("3.14", "sid")]
)
def test_each_python_runs_what_its_label_says(engine, python, suite, unique_name):
    """The label never claims a version the image does not run: ask the interpreter."""
    from dockdjango.api.images.base_image import ensure_base_image

    spec = BaseImageSpec.for_python(python)
    assert (spec.suite, spec.ref) == (suite, f"dockdjango/python:{python}-{suite}")
    made = ensure_base_image(engine, spec=spec)
    out = engine.containers.run(
        spec.ref,
        ["sh", "-c", "python3 --version && python3 -m venv /tmp/v && /tmp/v/bin/python --version"],
        name=unique_name,
        labels={"org.dockdjango.test": unique_name},
        remove=True,
    ).decode()
    running = out.split()[1]
    assert running.startswith(f"{python}.") and out.split()[3] == running
    assert made.python == running == engine.images.get(spec.ref).labels[f"{LABEL_PREFIX}.python"]


def test_read_only_commands_create_no_images(engine, tmp_path):
    """`dockerfile` and `explain` for projects asking for every Python on offer (and one
    on offer nowhere) pull, bootstrap or import no Python image. (Only Python images are
    compared: other sessions share this engine and make images of their own meanwhile.)"""

    def python_images() -> list[tuple[str, str]]:
        return sorted(
            (tag, image.id)
            for image in engine.images.list(all=True)
            for tag in image.tags
            if tag.startswith(("python:", "dockdjango/python:"))
        )

    before = python_images()
    for version in ("3.11", "3.12", "3.13", "3.14"):
        project = tmp_path / f"p{version}"
        project.mkdir()
        (project / "requirements.txt").write_text("six==1.16.0\n")
        (project / ".python-version").write_text(f"{version}\n")
        (project / "main.py").write_text("print(1)\n")
        for command in (["dockerfile", str(project)], ["explain", str(project)]):
            proc = subprocess.run(
                [sys.executable, "-m", "dockdjango", *command],
                capture_output=True,
                text=True,
                timeout=300,
                env={**__import__("os").environ, "DOCKDJANGO_OFFLINE": "1"},
            )
            assert proc.returncode == 0, proc.stderr
    assert python_images() == before
