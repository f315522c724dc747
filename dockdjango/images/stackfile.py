"""The compose file dockdjango writes for a Django project it detected (``dockdjango init``),
and runs in memory when a project has none (``dockdjango up``).

Readable and commented, and plain Compose: ``docker compose config`` accepts it and
``docker compose up`` runs it. It holds, as detection found them
(:mod:`dockdjango.detection.detect`):

- ``web``: the project's ``dev`` image target, the source bind-mounted for live reload,
  migrations run before ``runserver``, published on 127.0.0.1 only, the variables that
  connect the settings to the services below, and the checkout owner's uid
  (``DOCKDJANGO_UID``/``DOCKDJANGO_GID``, which dockdjango sets) so files Django creates in
  the checkout are the owner's;
- ``db`` (PostgreSQL or MariaDB) with a named volume and a health check, when the
  project uses one; ``redis``; a Celery ``worker``;
- a ``data`` volume for SQLite and other files when a variable places them there.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from dockdjango.detection.backing_services import Database
from dockdjango.detection.detect import SourceProject
from dockdjango.images.dockerfile import APP_DIR, DEV_DATA_DIR

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
    stack ``dockdjango up`` runs without writing anything).
    """
    generated_dockerfile = dockerfile
    plan = project.services
    workdir = APP_DIR if project.app_dir in ("", ".") else f"{APP_DIR}/{project.app_dir}"
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
        "  web:",
        "    build:",
        "      context: .",
    ]
    marker = []
    if generate_in_memory:
        # an explicit Python (--python) travels with the build, which detects again
        chosen = project.python_request.override
        extra = f", python: '{chosen}'" if chosen else ""
        marker = [f"      x-dockdjango: {{dockerfile: generated{extra}}}"]
    if generated_dockerfile:
        out.append(f"      dockerfile: {generated_dockerfile}")
    out += marker
    out += [
        "      target: dev  # runserver with autoreload; the image's default is the production one",
        '    user: "${DOCKDJANGO_UID:-10001}:${DOCKDJANGO_GID:-10001}"',
        f"    working_dir: {workdir}",
        "    # migrations first, then Django's development server",
        "    command: "
        + _flow(
            [
                "sh",
                "-c",
                f"{_make_dirs(plan.make_dirs)}python manage.py migrate --noinput && exec "
                f"python manage.py runserver 0.0.0.0:{port}",
            ]
        ),
        "    ports:",
        f'      - "127.0.0.1:${{WEB_PORT:-{port}}}:{port}"  # only this machine can reach it',
    ]
    env = dict(sorted(plan.environment.items()))
    if project.settings_module:
        env.setdefault("DJANGO_SETTINGS_MODULE", project.settings_module)
    if env:
        out += ["    environment:"] + [f"      {k}: {_scalar(v)}" for k, v in sorted(env.items())]
    probe = (
        "import http.client as h, sys; "
        f"c = h.HTTPConnection('127.0.0.1', {port}, timeout=4); "
        "c.request('GET', '/'); sys.exit(c.getresponse().status >= 500)"
    )
    out += [
        "    healthcheck:  # healthy once Django answers below 500; migrations come first",
        "      test: " + _flow(["CMD", "python", "-c", probe]),
        "      interval: 3s",
        "      timeout: 5s",
        "      retries: 5",
        "      start_period: 1h  # migrations of a large project on a slow machine take long",
    ]
    out += ["    volumes:", f"      - .:{APP_DIR}  # your checkout, live"]
    if plan.data_volume:
        out.append(f"      - data:{DEV_DATA_DIR}  # SQLite and files the settings put there")
    depends = _depends(project)
    if depends:
        out += ["    depends_on:"] + depends
    out += _urls(project)
    if plan.database is not None:
        out += _database(plan.database)
    if plan.redis:
        out += [
            "  redis:",
            f"    image: redis:{plan.redis}",
            "    healthcheck:",
            '      test: ["CMD", "redis-cli", "ping"]',
            "      interval: 5s",
            "      timeout: 3s",
            "      retries: 20",
        ]
    if plan.celery_app:
        out += [
            "  worker:",
            "    build:",
            "      context: .",
            *([f"      dockerfile: {generated_dockerfile}"] if generated_dockerfile else []),
            *marker,
            "      target: dev",
            '    user: "${DOCKDJANGO_UID:-10001}:${DOCKDJANGO_GID:-10001}"',
            f"    working_dir: {workdir}",
            "    command: " + _flow(["celery", "-A", plan.celery_app, "worker", "--loglevel=info"]),
        ]
        if env:
            out += ["    environment:"] + [f"      {k}: {_scalar(v)}" for k, v in env.items()]
        out += ["    volumes:", f"      - .:{APP_DIR}"]
        if depends:
            out += ["    depends_on:"] + depends
    volumes = ["  pgdata:"] if plan.database and plan.database.kind == "postgres" else []
    volumes += ["  dbdata:"] if plan.database and plan.database.kind == "mysql" else []
    volumes += ["  data:"] if plan.data_volume else []
    if volumes:
        out += ["", "volumes:", *volumes]
    variables = {"DOCKDJANGO_UID": "10001", "DOCKDJANGO_GID": "10001", "WEB_PORT": str(port)}
    return StackFile("\n".join(out) + "\n", variables)


def _make_dirs(dirs: tuple[str, ...]) -> str:
    """``mkdir -p`` of the directories the settings' SQLite files need (none: no text)."""
    return f"mkdir -p {' '.join(shlex.quote(d) for d in dirs)} && " if dirs else ""


def _depends(project: SourceProject) -> list[str]:
    out = []
    if project.services.database is not None:
        out += ["      db:", "        condition: service_healthy"]
    if project.services.redis:
        out += ["      redis:", "        condition: service_healthy"]
    return out


def _urls(project: SourceProject) -> list[str]:
    urls = {"site": "/"}
    admin = admin_path(project)
    if admin:
        urls["admin"] = admin
    return [
        "    x-dockdjango:  # what `dockdjango up` prints once the site answers",
        "      urls: {" + ", ".join(f"{k}: {v}" for k, v in urls.items()) + "}",
    ]


def admin_path(project: SourceProject) -> str | None:
    """Where the project mounts Django's admin (``/admin/``), read from its root URLconf."""
    urlconf = project.settings_scan.values.get("ROOT_URLCONF")
    if not urlconf:
        return None
    base = project.root / project.app_dir / urlconf.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            m = re.search(
                r"""(?:path|re_path|url)\(\s*r?["']\^?([\w/-]*?)\$?["']\s*,\s*admin\.site\.urls""",
                text,
            )
            if m:
                return "/" + m.group(1).strip("/") + ("/" if m.group(1).strip("/") else "")
    return None


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
