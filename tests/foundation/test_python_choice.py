"""Python versions, honestly: which suite gives which Python, and what cannot be had."""

from __future__ import annotations

import os

import pytest

from dockdjango.errors import DockdjangoError
from dockdjango.images.debootstrap import BaseImageSpec


def test_each_offered_python_has_its_suite():
    assert BaseImageSpec.for_python("3.11") == BaseImageSpec()  # the tag others rely on
    assert BaseImageSpec.for_python("3.13.2").ref == "dockdjango/python:3.13-trixie"
    sid = BaseImageSpec.for_python("3.14")
    assert sid.packages == ("python3.14", "python3.14-venv", "ca-certificates")
    assert sid.apt_conf  # sid's Release file expires weekly: apt must not refuse a mirror


def test_a_python_no_suite_ships_is_an_error_naming_those_that_exist():
    with pytest.raises(DockdjangoError) as info:
        BaseImageSpec.for_python("3.12")
    assert "Python 3.12: no Debian suite ships it" in str(info.value)
    assert "3.11 (Debian bookworm), 3.13 (Debian trixie), 3.14 (Debian sid)" in str(info.value.hint)


def test_existing_tarball_keys_do_not_move():
    """Adding apt options to sid must not re-key bookworm/trixie's cached trees."""
    import hashlib

    spec = BaseImageSpec.for_python("3.13")
    raw = "|".join([spec.suite, ",".join(sorted(spec.packages)), spec.mirror, os.uname().machine])
    assert spec.cache_key == hashlib.sha256(raw.encode()).hexdigest()[:16]


def test_dockerfile_names_the_base_without_an_engine(tmp_path, monkeypatch):
    from dockdjango.api.images.detect_here import base_image_for
    from dockdjango.detection.detect import detect

    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / ".python-version").write_text("3.14\n")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    choice = base_image_for(detect(tmp_path), offline=True, create=False)
    assert (choice.ref, choice.source) == ("dockdjango/python:3.14-sid", "missing")
