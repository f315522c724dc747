"""Stand-ins for the usual backing services when no registry serves their official images.

A compose file names ``postgres:16``, ``redis:7``, ``mariadb:11``, ``rabbitmq:3-management``,
``memcached``...; where no registry answers, dockdjango builds an image of the same server
from Debian's own package (on its registry-free base of that suite) that honours the
official image's contract (environment variables, ports, data directory, init scripts,
health commands) -- and says, in one line, what was asked and what is given, version
included.

Images that are PostgreSQL under another name (``postgis/postgis``, ``pgautoupgrade``,
``timescale/timescaledb``, ``pgvector/pgvector``, ``bitnami/postgresql``), MySQL (MariaDB
is given) and images on other registries (``public.ecr.aws/docker/library/postgres``) are
recognised by :data:`REPOSITORIES`. Elasticsearch and OpenSearch are recognised too, to be
refused on one line: Debian packages neither (:func:`no_stand_in_reason`).

Debian ships one major version of each server per suite (measured on deb.debian.org with
apt-cache): PostgreSQL 15 (bookworm), 17 (trixie), 18 (sid); Redis 7.0, 8.0; MariaDB 10.11,
11.8; RabbitMQ 3.10, 4.0; memcached 1.6. The version given is the one asked when a suite
has it, else the nearest older one (a project written for 16 runs on 15 far more often
than not), else the nearest newer; a data directory another version wrote is never opened
(:mod:`dockdjango.images.standin_data`). Stable suites are preferred over sid when both
ship the same version.
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
    "mariadb": {"bookworm": ("mariadb-server", "10.11"), "trixie": ("mariadb-server", "11.8")},
    "rabbitmq": {"bookworm": ("rabbitmq-server", "3.10"), "trixie": ("rabbitmq-server", "4.0")},
}
#: PostgreSQL extensions -> (the suites that package them for their PostgreSQL, the
#: package's name after ``postgresql-<major>-``). Measured with apt-cache.
EXTENSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "postgis": (("bookworm", "trixie", "sid"), "postgis-3"),
    "pgvector": (("trixie", "sid"), "pgvector"),
    "timescaledb": (("trixie",), "timescaledb"),
}
#: The registry-free base each suite's stand-ins are built on (its Python is not used).
SUITE_BASES = {"bookworm": "3.11", "trixie": "3.13", "sid": "3.14"}
_ANY = r"^(\d+(?:\.\d+)?)"
_PG = r"pg(\d+)"


@dataclass(frozen=True)
class Repository:
    """What an image repository is, for standing in: its server and how its tags say the
    version (a pattern whose first group is it; None: the tag says nothing usable)."""

    kind: str
    extension: str = ""
    #: ``bitnami`` (its own variable names and data directory)
    flavour: str = ""
    version_tag: str | None = _ANY
    #: what differs from the image asked for, said in the line
    note: str = ""


_MYSQL = Repository(
    "mariadb", version_tag=None, note="Debian ships no MySQL server, MariaDB is close to it"
)
#: Repository names (after any registry host and ``library/``) -> what they are.
REPOSITORIES: dict[str, Repository] = {
    "postgres": Repository("postgres"),
    "cimg/postgres": Repository("postgres"),
    "circleci/postgres": Repository("postgres"),
    "bitnami/postgresql": Repository("postgres", flavour="bitnami"),
    "pgautoupgrade/pgautoupgrade": Repository(
        "postgres", note="data of another major version is refused, not upgraded"
    ),
    "postgis/postgis": Repository("postgres", "postgis"),
    "mdillon/postgis": Repository("postgres", "postgis"),
    "pgvector/pgvector": Repository("postgres", "pgvector", version_tag=_PG),
    "ankane/pgvector": Repository("postgres", "pgvector", version_tag=None),
    "timescale/timescaledb": Repository("postgres", "timescaledb", version_tag=_PG),
    "timescale/timescaledb-ha": Repository("postgres", "timescaledb", version_tag=_PG),
    "redis": Repository("redis"),
    "bitnami/redis": Repository("redis"),
    "memcached": Repository("memcached"),
    "bitnami/memcached": Repository("memcached"),
    "mariadb": Repository("mariadb"),
    "bitnami/mariadb": Repository("mariadb"),
    "mysql": _MYSQL,
    "mysql/mysql-server": _MYSQL,
    "bitnami/mysql": _MYSQL,
    "rabbitmq": Repository("rabbitmq"),
    "bitnami/rabbitmq": Repository("rabbitmq"),
    # recognised to be refused on one line: Debian packages neither
    "elasticsearch": Repository("elasticsearch"),
    "elasticsearch/elasticsearch": Repository("elasticsearch"),
    "bitnami/elasticsearch": Repository("elasticsearch"),
    "opensearchproject/opensearch": Repository("elasticsearch"),
    "bbilly1/tubearchivist-es": Repository("elasticsearch"),  # Elasticsearch, rebuilt
}
#: Kinds dockdjango recognises but has nothing to stand in with, and why.
NO_STAND_IN = {
    "elasticsearch": "Debian packages no Elasticsearch or OpenSearch server to build a "
    "stand-in from",
}
#: What the official image of each kind sets in its environment to say its version.
VERSION_ENV = {
    "postgres": "PG_VERSION",
    "redis": "REDIS_VERSION",
    "mariadb": "MARIADB_VERSION",
    "rabbitmq": "RABBITMQ_VERSION",
    "memcached": "MEMCACHED_VERSION",
}
_NAMES = {
    "postgres": "PostgreSQL",
    "postgis": "PostgreSQL+PostGIS",
    "pgvector": "PostgreSQL+pgvector",
    "timescaledb": "PostgreSQL+TimescaleDB",
    "redis": "Redis",
    "mariadb": "MariaDB",
    "rabbitmq": "RabbitMQ",
    "memcached": "memcached",
}
_STABLE_FIRST = ("bookworm", "trixie", "sid")
_REGISTRY_HOST = re.compile(r"^[^/]*[.:][^/]*/|^localhost/")


@dataclass(frozen=True)
class StandIn:
    """The Debian-built image that stands in for an official one, and how it is made."""

    #: the reference asked for (``postgres:16``)
    asked: str
    kind: str  # postgres, redis, mariadb, rabbitmq, memcached
    #: the version the tag asks for (``16``; None for ``latest`` or no tag)
    asked_version: str | None
    suite: str
    package: str
    #: the version Debian ships in ``suite`` (``15``)
    version: str
    #: a PostgreSQL extension the image carries (``postgis``)
    extension: str = ""
    #: ``bitnami`` (variable names and data directory), ``management`` (RabbitMQ's plugin)
    flavour: str = ""
    note: str = ""

    @property
    def name(self) -> str:
        """The image's name: its extension's, else its kind's (``postgis``, ``redis``)."""
        return self.extension or self.kind

    @property
    def ref(self) -> str:
        """``dockdjango/postgres:15-bookworm`` (``-bitnami``, ``-management`` for flavours)."""
        suffix = f"-{self.flavour}" if self.flavour else ""
        return f"dockdjango/{self.name}:{self.version}-{self.suite}{suffix}"

    @property
    def files(self) -> str:
        """The package-data folder with its Dockerfile and entry point."""
        return self.kind

    @property
    def base_python(self) -> str:
        """The Python of the registry-free base of ``suite`` (names that base image)."""
        return SUITE_BASES[self.suite]

    @property
    def version_env(self) -> str:
        """The variable the official image asked for says its version in."""
        return "MYSQL_VERSION" if _repository(self.asked) == "mysql" else VERSION_ENV[self.kind]

    @property
    def buildargs(self) -> dict[str, str]:
        """What the stand-in's Dockerfile is built with (besides ``BASE``)."""
        args = {"PACKAGE": self.package, "MAJOR": self.version}
        if self.extension:
            args["EXTRA_PACKAGES"] = f"postgresql-{self.version}-{EXTENSIONS[self.extension][1]}"
        if self.extension == "timescaledb":
            args["PRELOAD"] = "timescaledb"  # as the official image configures it
        if self.flavour == "bitnami" and self.kind == "postgres":
            args.update(PGDATA="/bitnami/postgresql/data", PGVOLUME="/bitnami/postgresql")
        elif self.kind == "postgres" and self.version.isdigit() and int(self.version) >= 18:
            args["PGVOLUME"] = "/var/lib/postgresql"  # the official image's, from 18 on
        if self.flavour == "management":
            args["PLUGINS"] = "rabbitmq_management"
        return args

    def summary(self, exact: str, why: str = "") -> str:
        """One line: what was asked, what is given (``exact`` is the server's version)."""
        given = f"{self.ref}, {_NAMES[self.name]} {exact} (Debian {self.suite})"
        notes = [self.note] if self.note else []
        if self.asked_version and not _same_series(self.asked_version, self.version):
            notes.append(f"{self.asked_version} is not in Debian ({self._shipped()})")
        reason = f" ({why})" if why else ""
        return f"{self.asked} not reachable{reason} → {given}" + "".join(f"; {n}" for n in notes)

    def _shipped(self) -> str:
        versions = sorted({v for _, v in _suites(self.kind, self.extension).values()}, key=_key)
        return "ships " + ", ".join(versions)


