"""The ``db`` service of the compose file dockdjango generates (:mod:`.stackfile`):
PostgreSQL or MariaDB, made with the credentials the settings are wired to, a named
volume and a health check."""

from __future__ import annotations

import json

from dockdjango.detection.backing_services import Database


def database_service(db: Database) -> list[str]:
    """The ``db`` service's lines."""
    if db.kind == "postgres":
        env = {"POSTGRES_USER": db.user, "POSTGRES_PASSWORD": db.password, "POSTGRES_DB": db.name}
        env.update(dict(db.environment))
        test = (
            '["CMD-SHELL", "pg_isready -h 127.0.0.1 -U \\"$$POSTGRES_USER\\" '
            '-d \\"$$POSTGRES_DB\\""]'
        )
        volume = "pgdata:/var/lib/postgresql/data"
    else:
        env = {
            "MARIADB_USER": db.user,
            "MARIADB_PASSWORD": db.password,
            "MARIADB_DATABASE": db.name,
            "MARIADB_ROOT_PASSWORD": db.password,
        }
        env.update(dict(db.environment))
        test = (
            '["CMD-SHELL", "mariadb-admin ping -h 127.0.0.1 -p\\"$$MARIADB_ROOT_PASSWORD\\" '
            '|| mysqladmin ping -h 127.0.0.1 -p\\"$$MARIADB_ROOT_PASSWORD\\""]'
        )
        volume = "dbdata:/var/lib/mysql"
    out = [
        "  db:",
        f"    image: {db.image}  # no registry? dockdjango builds it from Debian, and says so",
        "    environment:",
        *[f"      {k}: {scalar(v)}" for k, v in sorted(env.items())],
        "    volumes:",
        f"      - {volume}",
        *[f"      - {m}" for m in db.mounts],
        "    healthcheck:",
        f"      test: {test}",
        "      interval: 2s",
        "      timeout: 5s",
        "      retries: 60",
    ]
    return out


def scalar(value: str) -> str:
    """A YAML scalar that stays a string (``"1"``, ``"true"``) and keeps ``$`` literal."""
    return json.dumps(str(value)).replace("$", "$$")
