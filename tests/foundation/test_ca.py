"""Which CA bundle a build trusts (pure: temp files and a fake environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.errors import DockdjangoError
from dockdjango.images.ca import MOUNTED_BUNDLE, fill_dockerfile, find_ca_bundle


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


def test_the_fill_build_writes_the_bundle_into_the_cache_mount_only():
    text = fill_dockerfile("base:1")
    assert text.startswith("FROM base:1\n")
    assert "--mount=type=cache,id=dockdjango-ca,target=/run/dockdjango-ca" in text
    assert f"mv {MOUNTED_BUNDLE}.tmp {MOUNTED_BUNDLE}" in text
    assert "COPY" not in text and "ENV" not in text  # nothing lands in a layer
