"""Which backing services a Django project needs, and the variables that connect it to them.

Decided from three readings, each said in the result's notes:
- **dependencies**: a PostgreSQL driver (psycopg, psycopg2...), a MySQL one (mysqlclient,
  PyMySQL), a Redis client (redis, django-redis, channels-redis...), Celery;
- **settings** (:mod:`dockdjango.detection.django_settings.settings_scan`): the database
  engine that wins, the variables read (``DATABASE_URL``, ``POSTGRES_HOST``,
  ``KIWI_DB_HOST``, ``REDIS_URL``, ``CELERY_BROKER_URL``, ``*_DATA_DIR``);
- the project's own compose file (:mod:`dockdjango.detection.compose_hints`): its database's
  version, user and password, its Django service's environment.

Every variable the settings read that names a database host, port, user, password, name,
engine or URL is set to reach the service dockdjango adds (``db``, ``redis``), so the
project's settings connect without a change (or, at a fixed localhost, share its network).
SQLite goes to a named volume when a variable places it (``DATABASE_URL``, ``*_DATA_DIR``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dockdjango.detection.compose_hints import ComposeHints
from dockdjango.detection.database_service import (
    DB_TOKEN,
    Database,
    database_on_localhost,
    literal_credentials,
    redis_on_localhost,
    share_localhost,
    sqlite_switch,
)
from dockdjango.detection.django_settings.settings_scan import SettingsScan, engine_kind
from dockdjango.detection.django_settings.sqlite_dirs import made_dirs_note, missing_sqlite_dirs
from dockdjango.detection.redis_wiring import (
    find_celery_app,
    redis_variables,
    wants_redis,
)

POSTGRES_DRIVERS = {
    "psycopg",
    "psycopg2",
    "psycopg2-binary",
    "psycopg-binary",
    "psycopg-c",
    "psycopg2cffi",
    "asyncpg",
    "pg8000",
}
MYSQL_DRIVERS = {"mysqlclient", "pymysql", "mysql-connector-python", "mariadb"}
DEFAULT_VERSIONS = {"postgres": "16", "redis": "7", "mysql": "11"}
DATA_DIR = "/data"


@dataclass
class ServicePlan:
    """The backing services and the Django services' environment."""

    database: Database | None = None
    redis: str | None = None  # the Redis version, when Redis is needed
    celery_app: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    #: named volume mounted at DATA_DIR for SQLite/data files, when a variable places them
    data_volume: bool = False
    #: directories (from manage.py's) the settings' SQLite files need and the checkout lacks
    make_dirs: tuple[str, ...] = ()
    #: what the settings reach at a fixed localhost (``db``, ``redis``): see
    #: :mod:`dockdjango.detection.database_service`
    on_localhost: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> tuple[str, ...]:
        """``("postgres", "redis", "celery")`` as far as they are used."""
        out = [self.database.kind] if self.database else []
        out += ["redis"] if self.redis else []
        out += ["celery"] if self.celery_app else []
        return tuple(out)


