"""Which CA bundle a build trusts (pure: temp files and a fake environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.detection.detect import detect
from dockdjango.errors import DockdjangoError
from dockdjango.images.ca import (
    CACHE_MOUNT,
    MOUNTED_BUNDLE,
    bundle_image,
    find_ca_bundle,
    with_bundle_mount,
)
from dockdjango.images.dockerfile import DockerfileOptions, generate_dockerfile


@pytest.fixture
def pems(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name in ("explicit", "dd", "pip", "conf", "requests", "ssl"):
        p = tmp_path / f"{name}.pem"
        p.write_text(f"-----BEGIN CERTIFICATE-----\n{name}\n")
        out[name] = p
    return out


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # HOME and XDG dirs point into tmp so the machine's own pip config is not read.
    return {"HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "xdg"), **extra}


def test_order_of_precedence(tmp_path, pems):
    env = _env(
        tmp_path,
        DOCKDJANGO_CA_BUNDLE=str(pems["dd"]),
        PIP_CERT=str(pems["pip"]),
        REQUESTS_CA_BUNDLE=str(pems["requests"]),
        SSL_CERT_FILE=str(pems["ssl"]),
    )
    assert find_ca_bundle(pems["explicit"], env) == pems["explicit"]
    assert find_ca_bundle(None, env, pip_configs=[]) == pems["dd"]
    del env["DOCKDJANGO_CA_BUNDLE"]
    assert find_ca_bundle(None, env, pip_configs=[]) == pems["pip"]
    del env["PIP_CERT"]
    assert find_ca_bundle(None, env, pip_configs=[]) == pems["requests"]
    del env["REQUESTS_CA_BUNDLE"]
    assert find_ca_bundle(None, env, pip_configs=[]) == pems["ssl"]
    del env["SSL_CERT_FILE"]
    assert find_ca_bundle(None, env, pip_configs=[]) is None


def test_pip_config_cert_is_used(tmp_path, pems):
    conf = tmp_path / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"[global]\ncert = {pems['conf']}\n")
    env = _env(tmp_path, REQUESTS_CA_BUNDLE=str(pems["requests"]))
    assert find_ca_bundle(None, env, pip_configs=[conf]) == pems["conf"]
    # pip's own search order finds it too (HOME points at tmp_path).
    from dockdjango.images.ca import pip_config_files

    assert conf in pip_config_files(env)


def test_empty_setting_turns_it_off(tmp_path, pems):
    env = _env(tmp_path, DOCKDJANGO_CA_BUNDLE="", PIP_CERT=str(pems["pip"]))
    assert find_ca_bundle(None, env, pip_configs=[]) is None


def test_missing_explicit_bundle_is_a_clear_error(tmp_path):
    with pytest.raises(DockdjangoError, match="does not exist"):
        find_ca_bundle(tmp_path / "nope.pem", _env(tmp_path))


def test_the_sent_dockerfile_mounts_the_bundle_image_in_place_of_the_cache_mount(tmp_path):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    generated = generate_dockerfile(detect(tmp_path), DockerfileOptions(base_image="base:1"))
    assert generated.count(CACHE_MOUNT) == 2  # the uv download and the install
    image = bundle_image(b"-----BEGIN CERTIFICATE-----\n")
    assert image.startswith("dockdjango/ca-bundle:") and len(image.split(":")[1]) == 16
    assert bundle_image(b"other") != image
    sent = with_bundle_mount(generated, image)
    assert CACHE_MOUNT not in sent
    bind = f"--mount=type=bind,from={image},source=/ca.pem,target={MOUNTED_BUNDLE}"
    assert sent.count(bind) == 2
    assert sent.replace(bind, CACHE_MOUNT) == generated  # nothing else changes
    assert with_bundle_mount("FROM x\nRUN true\n", image) == "FROM x\nRUN true\n"
