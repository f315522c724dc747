"""Registry-free base images: a Debian root file system made by ``debootstrap``.

This module is host-side and never talks to Docker: it produces a tarball of a minimal
Debian tree (``debootstrap --variant=minbase``) with a Python, its ``venv`` module and
``ca-certificates``, cached under ``~/.cache/dockdjango/base/`` so that re-importing it
takes seconds. ``dockdjango.api.images.base_image`` imports the tarball into the engine.

Each Python comes from the Debian suite that ships it (:data:`DEBIAN_PYTHONS`: bookworm
3.11, trixie 3.13, sid 3.14); :meth:`BaseImageSpec.for_python` picks the suite, and asking
for a Python no suite ships is an error naming those that exist. The image's label says
the exact version inside, read from the tree's package database, never the one asked for.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dockdjango.detection.pythons import DEBIAN_PYTHONS, describe_offers
from dockdjango.errors import DockdjangoError
from dockdjango.images.redact import without_credentials

DEFAULT_MIRROR = "http://deb.debian.org/debian"
LABEL_PREFIX = "org.dockdjango.base"


@dataclass(frozen=True)
class BaseImageSpec:
    """What goes into a registry-free base image, and the tag it gets."""

    suite: str = "bookworm"
    python: str = "3.11"
    packages: tuple[str, ...] = ("python3", "python3-venv", "ca-certificates")
    mirror: str = DEFAULT_MIRROR
    repository: str = "dockdjango/python"
    extra_env: tuple[tuple[str, str], ...] = field(default=(("LANG", "C.UTF-8"),))
    #: Lines for /etc/apt/apt.conf.d/99dockdjango (sid: its Release file expires weekly,
    #: so apt would refuse a mirror that is a few days behind).
    apt_conf: tuple[str, ...] = ()

    @classmethod
    def for_python(
        cls,
        python: str = "3.11",
        *,
        mirror: str = DEFAULT_MIRROR,
        repository: str = "dockdjango/python",
    ) -> BaseImageSpec:
        """The spec whose suite ships Python ``python`` (``3.13`` -> trixie).

        The suite's default ``python3`` is the usual choice (bookworm 3.11, trixie 3.13);
        a newer Python a suite carries beside its default (sid's 3.14) is installed by
        name and linked as ``python3`` in ``/usr/local/bin``.
        """
        minor = ".".join(python.split(".")[:2])
        suite = DEBIAN_PYTHONS.get(minor)
        if suite is None:
            raise DockdjangoError(
                f"Python {python}: no Debian suite ships it, so no registry-free base image "
                "can be made for it",
                hint=f"available without a registry: {describe_offers(dict(DEBIAN_PYTHONS))}",
            )
        packages = ("python3", "python3-venv", "ca-certificates")
        apt_conf: tuple[str, ...] = ()
        if suite == "sid":
            packages = (f"python{minor}", f"python{minor}-venv", "ca-certificates")
            apt_conf = ('Acquire::Check-Valid-Until "false";',)
        return cls(suite, minor, packages, mirror=mirror, repository=repository, apt_conf=apt_conf)

    @property
    def tag(self) -> str:
        """The image tag, e.g. ``3.11-bookworm``."""
        return f"{self.python}-{self.suite}"

    @property
    def ref(self) -> str:
        """The full reference, e.g. ``dockdjango/python:3.11-bookworm``."""
        return f"{self.repository}:{self.tag}"

    @property
    def cache_key(self) -> str:
        """Changes whenever the tree would differ (suite, packages, mirror, architecture)."""
        parts = [self.suite, ",".join(sorted(self.packages)), self.mirror, os.uname().machine]
        if self.apt_conf:  # only then, so the keys of existing tarballs stay the same
            parts.append(";".join(self.apt_conf))
        raw = "|".join(parts)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def cache_dir() -> Path:
    """Where base tarballs are kept (``$DOCKDJANGO_CACHE`` or ``~/.cache/dockdjango``)."""
    root = os.environ.get("DOCKDJANGO_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dockdjango"
    )
    return Path(root) / "base"


def tarball_path(spec: BaseImageSpec) -> Path:
    """The cached root-file-system tarball for ``spec``."""
    return cache_dir() / f"{spec.suite}-{spec.cache_key}.tar"


def check_can_bootstrap() -> None:
    """Raise a clear error when this host cannot run debootstrap (not root, not installed)."""
    if os.geteuid() != 0:
        raise DockdjangoError(
            "building a registry-free base image needs root (debootstrap creates device files)",
            hint="run `sudo python -m dockdjango base`, or use an official image "
            "(python:3.11-slim) where a registry is reachable",
        )
    if shutil.which("debootstrap") is None:
        raise DockdjangoError(
            "debootstrap is not installed",
            hint="on Debian/Ubuntu: apt-get install debootstrap (scripts/ensure-docker.sh does it)",
        )


def bootstrap_tarball(
    spec: BaseImageSpec, *, log: Callable[[str], None] | None = None, force: bool = False
) -> Path:
    """Return the cached tarball for ``spec``, running debootstrap first when it is missing."""
    target = tarball_path(spec)
    if target.exists() and not force:
        return target
    check_can_bootstrap()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dockdjango-rootfs-", dir=target.parent) as tmp:
        root = Path(tmp) / "rootfs"
        cmd = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(spec.packages)}",
            spec.suite,
            str(root),
            spec.mirror,
        ]
        if log:
            log(f"running {without_credentials(' '.join(cmd))}")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise DockdjangoError(
                f"debootstrap of {spec.suite} failed (exit {proc.returncode}): {' | '.join(tail)}",
                hint=f"check that {without_credentials(spec.mirror)} is reachable from this host",
            )
        _link_python(root, spec.python)
        if spec.apt_conf:
            conf = root / "etc/apt/apt.conf.d/99dockdjango"
            conf.write_text("\n".join(spec.apt_conf) + "\n", encoding="utf-8")
        _slim(root)
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w", format=tarfile.GNU_FORMAT) as tar:
            tar.add(root, arcname=".")
        os.replace(partial, target)  # atomic: a killed run never leaves a half tarball behind
    return target


def _link_python(root: Path, minor: str) -> None:
    """``python3`` (and ``python``) in /usr/local/bin for a Python that is not the suite's
    default ``python3``; nothing when it is (bookworm's 3.11, trixie's 3.13)."""
    default = root / "usr/bin/python3"
    wanted = f"python{minor}"
    if default.is_symlink() and os.readlink(default) == wanted:
        return
    if not (root / "usr/bin" / wanted).exists():
        raise DockdjangoError(f"debootstrap made no /usr/bin/{wanted}")
    local = root / "usr/local/bin"
    local.mkdir(parents=True, exist_ok=True)
    for name in ("python3", "python"):
        link = local / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(f"/usr/bin/{wanted}")


def _slim(root: Path) -> None:
    """Drop what an image does not need: downloaded .debs, apt lists, docs, logs."""
    for sub in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man"):
        d = root / sub
        if d.is_dir():
            for child in d.iterdir():
                if child.is_file() or child.is_symlink():
                    child.unlink()
                elif child.is_dir() and child.name != "partial":
                    shutil.rmtree(child, ignore_errors=True)
    for log in (root / "var/log").glob("**/*.log"):
        log.unlink(missing_ok=True)


def package_versions(tar_path: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Versions of Debian packages inside a rootfs tarball, read from its dpkg status file."""
    with tarfile.open(tar_path) as tar:
        member = tar.extractfile("./var/lib/dpkg/status")
        text = member.read().decode("utf-8", "replace") if member else ""
    found: dict[str, str] = {}
    for block in text.split("\n\n"):
        pkg = re.search(r"^Package: (\S+)$", block, re.M)
        ver = re.search(r"^Version: (\S+)$", block, re.M)
        if pkg and ver and pkg.group(1) in names:
            found[pkg.group(1)] = ver.group(1)
    return found


def image_changes(spec: BaseImageSpec, tar_path: Path) -> list[str]:
    """Dockerfile-style changes applied at import: env, command and descriptive labels."""
    py_pkg = f"python{spec.python}"
    versions = package_versions(tar_path, (py_pkg, "ca-certificates", "python3-venv"))
    py_version = versions.get(py_pkg, "").split("-")[0]
    if not py_version.startswith(f"{spec.python}."):
        raise DockdjangoError(
            f"the {spec.suite} root file system holds no {py_pkg} package "
            f"(found {py_version or 'none'}): it cannot be labelled Python {spec.python}",
            hint="remove the cached tarball in ~/.cache/dockdjango/base and run "
            "`dockdjango base --force`",
        )
    labels = {
        f"{LABEL_PREFIX}.suite": spec.suite,
        f"{LABEL_PREFIX}.packages": ",".join(spec.packages),
        f"{LABEL_PREFIX}.python": py_version,
        f"{LABEL_PREFIX}.mirror": without_credentials(spec.mirror),
        f"{LABEL_PREFIX}.created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        f"{LABEL_PREFIX}.cache-key": spec.cache_key,
        "org.opencontainers.image.description": (
            f"Debian {spec.suite} minbase with {', '.join(spec.packages)} (made by dockdjango, "
            "no registry)"
        ),
    }
    changes = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    changes += [f"ENV {k}={v}" for k, v in spec.extra_env]
    changes += [f'LABEL "{k}"="{v}"' for k, v in labels.items()]
    changes.append('CMD ["python3"]')
    return changes