def plan_services(
    app_dir: Path,
    dependencies: Iterable[str],
    scan: SettingsScan,
    hints: ComposeHints,
    dotenv: Mapping[str, str],
    *,
    chosen: tuple[str, ...] | None = None,
) -> ServicePlan:
    """Decide the services (``chosen`` replaces the detection) and wire the environment."""
    deps, plan = set(dependencies), ServicePlan()
    given = {**dotenv, **hints.environment}
    kind = _database_kind(deps, scan, given) if chosen is None else _chosen_db(chosen)
    drivers = POSTGRES_DRIVERS if kind == "postgres" else MYSQL_DRIVERS
    switch = sqlite_switch(kind, scan, given) if chosen is None and not deps & drivers else None
    if switch is not None:
        kind, (name, value, note) = "sqlite", switch
        plan.environment[name] = value
        plan.notes.append(note)
    if kind in ("postgres", "mysql"):
        database = replace(_database(kind, hints), postgis=scan.postgis)
        plan.database = _wire_database(plan, database, scan, given, hints.hosts)
        if not deps & drivers:
            example = "psycopg[binary]" if kind == "postgres" else "mysqlclient"
            plan.notes.append(
                f"the settings use {kind}, but no {kind} driver is among the dependencies: "
                f"Django cannot connect until one is added ({example})"
            )
    else:
        _place_sqlite(plan, scan, given, app_dir)
    if wants_redis(deps, scan) if chosen is None else "redis" in chosen:
        _plan_redis(plan, scan, hints, given)
    celery = "celery" in deps if chosen is None else "celery" in chosen
    if celery:
        module = find_celery_app(app_dir)
        broker = any("redis://" in v for v in plan.environment.values()) or any(
            "redis://" in u for u in scan.urls
        )
        if module and broker:
            plan.celery_app = module
        elif module or chosen is not None:
            plan.notes.append(
                "celery is a dependency, but the settings read no broker address dockdjango "
                "can set (CELERY_BROKER_URL, BROKER_URL, REDIS_URL): no worker is started"
            )
    renamed = _renamed_hosts(hints, plan)
    for key, value in hints.environment.items():
        if key in plan.environment and value in hints.hosts:
            continue  # a host of the project's own stack, already wired to ours
        # the project's own values win over generic wiring, its services under our names
        plan.environment[key] = _rehost(value, renamed)
    if hints.environment:
        plan.notes.append(
            f"environment of service {hints.django_service!r} taken from {hints.file}: "
            + ", ".join(sorted(hints.environment))
        )
    return plan


def _plan_redis(
    plan: ServicePlan, scan: SettingsScan, hints: ComposeHints, given: Mapping[str, str]
) -> None:
    service = hints.service("redis")
    plan.redis = (service.version if service else None) or DEFAULT_VERSIONS["redis"]
    wired = redis_variables(scan, given)
    plan.environment.update(wired)
    if wired:
        plan.notes.append(f"redis wired through {', '.join(wired)} (read by the settings)")
    elif redis_on_localhost(scan):
        plan.notes.append(share_localhost(plan.on_localhost, "redis"))


def _renamed_hosts(hints: ComposeHints, plan: ServicePlan) -> dict[str, str]:
    """The compose file's backing services whose host name differs from the generated
    service's (``database_default`` -> ``db``)."""
    ours = {"postgres": "db", "mysql": "db", "redis": "redis"}
    used = {"postgres": plan.database, "mysql": plan.database, "redis": plan.redis}
    return {
        name: ours[s.kind]
        for s in hints.services
        for name in (s.name, *s.aliases)
        if name != ours[s.kind] and used[s.kind] is not None
    }


def _rehost(value: str, renamed: Mapping[str, str]) -> str:
    for old, new in renamed.items():
        if value == old:
            return new
        value = re.sub(rf"(?<=[@/]){re.escape(old)}(?=[:/]|$)", new, value)
    return value


def _database_kind(deps: set[str], scan: SettingsScan, given: Mapping[str, str]) -> str | None:
    url = given.get("DATABASE_URL")
    if url:
        return engine_kind(url)
    picked = _engine_selected(scan, given)
    if picked:
        return picked
    final = scan.final_engine
    if final == "sqlite":
        return "sqlite"
    picked = _engine_selected(scan, scan.env_defaults)
    if picked:
        return picked
    engines = scan.engines | ({final} if final else set())
    if "postgres" in engines or (deps & POSTGRES_DRIVERS and _reads_db_vars(scan)):
        return "postgres"
    if "mysql" in engines and deps & MYSQL_DRIVERS:
        return "mysql"
    return "sqlite" if scan.files else None


