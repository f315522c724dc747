"""Finding the CA bundle a build needs behind a TLS-intercepting proxy, and getting it there.

Corporate networks (and this project's CI) intercept TLS: ``pip``/``uv`` inside a build fail
with a certificate error unless the build trusts the proxy's CA. The generated Dockerfile's
install steps mount the BuildKit cache mount ``dockdjango-ca`` read-only and trust
``ca.pem`` there when it exists. Before a build that will run such a step, dockdjango fills
that cache mount with the host's bundle through a tiny cache-only build
(:func:`fill_dockerfile`). A cache mount is never part of an image, so the bundle never
reaches a layer; where the mount is empty (no proxy, a CI elsewhere), the install uses the
default trust store, so the committed Dockerfile still builds anywhere.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

from dockdjango.errors import DockdjangoError

ENV_VAR = "DOCKDJANGO_CA_BUNDLE"
#: The BuildKit cache mount holding the bundle, where steps mount it, and the file in it.
CACHE_ID = "dockdjango-ca"
MOUNT_DIR = "/run/dockdjango-ca"
MOUNTED_BUNDLE = f"{MOUNT_DIR}/ca.pem"
#: Where the fill build's context carries the bundle.
FILL_CONTEXT_PATH = "ca.pem"


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


def fill_dockerfile(base_image: str) -> str:
    """A Dockerfile that copies the context's ``ca.pem`` into the ``dockdjango-ca`` cache mount.

    Built cache-only (no image) and without the layer cache, so it runs every time it is
    asked to — the mount may have been pruned since the last time.
    """
    return (
        f"FROM {base_image}\n"
        f"RUN --mount=type=cache,id={CACHE_ID},target={MOUNT_DIR} \\\n"
        f"    --mount=type=bind,source={FILL_CONTEXT_PATH},target=/tmp/{FILL_CONTEXT_PATH} \\\n"
        f"    cp /tmp/{FILL_CONTEXT_PATH} {MOUNTED_BUNDLE}.tmp \\\n"
        f"    && mv {MOUNTED_BUNDLE}.tmp {MOUNTED_BUNDLE}\n"
    )
