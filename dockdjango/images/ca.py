"""Finding the CA bundle a build needs behind a TLS-intercepting proxy.

Corporate networks (and this project's CI) intercept TLS: ``pip install`` inside a build
fails with a certificate error unless the build trusts the proxy's CA. dockdjango copies
the bundle the host already trusts into the *builder* stage only (never the final image).
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

from dockdjango.errors import DockdjangoError

#: Where the bundle lands inside the build context and inside the builder stage.
CONTEXT_PATH = ".dockdjango/ca-bundle.crt"
BUILD_PATH = "/usr/local/share/dockdjango/ca-bundle.crt"
ENV_VAR = "DOCKDJANGO_CA_BUNDLE"


def pip_config_files(environ: Mapping[str, str]) -> list[Path]:
    """pip's configuration files, lowest priority first (as pip reads them)."""
    home = Path(environ.get("HOME", os.path.expanduser("~")))
    xdg_dirs = environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
    files = [Path(d) / "pip" / "pip.conf" for d in reversed(xdg_dirs)]
    files.append(Path("/etc/pip.conf"))
    files.append(home / ".pip" / "pip.conf")
    files.append(Path(environ.get("XDG_CONFIG_HOME", str(home / ".config"))) / "pip" / "pip.conf")
    if environ.get("VIRTUAL_ENV"):
        files.append(Path(environ["VIRTUAL_ENV"]) / "pip.conf")
    if environ.get("PIP_CONFIG_FILE"):
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    return files


def _pip_config_cert(files: list[Path]) -> str | None:
    cert = None
    for path in files:
        if not path.is_file():
            continue
        parser = configparser.ConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in ("global", "install"):
            if parser.has_option(section, "cert"):
                cert = parser.get(section, "cert")
    return cert


def find_ca_bundle(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    pip_configs: list[Path] | None = None,
) -> Path | None:
    """The CA bundle builds should trust, or None when the host configures none.

    Order: ``explicit``; ``$DOCKDJANGO_CA_BUNDLE`` (empty string = none); ``$PIP_CERT``;
    ``cert`` in pip's config files (``pip_configs``, default: the ones pip reads);
    ``$REQUESTS_CA_BUNDLE``; ``$SSL_CERT_FILE``.
    """
    env = os.environ if environ is None else environ
    if explicit is not None:
        return _existing(Path(explicit), "the CA bundle you passed")
    if ENV_VAR in env:
        return _existing(Path(env[ENV_VAR]), ENV_VAR) if env[ENV_VAR] else None
    candidates = [
        ("PIP_CERT", env.get("PIP_CERT")),
        (
            "pip's config (cert =)",
            _pip_config_cert(pip_config_files(env) if pip_configs is None else pip_configs),
        ),
        ("REQUESTS_CA_BUNDLE", env.get("REQUESTS_CA_BUNDLE")),
        ("SSL_CERT_FILE", env.get("SSL_CERT_FILE")),
    ]
    for _source, value in candidates:
        if value and Path(value).is_file():
            return Path(value)
    return None


def _existing(path: Path, source: str) -> Path:
    if not path.is_file():
        raise DockdjangoError(
            f"CA bundle {path} (from {source}) does not exist",
            hint=f"point {ENV_VAR} at a PEM file of the CAs your proxy uses, or set it empty",
        )
    return path


def context_files(bundle: Path | None) -> dict[str, bytes]:
    """The files to inject into a build context so the builder stage can trust ``bundle``."""
    return {CONTEXT_PATH: bundle.read_bytes()} if bundle is not None else {}


def builder_stage_lines(bundle: Path | None) -> list[str]:
    """Dockerfile lines for a *builder* stage that make pip (and requests/ssl) trust ``bundle``.

    They belong only in stages whose output is copied selectively (a virtualenv, wheels):
    the final stage never copies the bundle, so it never ships in the image.
    """
    if bundle is None:
        return []
    return [
        f"COPY {CONTEXT_PATH} {BUILD_PATH}",
        f"ENV PIP_CERT={BUILD_PATH} SSL_CERT_FILE={BUILD_PATH} REQUESTS_CA_BUNDLE={BUILD_PATH}",
    ]