def _engine_selected(scan: SettingsScan, values: Mapping[str, str]) -> str | None:
    """The engine a variable the settings read picks (``DATABASE_TYPE=sqlite3``, or
    ``DB_ENGINE`` defaulting to ``postgresql`` when ``values`` are the defaults)."""
    for name in scan.env_reads:
        upper = name.upper()
        if not (upper.endswith(("_ENGINE", "_TYPE", "_BACKEND")) and DB_TOKEN.search(upper)):
            continue
        value = values.get(name)
        kind = engine_kind(value) if value else None
        if kind:
            return kind
    return None


def _chosen_db(chosen: tuple[str, ...]) -> str | None:
    return next((s for s in chosen if s in ("postgres", "mysql")), "sqlite")


def _reads_db_vars(scan: SettingsScan) -> bool:
    return any(DB_TOKEN.search(name) or name.endswith("DATABASE_URL") for name in scan.env_reads)


def _database(kind: str, hints: ComposeHints) -> Database:
    service = hints.service(kind)
    env = dict(service.environment) if service else {}
    prefix = "POSTGRES" if kind == "postgres" else "MYSQL"
    user = env.get(f"{prefix}_USER") or ("postgres" if service and kind == "postgres" else "django")
    password = env.get(f"{prefix}_PASSWORD") or "django"
    name = (
        env.get(f"{prefix}_DB")
        or env.get(f"{prefix}_DATABASE")
        or (user if service and kind == "postgres" else "django")
    )
    version = (service.version if service else None) or DEFAULT_VERSIONS[kind]
    extra = tuple(sorted(env.items()))
    mounts = service.mounts if service else ()
    repo = service.image.split(":", 1)[0].rsplit("/", 1)[-1] if service else ""
    flavor = "mysql" if kind == "mysql" and repo == "mysql" else "mariadb"
    return Database(kind, version, user, password, name, extra, mounts, flavor=flavor)


_PARTS = (
    ("host", ("_HOST", "_HOSTNAME", "_SERVER")),
    ("port", ("_PORT",)),
    ("user", ("_USER", "_USERNAME")),
    ("password", ("_PASSWORD", "_PASS", "_PASSWD")),
    ("name", ("_NAME", "_DB", "_DATABASE", "_DBNAME")),
    ("engine", ("_ENGINE", "_BACKEND")),
)


def _wire_database(
    plan: ServicePlan,
    db: Database,
    scan: SettingsScan,
    given: Mapping[str, str],
    hosts: frozenset[str] = frozenset(),
) -> Database:
    """Set the variables that reach ``db``; returns ``db`` with the database name the
    settings default to, when they name one and the compose file did not (a host the
    compose file names, ``mathesar_dev_db``, is its database: ours is ``db``)."""
    urls = [n for n in scan.env_reads if n.upper().endswith(("DATABASE_URL", "DB_URL"))]
    parts: dict[str, tuple[str, str]] = {}
    for name in scan.env_reads if not urls else []:
        found = _db_part(name)
        if found:
            parts[name] = found
    main = _main_prefix(parts)
    if not db.environment:
        # no database service of theirs to read: ours takes the credentials their Django
        # service is given (POSTGRES_USER=mathesar), so both sides agree
        creds = {
            part: given[name]
            for name, (part, prefix) in parts.items()
            if prefix == main and given.get(name)
        }
        db = replace(
            db,
            user=creds.get("user", db.user),
            password=creds.get("password", db.password),
            name=creds.get("name", db.name),
        )
    wired = []
    for name in urls:
        if name not in given:
            plan.environment[name] = _url_value(name, db, scan)
            wired.append(name)
    for name, (part, prefix) in parts.items():
        theirs = part == "host" and given.get(name) in hosts
        if prefix != main or (name in given and not theirs):
            continue  # another database's variables (a second DATABASES entry)
        default = scan.env_defaults.get(name)
        if part == "name" and default and not db.environment:
            db = replace(db, name=default)
        plan.environment[name] = _part_value(part, db, scan)
        if part == "engine" and "." not in scan.env_defaults.get(name, "."):
            # read as a suffix (f"django.db.backends.{DB_ENGINE}"), like its default
            plan.environment[name] = plan.environment[name].rsplit(".", 1)[-1]
        wired.append(name)
    if wired:
        plan.notes.append(f"{db.kind} wired through {', '.join(wired)} (read by the settings)")
    elif not any(k in given for k in scan.env_reads):
        db = _unwired(plan, db, scan)
    return db


