"""`dockdjango base` and `dockdjango version`."""

from __future__ import annotations

import argparse

from dockdjango.cli.table import Command, option


def run_base(args: argparse.Namespace) -> int:
    """Ensure the base image; print one line saying what happened."""
    import sys

    from dockdjango.api.connection import connect, describe_engine
    from dockdjango.api.images.base_image import BaseImageSpec, ensure_base_image

    client = connect()
    print(f"✓ {describe_engine(client).describe()}")

    def log(msg: str) -> None:
        print(f"  {msg}", file=sys.stderr)

    spec = BaseImageSpec.for_python(args.python)
    base = ensure_base_image(client, spec=spec, force=args.force, log=log)
    how = {
        "existing": "cached",
        "tarball": "imported from cached root file system",
        "bootstrap": "bootstrapped from Debian",
    }[base.source]
    short_id = base.id.removeprefix("sha256:")[:12]
    took = f"{base.seconds:.1f} s"
    print(f"✓ base image {base.ref} ({how}, Python {base.python}, {short_id}, {took})")
    return 0


def run_version(args: argparse.Namespace) -> int:
    """Print versions; the engine line says so when no engine answers."""
    from dockdjango.api.local_engine import local_versions

    found = local_versions()
    if found is None:  # not Docker on this machine's socket (or none answers): the SDK asks
        from dockdjango.api.connection import versions

        found = versions()
    print(f"dockdjango {found.dockdjango}")
    print(f"docker SDK {found.sdk}")
    if found.unreachable is not None:
        print(f"engine: {found.unreachable}")
        return 1
    print(f"engine: {found.info.describe()}" if found.info else f"engine {found.engine}")
    return 0


COMMANDS = (
    Command(
        "base",
        "build the registry-free Debian base image if it is missing",
        run_base,
        description="Build dockdjango/python:X-SUITE from Debian's package mirror "
        "(debootstrap minbase -> docker import) when the engine does not have it: 3.11 from "
        "bookworm (the default), 3.13 from trixie, 3.14 from sid. The image's label gives "
        "the exact Python inside. For air-gapped machines and hosts with no registry.",
        options=(
            option("--force", action="store_true", help="re-bootstrap even if present"),
            option(
                "--python", default="3.11", help="Python version: 3.11, 3.13 or 3.14 (default 3.11)"
            ),
        ),
        examples=(
            "dockdjango base",
            "dockdjango base --force          # re-run debootstrap, re-import",
            "dockdjango base --python 3.13    # dockdjango/python:3.13-trixie",
            "DOCKDJANGO_CACHE=/srv/cache dockdjango base   # keep the root file system there",
        ),
    ),
    Command(
        "version",
        "versions of dockdjango, the Docker SDK and the engine",
        run_version,
        description="Print the versions of dockdjango and the Docker SDK, and of the engine "
        "when one answers (exit 1 and say which address was tried when none does).",
        examples=("dockdjango version", "DOCKER_HOST=tcp://10.0.0.5:2375 dockdjango version"),
    ),
)
