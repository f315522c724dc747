"""The plugin's command-line options and ini keys: declared once, read once into `Settings`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Settings:
    """The plugin's options and ini keys, read once."""

    compose_file: str = ""
    profiles: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    django_db_service: str = ""
    postgres_image: str = ""
    postgres_tmpfs: str | None = "1g"
    reuse: bool = False
    prune: bool = True
    timeout: float = 120.0
    rootdir: str = "."

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Read the options and ini keys of a pytest run."""
        opt = config.option
        compose = getattr(opt, "dockdjango_file", None) or str(
            config.getini("dockdjango_compose_file") or ""
        )
        if compose and not os.path.isabs(compose):
            # An ini value is relative to the ini file; an option to where pytest was run.
            base = (
                config.inipath.parent if config.inipath and not opt.dockdjango_file else Path.cwd()
            )
            compose = str((base / compose).resolve())
        return cls(
            compose_file=compose,
            profiles=tuple(_words(config.getini("dockdjango_profiles"))),
            services=tuple(_words(config.getini("dockdjango_services"))),
            django_db_service=str(config.getini("dockdjango_django_db") or "").strip(),
            postgres_image=str(config.getini("dockdjango_postgres_image") or "").strip(),
            postgres_tmpfs=tmpfs_size(
                getattr(opt, "dockdjango_postgres_tmpfs", None)
                or str(config.getini("dockdjango_postgres_tmpfs") or "")
            ),
            reuse=bool(getattr(opt, "dockdjango_reuse", False)),
            prune=bool(getattr(opt, "dockdjango_prune", True)),
            timeout=float(config.getini("dockdjango_timeout") or 120),
            rootdir=str(config.rootpath),
        )


def tmpfs_size(value: str) -> str | None:
    """``dockdjango_postgres_tmpfs``: a size (``1g``, ``512m``; empty: 1g) or off (None)."""
    text = value.strip().lower()
    if text in ("false", "off", "no", "0"):
        return None
    if not text:
        return "1g"
    if not re.fullmatch(r"[1-9][0-9]*[kmg]?", text):
        raise pytest.UsageError(
            f"dockdjango_postgres_tmpfs = {value!r}: expected a size such as 1g or 512m, "
            "or false to keep the test server's data on disk"
        )
    return text


def tmpfs_full(size: str) -> str:
    """What to say when the test server's tmpfs is full (PostgreSQL: No space left on device)."""
    return (
        f"the postgres test server's data directory (a {size} tmpfs) is full: raise "
        "dockdjango_postgres_tmpfs (e.g. = 4g, or --dockdjango-postgres-tmpfs=4g) "
        "or set it to false to keep the data on disk"
    )


#: How PostgreSQL (and the OS) says a file system is full.
DISK_FULL = "No space left on device"


def _words(value: object) -> list[str]:
    """An ini value listing names, separated by spaces or commas."""
    return str(value or "").replace(",", " ").split()


def add_options(parser: pytest.Parser) -> None:
    """Declare the plugin's options and ini keys."""
    group = parser.getgroup("dockdjango", "dockdjango: containers and stacks for tests")
    group.addoption(
        "--dockdjango-file",
        dest="dockdjango_file",
        metavar="PATH",
        help="compose file of the session's stack (overrides the dockdjango_compose_file ini key)",
    )
    group.addoption(
        "--dockdjango-reuse",
        dest="dockdjango_reuse",
        action="store_true",
        help="leave the stack (and the postgres fixture's server) running after the session "
        "and reuse it next time while its configuration is unchanged",
    )
    group.addoption(
        "--dockdjango-no-prune",
        dest="dockdjango_prune",
        action="store_false",
        help="do not remove leftovers of killed test sessions at start-up",
    )
    parser.addini("dockdjango_compose_file", "compose file of the session's stack", default="")
    parser.addini(
        "dockdjango_profiles", "compose profiles to enable (space or comma separated)", default=""
    )
    parser.addini(
        "dockdjango_services",
        "services of the stack to start, with their dependencies (default: all)",
        default="",
    )
    parser.addini(
        "dockdjango_django_db",
        "stack service whose PostgreSQL hosts pytest-django's test database (e.g. db); "
        "without a compose file, `postgres` uses the postgres fixture's server",
        default="",
    )
    parser.addini(
        "dockdjango_postgres_image",
        "image of the postgres fixture (default: dockdjango's PostgreSQL image)",
        default="",
    )
    group.addoption(
        "--dockdjango-postgres-tmpfs",
        dest="dockdjango_postgres_tmpfs",
        metavar="SIZE|false",
        help="the postgres server's data directory on a tmpfs of SIZE (default 1g), or false "
        "to keep it on disk (overrides the dockdjango_postgres_tmpfs ini key)",
    )
    parser.addini(
        "dockdjango_postgres_tmpfs",
        "size of the tmpfs holding the postgres server's data directory (default 1g), "
        "or false to keep it on disk",
        default="",
    )
    parser.addini(
        "dockdjango_timeout", "seconds a stack or container may take to become ready", default="120"
    )