def _unwired(plan: ServicePlan, db: Database, scan: SettingsScan) -> Database:
    """The settings read no database address: they fix it, or ours must be named there."""
    if database_on_localhost(scan):
        db = literal_credentials(db, scan)
        plan.notes.append(share_localhost(plan.on_localhost, "db", f"{db.user}@{db.name}"))
    elif scan.database_literals.get("HOST") == "db":
        db = literal_credentials(db, scan)  # their `db` is ours: as they would make it
        plan.notes.append(
            f"{db.kind} runs as service `db`, made as {db.user}@{db.name}, as the settings say"
        )
    else:
        plan.notes.append(
            f"the settings read no database address from the environment: {db.kind} runs "
            "as service `db`; make the settings' HOST `db` (or read it from a variable)"
        )
    return db


def _db_part(name: str) -> tuple[str, str] | None:
    """(part, prefix) of a database variable: ``KIWI_DB_HOST`` -> ("host", "KIWI_DB")."""
    upper = name.upper()
    if not DB_TOKEN.search(upper):
        return None
    for part, suffixes in _PARTS:
        for suffix in suffixes:
            if upper.endswith(suffix):
                return part, upper[: -len(suffix)]
    return None


def _main_prefix(parts: Mapping[str, tuple[str, str]]) -> str | None:
    for part, prefix in parts.values():
        if part == "host":
            return prefix
    return next((prefix for _, prefix in parts.values()), None)


def _url_value(name: str, db: Database, scan: SettingsScan) -> str:
    default = scan.env_defaults.get(name, "")
    scheme = default.split("://", 1)[0] if "://" in default else None
    return db.url(scheme if scheme and engine_kind(default) == db.kind else None)


def _part_value(part: str, db: Database, scan: SettingsScan) -> str:
    return {
        "host": "db",
        "port": str(db.port),
        "user": db.user,
        "password": db.password,
        "name": db.name,
        "engine": _engine(db.kind, scan),
    }[part]


def _engine(kind: str, scan: SettingsScan) -> str:
    if kind == "postgres":
        return (
            "django.contrib.gis.db.backends.postgis"
            if scan.postgis
            else "django.db.backends.postgresql"
        )
    return "django.db.backends.mysql"


def _place_sqlite(
    plan: ServicePlan, scan: SettingsScan, given: Mapping[str, str], app_dir: Path
) -> None:
    for name in scan.env_reads:
        if name in given:
            continue
        upper = name.upper()
        if upper == "DATABASE_URL":
            plan.environment[name] = f"sqlite:///{DATA_DIR}/db.sqlite3"
        elif upper.endswith(("DATA_DIR", "DATA_ROOT", "VAR_DIR")):
            plan.environment[name] = DATA_DIR
        elif upper.endswith(("DB_NAME", "DATABASE_NAME", "SQLITE_PATH", "SQLITE_FILE")):
            plan.environment[name] = f"{DATA_DIR}/db.sqlite3"
        else:
            continue
        plan.data_volume = True
    if plan.data_volume:
        keys = [k for k, v in plan.environment.items() if v.find(DATA_DIR) >= 0]
        plan.notes.append(
            f"SQLite kept in the named volume `data` ({DATA_DIR}), through {', '.join(keys)}"
        )
    elif scan.files:
        plan.notes.append(
            "SQLite: the settings fix the database file's path (no variable places it): it "
            "stays where they put it, not in a named volume"
        )
        plan.make_dirs = missing_sqlite_dirs(app_dir, scan.files)
        plan.notes += [made_dirs_note(plan.make_dirs)] if plan.make_dirs else []