def _repository(ref: str) -> str:
    """``postgres`` for ``docker.io/library/postgres:16``, ``public.ecr.aws/docker/library/
    postgres``; ``elasticsearch/elasticsearch`` for ``docker.elastic.co/elasticsearch/...``."""
    bare = ref.split("@", 1)[0]
    name = bare.rsplit(":", 1)[0] if ":" in bare.rsplit("/", 1)[-1] else bare
    name = _REGISTRY_HOST.sub("", name.lower())
    for prefix in ("docker/library/", "library/"):
        name = name.removeprefix(prefix)
    return name


def on_docker_hub(ref: str) -> bool:
    """True when ``ref`` names Docker Hub (no registry host, or docker.io's): the images an
    engine's registry mirrors serve."""
    first = ref.split("/", 1)[0] if "/" in ref else ""
    host = bool(first) and ("." in first or ":" in first or first == "localhost")
    return not host or first in ("docker.io", "index.docker.io", "registry-1.docker.io")


def _tag(ref: str) -> str:
    bare = ref.split("@", 1)[0]
    last = bare.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""


def _suites(kind: str, extension: str = "") -> dict[str, tuple[str, str]]:
    suites = DEBIAN_SERVERS[kind]
    if extension:
        wanted = EXTENSIONS[extension][0]
        return {s: v for s, v in suites.items() if s in wanted}
    return suites


