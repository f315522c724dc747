"""Which CA bundle a build trusts (pure: temp files and a fake environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.errors import DockdjangoError
from dockdjango.images.ca import BUILD_PATH, CONTEXT_PATH, builder_stage_lines, find_ca_bundle


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


def test_builder_lines_copy_from_the_context_path(pems):
    lines = builder_stage_lines(pems["pip"])
    assert lines[0] == f"COPY {CONTEXT_PATH} {BUILD_PATH}"
    assert f"PIP_CERT={BUILD_PATH}" in lines[1]
    assert builder_stage_lines(None) == []
