"""The registry-free base image: made from Debian's mirror, labelled, cached."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dockdjango.images.base import LABEL_PREFIX, BaseImageSpec, image_changes, tarball_path

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
    from dockdjango.api.base import ensure_base_image

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
    from dockdjango.api.base import ensure_base_image

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