def no_stand_in_reason(ref: str) -> str | None:
    """Why dockdjango has no stand-in for ``ref`` when it knows what the image is
    (Elasticsearch: Debian packages none); None for images it does not know."""
    found = REPOSITORIES.get(_repository(ref))
    return NO_STAND_IN.get(found.kind) if found else None


def stand_in_for(ref: str) -> StandIn | None:
    """The stand-in for image ``ref`` (``postgres:16``, ``docker.io/library/redis:7-alpine``,
    ``postgis/postgis:16-3.4``, ``mysql:8``), or None when dockdjango has none for it."""
    repository = REPOSITORIES.get(_repository(ref))
    if repository is None or repository.kind not in DEBIAN_SERVERS:
        return None
    tag = _tag(ref)
    asked = None
    if repository.version_tag:
        m = re.search(repository.version_tag, tag)
        asked = m.group(1) if m else None
    suites = _suites(repository.kind, repository.extension)
    suite = _pick(suites, asked)
    package, version = suites[suite]
    flavour = repository.flavour
    if repository.kind == "rabbitmq" and "management" in tag:
        flavour = "management"
    return StandIn(
        ref,
        repository.kind,
        asked,
        suite,
        package,
        version,
        repository.extension,
        flavour,
        repository.note,
    )


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
