"""Finding the CA bundle a build needs behind a TLS-intercepting proxy, and getting it there.

Corporate networks (and this project's CI) intercept TLS: ``pip``/``uv`` inside a build fail
with a certificate error unless the build trusts the proxy's CA. The generated Dockerfile's
install steps mount the BuildKit cache mount ``dockdjango-ca`` read-only and trust
``ca.pem`` there when it exists. Where nothing fills it (no proxy, ``docker build``, a CI
elsewhere) the mount is empty and the install uses the default trust store, so the committed
Dockerfile builds anywhere.

When dockdjango builds and the host has a bundle, the Dockerfile it *sends* mounts the bundle
instead, read-only, from a one-file local image (:func:`bundle_image`, ``FROM scratch`` +
``ca.pem``) in place of that cache mount (:func:`with_bundle_mount`). A mount is never part
of an image, so the bundle never reaches a layer. A separate build cannot fill the cache mount
for the next one: measured on Engine 20.10, a ``readonly`` cache mount, and every cache mount
of a ``--no-cache`` build, start empty whatever an earlier build wrote there.
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
#: The mount the generated install steps carry, exactly as written.
CACHE_MOUNT = f"--mount=type=cache,id={CACHE_ID},target={MOUNT_DIR},readonly"
#: The local images holding one bundle each (tagged by the bundle's digest).
BUNDLE_REPOSITORY = "dockdjango/ca-bundle"
#: The Dockerfile of such an image; its context holds only ``ca.pem``.
BUNDLE_DOCKERFILE = "FROM scratch\nCOPY ca.pem /ca.pem\n"


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


def bundle_image(bundle: bytes) -> str:
    """The local image that holds ``bundle`` at ``/ca.pem`` (named by its content)."""
    import hashlib

    return f"{BUNDLE_REPOSITORY}:{hashlib.sha256(bundle).hexdigest()[:16]}"


def with_bundle_mount(dockerfile: str, image: str) -> str:
    """``dockerfile`` with each ``dockdjango-ca`` cache mount replaced by a read-only bind
    mount of ``image``'s ``/ca.pem`` at the same place; unchanged when it has none."""
    bind = f"--mount=type=bind,from={image},source=/ca.pem,target={MOUNTED_BUNDLE}"
    return dockerfile.replace(CACHE_MOUNT, bind)
