"""Stand-ins for the usual backing services when no registry serves their official images.

A compose file names ``postgres:16``, ``redis:7``, ``memcached``...; where
no registry answers, dockdjango builds an image of the same service from Debian's own
package (on its registry-free base of that suite) that honours the official image's
contract (environment variables, ports, data directory, init scripts) -- and says, in one
line, what was asked and what is given, version included.

Debian ships one major version of each server per suite (measured on deb.debian.org):
PostgreSQL 15 (bookworm), 17 (trixie), 18 (sid); Redis 7.0, 8.0; memcached 1.6.
The version given is the one asked when a suite has it, else the nearest older one (a
project written for 16 runs on 15 far more often than data written by 16 opens in 15...
and no data directory is ever upgraded behind the user's back), else the nearest newer.
Stable suites are preferred over sid when both ship the same version.

MariaDB/MySQL have no stand-in yet (Debian ships MariaDB 10.11 and 11.8; its entry point
is not written): their images are reported as missing, as any other image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

#: kind -> suite -> (the Debian package, the version it ships). Measured with apt-cache.
DEBIAN_SERVERS: dict[str, dict[str, tuple[str, str]]] = {
    "postgres": {
        "bookworm": ("postgresql-15", "15"),
        "trixie": ("postgresql-17", "17"),
        "sid": ("postgresql-18", "18"),
    },
    "redis": {"bookworm": ("redis-server", "7.0"), "trixie": ("redis-server", "8.0")},
    "memcached": {"bookworm": ("memcached", "1.6"), "trixie": ("memcached", "1.6")},
}
#: The registry-free base each suite's stand-ins are built on (its Python is not used).
SUITE_BASES = {"bookworm": "3.11", "trixie": "3.13", "sid": "3.14"}
#: Repository names (after any registry host and ``library/``) -> kind.
REPOSITORIES = {
    "postgres": "postgres",
    "postgis/postgis": "postgis",
    "redis": "redis",
    "memcached": "memcached",
}
#: What the official image of each kind sets in its environment to say its version.
VERSION_ENV = {
    "postgres": "PG_VERSION",
    "postgis": "PG_VERSION",
    "redis": "REDIS_VERSION",
    "mariadb": "MARIADB_VERSION",
    "memcached": "MEMCACHED_VERSION",
}
_NAMES = {
    "postgres": "PostgreSQL",
    "postgis": "PostgreSQL+PostGIS",
    "redis": "Redis",
    "mariadb": "MariaDB",
    "memcached": "memcached",
}
_STABLE_FIRST = ("bookworm", "trixie", "sid")


@dataclass(frozen=True)
class StandIn:
    """The Debian-built image that stands in for an official one, and how it is made."""

    #: the reference asked for (``postgres:16``)
    asked: str
    kind: str  # postgres, postgis, redis, mariadb, memcached
    #: the version the tag asks for (``16``; None for ``latest`` or no tag)
    asked_version: str | None
    suite: str
    package: str
    #: the version Debian ships in ``suite`` (``15``)
    version: str

    @property
    def ref(self) -> str:
        """``dockdjango/postgres:15-bookworm``."""
        return f"dockdjango/{self.kind}:{self.version}-{self.suite}"

    @property
    def files(self) -> str:
        """The package-data folder with its Dockerfile and entry point."""
        return "postgres" if self.kind == "postgis" else self.kind

    @property
    def base_python(self) -> str:
        """The Python of the registry-free base of ``suite`` (names that base image)."""
        return SUITE_BASES[self.suite]

    @property
    def buildargs(self) -> dict[str, str]:
        """What the stand-in's Dockerfile is built with (besides ``BASE``)."""
        args = {"PACKAGE": self.package, "MAJOR": self.version}
        if self.kind == "postgis":
            args["EXTRA_PACKAGES"] = f"{self.package}-postgis-3"
        return args

    def summary(self, exact: str, why: str = "") -> str:
        """One line: what was asked, what is given (``exact`` is the server's version)."""
        name = _NAMES[self.kind]
        given = f"{self.ref}, {name} {exact} (Debian {self.suite})"
        note = ""
        if self.asked.split(":")[0].endswith("mysql"):
            note = "; Debian ships no MySQL server, MariaDB is close to it"
        elif self.asked_version and not _same_series(self.asked_version, self.version):
            note = f"; {self.asked_version} is not in Debian ({self._shipped()})"
        reason = f" ({why})" if why else ""
        return f"{self.asked} not reachable{reason} → {given}{note}"

    def _shipped(self) -> str:
        versions = sorted({v for _, v in DEBIAN_SERVERS[_table(self.kind)].values()}, key=_key)
        return "ships " + ", ".join(versions)


def _table(kind: str) -> str:
    return "postgres" if kind == "postgis" else kind


def stand_in_for(ref: str) -> StandIn | None:
    """The stand-in for image ``ref`` (``postgres:16``, ``docker.io/library/redis:7-alpine``,
    ``postgis/postgis:16-3.4``), or None when dockdjango has none for it."""
    bare = ref.split("@", 1)[0]
    name, tag = bare.rsplit(":", 1) if ":" in bare.rsplit("/", 1)[-1] else (bare, "")
    repo = re.sub(r"^(docker\.io/|index\.docker\.io/|registry-1\.docker\.io/)", "", name)
    repo = repo.removeprefix("library/")
    kind = REPOSITORIES.get(repo)
    if kind is None:
        return None
    m = re.match(r"(\d+(?:\.\d+)?)", tag or "")
    asked = m.group(1) if m else None
    suites = DEBIAN_SERVERS[_table(kind)]
    # MySQL's versions say nothing about MariaDB's: give the newest MariaDB
    suite = _pick(suites, None if repo == "mysql" else asked)
    package, version = suites[suite]
    return StandIn(ref, kind, asked, suite, package, version)


def _pick(suites: dict[str, tuple[str, str]], asked: str | None) -> str:
    order = [s for s in _STABLE_FIRST if s in suites]
    if asked is None:  # `latest`: the newest Debian has
        return max(order, key=lambda s: (_key(suites[s][1]), -order.index(s)))
    for suite in order:
        if _same_series(asked, suites[suite][1]):
            return suite
    want = _key(asked)
    older = [s for s in order if _key(suites[s][1]) < want]
    if older:
        return max(older, key=lambda s: _key(suites[s][1]))
    return min(order, key=lambda s: _key(suites[s][1]))  # all newer: the nearest


def _same_series(asked: str, shipped: str) -> bool:
    """``16`` vs ``16``; ``7`` vs ``7.0``; ``8.4`` vs ``8.0`` is not the same."""
    a, s = asked.split("."), shipped.split(".")
    return a[: len(s)] == s[: len(a)]


def _key(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion:
        return Version("0")
