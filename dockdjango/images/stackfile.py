"""The compose file dockdjango writes for a Django project it detected (``dockdjango init``),
and runs in memory when a project has none (``dockdjango up``).

Readable and commented, and plain Compose: ``docker compose config`` accepts it and
``docker compose up`` runs it. It holds, as detection found them
(:mod:`dockdjango.detection.detect`):

- ``web``: the project's ``dev`` image target, the source bind-mounted for live reload,
  migrations run before ``runserver``, published on 127.0.0.1 only, the variables that
  connect the settings to the services below (and this machine's names added to the
  hosts the settings read from a variable), the checkout owner's uid
  (``DOCKDJANGO_UID``/``DOCKDJANGO_GID``, which dockdjango sets) so files Django creates in
  the checkout are the owner's, and a health check that asks a URL the project routes
  (:func:`site_probe`);
- ``db`` (PostgreSQL or MariaDB) with a named volume and a health check, when the
  project uses one; ``redis``; a Celery ``worker`` (and ``beat``), unpublished, with
  health checks of their own;
- a ``data`` volume for SQLite and other files when a variable places them there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dockdjango.detection.backing_services import Database
from dockdjango.detection.detect import SourceProject
from dockdjango.detection.django_settings.admin_url import admin_path as read_admin_path
from dockdjango.detection.django_settings.dev_hosts import host_variables
from dockdjango.detection.django_settings.sqlite_dirs import mkdir_first
from dockdjango.detection.django_settings.urlconf import routes_root, urlconf_routes
from dockdjango.detection.redis_wiring import schedules_tasks as runs_beat
from dockdjango.images.dockerfile import APP_DIR, DEV_DATA_DIR

__all__ = [
    "SiteProbe",
    "StackFile",
    "admin_path",
    "announced_urls",
    "celery_services",
    "compose_file",
    "schedules_tasks",
    "site_probe",
]

WEB_PORT = 8000


@dataclass(frozen=True)
class StackFile:
    """A generated compose file: its text (to write) and what it asks of the environment."""

    text: str
    #: variables the file interpolates, with what dockdjango sets them to by default
    variables: dict[str, str] = field(default_factory=dict)


def compose_file(
    project: SourceProject,
    *,
    dockerfile: str | None = None,
    generate_in_memory: bool = False,
    port: int = WEB_PORT,
) -> StackFile:
    """The compose file for ``project``.

    ``dockerfile`` names the Dockerfile the builds use when it is not ``Dockerfile``
    (``init`` writes ``dockdjango.Dockerfile`` beside a project's own).
    ``generate_in_memory`` marks the builds ``x-dockdjango: {dockerfile: generated}``:
    dockdjango builds from a Dockerfile it generates, whatever the project holds (the
    stack ``dockdjango up`` runs without writing anything). Otherwise (``init``) they are
    marked ``x-dockdjango: {rebuild: auto}``: ``dockdjango up`` rebuilds the image when
    its Dockerfile or dependency files change (Compose ignores the mark).
    """
    plan = project.services
    workdir = APP_DIR if project.app_dir in ("", ".") else f"{APP_DIR}/{project.app_dir}"
    build = _build(project, dockerfile, generate_in_memory)
    env = dict(sorted(plan.environment.items()))
    if project.settings_module:
        env.setdefault("DJANGO_SETTINGS_MODULE", project.settings_module)
    out: list[str] = [
        f"# Written by `dockdjango init` for {project.root.name}: a dev environment from what",
        "# dockdjango detected (`dockdjango init --explain` says what and why). Edit freely;",
        "# `dockdjango up` and `docker compose up` both run it.",
        "#",
        "# Files Django creates in your checkout (migrations, SQLite, uploads) belong to the",
        "# checkout's owner: dockdjango sets DOCKDJANGO_UID/GID to that owner's ids. With",
        "# plain Docker Compose, export them first: export DOCKDJANGO_UID=$(id -u) "
        "DOCKDJANGO_GID=$(id -g)",
        "",
        "services:",
        *_web(project, build, workdir, env, port),
    ]
    owner = plan.on_localhost[0] if plan.on_localhost else None
    if plan.database is not None:
        out += _database(plan.database) + (_published(port) if owner == "db" else [])
    if plan.redis:
        out += [
            "  redis:",
            f"    image: redis:{plan.redis}",
            *(_published(port) if owner == "redis" else []),
            *(_namespace(project) if owner != "redis" and "redis" in plan.on_localhost else []),
            "    healthcheck:",
            '      test: ["CMD", "redis-cli", "ping"]',
            "      interval: 5s",
            "      timeout: 3s",
            "      retries: 20",
        ]
    if plan.celery_app:
        out += celery_services(project, build, workdir, env)
    volumes = ["  pgdata:"] if plan.database and plan.database.kind == "postgres" else []
    volumes += ["  dbdata:"] if plan.database and plan.database.kind == "mysql" else []
    volumes += ["  data:"] if plan.data_volume else []
    if volumes:
        out += ["", "volumes:", *volumes]
    variables = {"DOCKDJANGO_UID": "10001", "DOCKDJANGO_GID": "10001", "WEB_PORT": str(port)}
    return StackFile("\n".join(out) + "\n", variables)


def _build(project: SourceProject, dockerfile: str | None, generate_in_memory: bool) -> list[str]:
    """The ``build:`` section every service built from the project shares."""
    out = ["    build:", "      context: ."]
    if dockerfile:
        out.append(f"      dockerfile: {dockerfile}")
    if generate_in_memory:
        # an explicit Python (--python) travels with the build, which detects again
        chosen = project.python_request.override
        extra = f", python: '{chosen}'" if chosen else ""
        out.append(f"      x-dockdjango: {{dockerfile: generated{extra}}}")
    else:
        out.append(
            "      x-dockdjango: {rebuild: auto}  # `dockdjango up` rebuilds it when its "
            "Dockerfile or dependency files change"
        )
    return out


def _web(
    project: SourceProject, build: list[str], workdir: str, env: dict[str, str], port: int
) -> list[str]:
    """The Django dev server: runserver on the checkout, migrations first, published on
    this machine only, healthy once a URL the project has answers below 400."""
    out = [
        "  web:",
        *build,
        "      target: dev  # runserver with autoreload; the image's default is the production one",
        '    user: "${DOCKDJANGO_UID:-10001}:${DOCKDJANGO_GID:-10001}"',
        f"    working_dir: {workdir}",
        "    # migrations first, then Django's development server",
        "    command: "
        + _flow(
            [
                "sh",
                "-c",
                f"{mkdir_first(project.services.make_dirs)}python manage.py migrate "
                f"--noinput && exec python manage.py runserver 0.0.0.0:{port}",
            ]
        ),
        *(_namespace(project) or _published(port)),
    ]
    hosts = _host_values(project, env)
    if env or hosts:
        out += ["    environment:"]
        out += [f"      {k}: {_scalar(v)}" for k, v in sorted(env.items()) if k not in hosts]
    if hosts:
        out.append("      # this machine's names added to the project's own (dev only)")
        out += [f"      {k}: {json.dumps(v)}" for k, v in hosts.items()]
    probe = site_probe(project)
    out += [
        f"    healthcheck:  # healthy once GET {probe.path} answers below 400; migrations first",
        "      test: " + _flow(probe.command(port)),
        "      interval: 3s",
        "      timeout: 5s",
        "      retries: 5",
        "      start_period: 1h  # migrations of a large project on a slow machine take long",
    ]
    out += ["    volumes:", f"      - .:{APP_DIR}  # your checkout, live"]
    if project.services.data_volume:
        out.append(f"      - data:{DEV_DATA_DIR}  # SQLite and files the settings put there")
    depends = _depends(project)
    if depends:
        out += ["    depends_on:"] + depends
    urls = announced_urls(project)
    out += [
        "    x-dockdjango:  # what `dockdjango up` prints once the site answers",
        "      urls: {" + ", ".join(f"{k}: {_scalar(v)}" for k, v in urls.items()) + "}",
    ]
    return out


def _published(port: int) -> list[str]:
    return [
        "    ports:",
        f'      - "127.0.0.1:${{WEB_PORT:-{port}}}:{port}"  # only this machine can reach it',
    ]


def _namespace(project: SourceProject) -> list[str]:
    """``network_mode: service:db`` when the settings reach services at a fixed localhost
    (see :mod:`dockdjango.detection.database_service`); [] otherwise."""
    shared = project.services.on_localhost
    if not shared:
        return []
    return [
        f"    network_mode: service:{shared[0]}  # the settings reach "
        f"{' and '.join(shared)} at localhost"
    ]


def _host_values(project: SourceProject, env: dict[str, str]) -> dict[str, str]:
    """Variable -> compose value for ALLOWED_HOSTS / CSRF_TRUSTED_ORIGINS: this machine's
    names added to what the project gives (``env``: its compose file's value)."""
    port = f"${{WEB_PORT:-{WEB_PORT}}}"
    app_dir = project.root / project.app_dir
    return {
        host.variable: host.compose_value(env.get(host.variable), port=port)
        for host in host_variables(app_dir, project.settings_scan.files)
    }


def celery_services(
    project: SourceProject, build: list[str], workdir: str, env: dict[str, str]
) -> list[str]:
    """A Celery ``worker`` (and ``beat`` when the project schedules tasks): the web image,
    not published, without the web server's HTTP health check. The worker is healthy
    once it answers ``celery inspect ping``; beat has nothing to ask (no check)."""
    app = project.services.celery_app or ""
    shared = [
        *build,
        "      target: dev",
        '    user: "${DOCKDJANGO_UID:-10001}:${DOCKDJANGO_GID:-10001}"',
        f"    working_dir: {workdir}",
        *_namespace(project),
    ]
    tail = []
    if env:
        tail += ["    environment:"] + [f"      {k}: {_scalar(v)}" for k, v in env.items()]
    tail += ["    volumes:", f"      - .:{APP_DIR}"]
    depends = _depends(project)
    if depends:
        tail += ["    depends_on:"] + depends
    ping = f"celery -A {app} inspect ping -d celery@$$HOSTNAME --timeout 5 >/dev/null"
    out = [
        "  worker:",
        *shared,
        "    command: " + _flow(["celery", "-A", app, "worker", "--loglevel=info"]),
        "    healthcheck:  # the worker's own answer, not the web server's",
        "      test: " + json.dumps(["CMD-SHELL", ping]),
        "      interval: 10s",
        "      timeout: 15s",
        "      retries: 3",
        "      start_period: 1h",
        *tail,
    ]
    if schedules_tasks(project):
        beat = ["celery", "-A", app, "beat", "--loglevel=info", "--schedule", BEAT_SCHEDULE]
        out += [
            "  beat:",
            *shared,
            "    command: " + _flow(beat),
            "    healthcheck:  # beat answers nothing it could be asked",
            "      disable: true",
            *tail,
        ]
    return out


#: Where beat keeps its schedule state: out of the bind-mounted checkout.
BEAT_SCHEDULE = "/tmp/celerybeat-schedule"


def schedules_tasks(project: SourceProject) -> bool:
    """True when the project runs Celery beat (see :func:`redis_wiring.schedules_tasks`)."""
    app_dir = project.root / project.app_dir
    files = [app_dir / rel for rel in project.settings_scan.files]
    celery_app = project.services.celery_app or ""
    return runs_beat(app_dir, celery_app, project.dependency_names, files)


def _depends(project: SourceProject) -> list[str]:
    out = []
    if project.services.database is not None:
        out += ["      db:", "        condition: service_healthy"]
    if project.services.redis:
        out += ["      redis:", "        condition: service_healthy"]
    return out


# -- where the site answers: the URLs announced, the one the health check asks --------
#
# A health check that passes on a 400 (Django's answer to a Host not in ALLOWED_HOSTS) or a
# 404 says "healthy" of a site nobody can use, so the check asks a URL the project has and
# wants an answer below 400: / when the URLconf routes it; else the admin's login page
# when the admin is mounted; else (a URLconf built at run time, or one with neither) /,
# where a 404 is the best proof there is that Django serves requests -- a 400 or a 5xx
# still is not.


def _routes(project: SourceProject) -> list[tuple[str, str]] | None:
    urlconf = project.settings_scan.values.get("ROOT_URLCONF")
    return urlconf_routes(project.root / project.app_dir, urlconf)


def admin_path(project: SourceProject) -> str | None:
    """Where the project mounts Django's admin (``/admin/``, ``/en/456-admin/``), read from
    its root URLconf (see :mod:`dockdjango.detection.django_settings.admin_url`)."""
    urlconf = project.settings_scan.values.get("ROOT_URLCONF")
    app_dir, files = project.root / project.app_dir, project.settings_scan.files
    return read_admin_path(app_dir, urlconf, files) if urlconf else None


@dataclass(frozen=True)
class SiteProbe:
    """The request the generated health check makes, and what counts as an answer."""

    path: str
    #: a 404 counts (nothing better to ask: see the module docstring)
    accept_404: bool

    def command(self, port: int) -> list[str]:
        """The check, for ``CMD``: Python's standard library (the base image has no curl).
        It prints what it got (``GET / answered 400``), which ``up`` quotes when the
        service never gets healthy, and reads the body so the server logs no broken pipe."""
        good = "s < 400 or s == 404" if self.accept_404 else "s < 400"
        code = (
            "import http.client as h, sys; "
            f"c = h.HTTPConnection('127.0.0.1', {port}, timeout=4); "
            f"c.request('GET', {json.dumps(self.path)}); r = c.getresponse(); r.read(); "
            f"s = r.status; print('GET {self.path} answered', s); sys.exit(0 if {good} else 1)"
        )
        return ["CMD", "python", "-c", code]


def site_probe(project: SourceProject) -> SiteProbe:
    """What the dev service's health check asks (see the module docstring)."""
    root = routes_root(_routes(project))
    if root:
        return SiteProbe("/", accept_404=False)
    admin = admin_path(project)
    if root is False and admin:
        return SiteProbe(admin + "login/", accept_404=False)
    return SiteProbe("/", accept_404=True)


def announced_urls(project: SourceProject) -> dict[str, str]:
    """The URLs ``up`` prints once they answer: the site when the URLconf routes ``/`` (or
    cannot be read), the admin when it is mounted."""
    urls = {} if routes_root(_routes(project)) is False else {"site": "/"}
    admin = admin_path(project)
    if admin:
        urls["admin"] = admin
    return urls or {"site": "/"}


def _database(db: Database) -> list[str]:
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
        *[f"      {k}: {_scalar(v)}" for k, v in sorted(env.items())],
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


def _flow(words: list[str]) -> str:
    return json.dumps(words).replace("$", "$$")


def _scalar(value: str) -> str:
    """A YAML scalar that stays a string (``"1"``, ``"true"``) and keeps ``$`` literal."""
    return json.dumps(str(value)).replace("$", "$$")
