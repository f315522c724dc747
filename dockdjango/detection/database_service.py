"""The database service a Django project gets (kind, image version, credentials), and the
backing services its settings reach at a fixed localhost address.

Settings written for a developer's machine often say ``"HOST": "localhost"`` (or
``redis://127.0.0.1:6379``) with no variable to change it. Rather than edit them, the web
services share the network namespace of the services they reach there (Compose's
``network_mode: service:db``, the Dev Containers pattern), so their localhost is the
database's; and the database is made with the NAME/USER/PASSWORD the settings fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from dockdjango.detection.django_settings.settings_scan import SettingsScan, engine_kind


@dataclass(frozen=True)
class Database:
    """The database service: kind, image version and credentials."""

    kind: str  # postgres, mysql
    version: str
    user: str = "django"
    password: str = "django"
    name: str = "django"
    environment: tuple[tuple[str, str], ...] = ()
    mounts: tuple[str, ...] = ()
    #: GeoDjango's PostGIS backend: the image must carry the PostGIS extension
    postgis: bool = False
    #: ``mysql`` when the project's compose file runs MySQL itself (``mysql:8.0.32``);
    #: MariaDB otherwise
    flavor: str = "mariadb"

    @property
    def image(self) -> str:
        """``postgres:16`` / ``postgis/postgis:16-3.4`` / ``mariadb:11``."""
        if self.kind == "postgres":
            return (
                f"postgis/postgis:{self.version}-3.4"
                if self.postgis
                else f"postgres:{self.version}"
            )
        return f"{self.flavor}:{self.version}"

    @property
    def port(self) -> int:
        """5432 or 3306."""
        return 5432 if self.kind == "postgres" else 3306

    def url(self, scheme: str | None = None) -> str:
        """``postgres://django:django@db:5432/django``."""
        scheme = scheme or ("postgres" if self.kind == "postgres" else "mysql")
        return f"{scheme}://{self.user}:{self.password}@db:{self.port}/{self.name}"


DB_TOKEN = re.compile(r"(^|_)(DB|DATABASE|SQL|PG|POSTGRES|POSTGRESQL|MYSQL|MARIADB)(_|$)")
LOOPBACK = ("localhost", "127.0.0.1", "::1")
_LOOPBACK_URL = re.compile(r"^[a-z0-9+]+://([^@/]*@)?(localhost|127\.0\.0\.1|\[::1\])(?:[:/]|$)")


def database_on_localhost(scan: SettingsScan) -> bool:
    """True when the settings' default database is at a fixed loopback HOST."""
    return scan.database_literals.get("HOST", "") in LOOPBACK


def redis_on_localhost(scan: SettingsScan) -> bool:
    """True when the settings name a Redis URL on a loopback address."""
    return any(u.startswith("redis") and _LOOPBACK_URL.match(u) for u in scan.urls)


def literal_credentials(db: Database, scan: SettingsScan) -> Database:
    """``db`` made with the literal NAME/USER/PASSWORD the settings give (unless the
    project's compose file gives its database's own)."""
    fixed = scan.database_literals
    if db.environment:
        return db
    return replace(
        db,
        user=fixed.get("USER") or db.user,
        password=fixed.get("PASSWORD") or db.password,
        name=fixed.get("NAME") or db.name,
    )


def share_localhost(on_localhost: list[str], service: str, made_as: str = "") -> str:
    """Add ``service`` (``db``, ``redis``) to those reached at localhost; the note to say."""
    on_localhost.append(service)
    made = f" (made as {made_as}, as they say)" if made_as else ""
    return (
        f"the settings reach {service}{made} at a fixed localhost address, with no variable "
        f"to change it: the web services share {on_localhost[0]}'s network, so their "
        "localhost reaches it"
    )


def sqlite_switch(
    kind: str | None, scan: SettingsScan, given: Mapping[str, str]
) -> tuple[str, str, str] | None:
    """(variable, value, note) when the settings' default engine ``kind`` has no driver
    among the dependencies (the caller knows) but a variable they read picks the engine
    (``DB_ENGINE``): it is set to SQLite's, as such projects' docs do for a first run."""
    if kind not in ("postgres", "mysql"):
        return None
    for name in scan.env_reads:
        upper = name.upper()
        if name in given or not (upper.endswith("_ENGINE") and DB_TOKEN.search(upper)):
            continue
        default = scan.env_defaults.get(name) or "."
        if engine_kind(default) != kind:
            continue
        value = "sqlite3" if "." not in default else "django.db.backends.sqlite3"
        driver = "psycopg[binary]" if kind == "postgres" else "mysqlclient"
        return (
            name,
            value,
            (
                f"the settings default to {kind}, but no {kind} driver is among the dependencies: "
                f"SQLite is used, through {name}={value} (add a driver, e.g. {driver}, for {kind})"
            ),
        )
    return None
