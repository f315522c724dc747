"""How each corpus project is brought up on a new user's path, and what to expect.

Shared by the corpus tests and ``benchmarks/corpus_up.py``. The path is the one a user
takes (:func:`up_as_typed`): ``dockdjango up`` as typed in a fresh copy, after only the
file copies the project's README asks for (``readme_copies``: ``cp .env.example .env``);
when ``up`` fails with a hint naming one ``dockdjango up ...`` command, that command, once.
No flag is picked here: where a project's own compose file cannot run on this machine,
``up`` itself must choose the mode or name it. ``-p`` (a unique project name), ``-d
--wait`` (as Compose's detached up) and a long ``--timeout`` (this machine is slow) are the
only things the harness adds, and ``WEB_PORT`` (a free port, so parallel runs never fight
over 8000). Nothing here is a hand-written project file.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: the hint's command a user follows: ``hint: ... `dockdjango up --generated` ...``
HINT_UP = re.compile(r"hint:.*?`dockdjango (up[^`]*)`")
#: the words of the hint's command the harness gives anyway
_HARNESS = {"up", "-d", "--detach", "--wait"}


@dataclass(frozen=True)
class Recipe:
    """One corpus project's way up, and what it shows."""

    name: str
    #: (source, destination) copies the project's README asks for
    readme_copies: tuple[tuple[str, str], ...] = ()
    #: (path, text) files the README gives the text of (``echo "..." > .env``)
    readme_writes: tuple[tuple[str, str], ...] = ()
    #: the paths tried, in order; the first 2xx/3xx answer is the proof
    paths: tuple[str, ...] = ("/", "/admin/login/")
    #: the Host header the settings' ALLOWED_HOSTS / django-hosts expect (port appended)
    host: str | None = None
    #: the backing services that must run beside ``web`` (kinds: postgres, mysql, redis)
    services: tuple[str, ...] = ()
    #: a project that cannot run here: the substring its one-line refusal must hold
    refused: str | None = None
    #: what stands in its way here, or what dockdjango does for it (for the docs table)
    why: str = ""
    #: what `dockdjango compare` must say the virtualenv cannot do (None: it can)
    venv_cannot: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    #: a host a dependency is fetched from (a Git URL), not PyPI: where it cannot be
    #: reached, `up` must refuse on one line naming it
    needs_host: str | None = None
    #: not brought up yet, and why (issue 19: the class it shows is being fixed)
    not_yet: str | None = None
    #: served (or refused) in CI: the subset covers every class; the rest is served by
    #: benchmarks/corpus_up.py
    ci: bool = False

    def refusal(self) -> str | None:
        """What the one-line refusal must say on this machine, or None: it is served."""
        if self.not_yet:
            return None
        if self.refused is None and self.needs_host and not reachable(self.needs_host):
            return f"{self.needs_host} could not be fetched from the build"
        return self.refused


#: the README copies of the projects not proven yet (see the baseline's readme-steps)
_COPIES: dict[str, tuple[tuple[str, str], ...]] = {
    "doccano": (("docker/.env.example", "docker/.env"), ("docker/.env.example", ".env")),
    "kompass": (
        ("docker/development/docker.env.example", "docker/development/docker.env"),
        (
            "docker/development/config/settings.toml.example",
            "docker/development/config/settings.toml",
        ),
    ),
    "linkding": ((".env.sample", ".env"),),
    "mathesar": ((".env.example", ".env"),),
    "peering-manager": (
        ("peering_manager/configuration.example.py", "peering_manager/configuration.py"),
    ),
    "ralph": (("src/ralph/settings/local.template", "src/ralph/settings/local.py"),),
    # what its docs' `make bootstrap` copies (Makefile:83-90, 374-390)
    "richie": (
        *(
            (f"env.d/development/{n}.dist", f"env.d/development/{n}")
            for n in ("common", "dev", "dev-ssl", "localtunnel", "crowdin")
        ),
        (
            "src/frontend/js/settings/settings.dev.dist.ts",
            "src/frontend/js/settings/settings.dev.ts",
        ),
    ),
}
#: the files a README gives the text of (grafana-oncall's README.md:62-74)
_WRITES = {
    "grafana-oncall": (
        (
            ".env",
            "DOMAIN=http://localhost:8080\n"
            "# Remove 'with_grafana' below if you want to use existing grafana\n"
            "# Add 'with_prometheus' below to optionally enable a local prometheus for oncall "
            "metrics\n"
            "# e.g. COMPOSE_PROFILES=with_grafana,with_prometheus\n"
            "COMPOSE_PROFILES=with_grafana\n"
            "# to setup an auth token for prometheus exporter metrics:\n"
            "# PROMETHEUS_EXPORTER_SECRET=my_random_prometheus_secret\n"
            "# also, make sure to enable the /metrics endpoint:\n"
            "# FEATURE_PROMETHEUS_EXPORTER_ENABLED=True\n"
            "SECRET_KEY=my_random_secret_must_be_more_than_32_characters_long\n",
        ),
    ),
}

#: the projects whose way up is not proven yet, and what stops them (issue 19's classes)
_NOT_YET = {
    "django-cms-quickstart": "under the hint's --generated-dockerfile its compose command "
    "(runserver on :80) is probed now, but its database is not migrated first: / answers 500",
}

#: corpus projects proven after the first nine (issue 19), served or refused on one line
_SERVED_OR_REFUSED_LATER = (
    Recipe(
        "linkding",
        readme_copies=_COPIES["linkding"],
        why="its compose file runs sissbruecker/linkding (no `build:`): the hint names "
        "`up --generated`; uv.lock used as the lock; data/ (its SQLite) made before migrate",
        venv_cannot="the project requires Python >=3.13",
    ),
    Recipe(
        "django-oscar",
        why="no compose file: zero-config; the sandbox/ site imports oscar, the package the "
        "repository builds, installed with its [test] extra; SQLite in the data volume",
    ),
    Recipe(
        "ralph",
        readme_copies=_COPIES["ralph"],
        refused="no manage.py: this project runs Django through the console script dev_ralph",
        why="no manage.py (Django runs through a console script); Django 2.0 pins for "
        "Python 3.6 behind it",
    ),
    Recipe(
        "tubearchivist",
        # its compose file runs bbilly1/tubearchivist (no `build:`): the hint names
        # `up --generated`, whose install then needs github.com
        refused="bgutil-ytdlp-pot-provider is installed from a Git URL and github.com could "
        "not be fetched",
        why="backend/requirements.txt installs a plugin from github.com, which builds here "
        "cannot reach; it also needs Elasticsearch (bbilly1/tubearchivist-es), which no "
        "registry here serves and Debian does not package",
    ),
    Recipe(
        "grafana-oncall",
        readme_writes=_WRITES["grafana-oncall"],
        # its compose file runs grafana/oncall (no `build:`): the hint names
        # `up --generated`, whose install downloads fcm-django from github.com
        needs_host="github.com",
        why="engine/requirements.txt downloads fcm-django from a github.com archive URL",
    ),
    Recipe(
        "penn-courses",
        refused="requires-python ==3.11.4 (backend/pyproject.toml requires-python) pins the "
        "patch release 3.11.4",
        why="requires-python ==3.11.4 and uv.lock for it; the 3.11 here is Debian "
        "bookworm's 3.11.2",
    ),
    Recipe(
        "penn-mobile",
        refused="it contacts platform.pennlabs.org as it starts, which cannot be reached",
        why="its identity app fetches keys from platform.pennlabs.org as Django starts "
        "(backend/Pipfile.lock installed from backend/)",
    ),
    Recipe(
        "doccano",
        readme_copies=_COPIES["doccano"],
        why="no compose file at the root: zero-config from backend/ (pyproject.toml + "
        "poetry.lock beside manage.py); / needs the front end built, the admin answers",
    ),
    Recipe(
        "mathesar",
        readme_copies=_COPIES["mathesar"],
        services=("postgres",),
        why="its compose file runs mathesar/mathesar (no `build:`): the hint names "
        "`up --generated`; its PostgreSQL stood in for by Debian's",
    ),
    Recipe(
        "richie",
        readme_copies=_COPIES["richie"],
        why="its compose file runs Elasticsearch 7.14, which nothing here provides: the hint "
        "names `up --generated`, whose sandbox answers without it",
    ),
)

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "bakerydemo",
            # its README's venv set-up: `cp bakerydemo/settings/local.py.example ...local.py`
            # and `cp .env.example .env`
            readme_copies=(
                (".env.example", ".env"),
                ("bakerydemo/settings/local.py.example", "bakerydemo/settings/local.py"),
            ),
            services=("postgres",),
            why="its compose file builds FROM python:3.12-slim and ghcr.io/astral-sh/uv; "
            "postgres:18.1 stood in for by Debian's PostgreSQL 18",
            venv_cannot="Django 6.0 needs Python >= 3.12",
            ci=True,
        ),
        Recipe(
            "dfp-ch18-deployment",
            services=("postgres",),
            # psycopg2-binary 2.9.3 and Pillow 9.0.1 compile for 3.11 with the packages
            # dockdjango adds; requirements.txt pins environs 9.5.0 but not marshmallow, which
            # resolves as of Django 4.0's end of support (3.x), not to 4.x it cannot import
            why="its compose file builds FROM python:3.10.4-slim-bullseye",
        ),
        Recipe(
            "djangogirls",
            services=("postgres",),
            # pinned psycopg2-binary 2.8.3 has no wheel after Python 3.9 and its C code does
            # not compile for Python >= 3.10; the Pythons here are 3.11, 3.13, 3.14
            refused="psycopg2-binary==2.8.3 was built from source",
            why="its requirements.txt pins psycopg2-binary==2.8.3 (Python <= 3.9 only)",
        ),
        Recipe(
            "djangoproject-com",
            host="www.djangoproject.localhost",
            services=("postgres",),
            why="requires-python ==3.12.* exists nowhere here; its compose file builds FROM "
            "python:3.12-slim-trixie",
            venv_cannot="the project requires Python ==3.12.*",
            needs_host="github.com",  # django-push @ git+https://github.com/...
        ),
        Recipe(
            "kiwitcms",
            # `/` only redirects to the login page: the page itself is the proof
            paths=("/accounts/login/",),
            why="hint: `up --generated` (its compose file runs a prebuilt pub.kiwitcms.eu "
            "image); setup.py's requirements, and requirements/devel.txt's chain (factory_boy "
            "for its devel settings) in the dev target",
            venv_cannot="Django 6.0.8 needs Python >= 3.12",
            # `up` succeeds, but every page answers 500: the devel settings' static storage
            # (tcms.tests.storage) raises for any file missing, and the corpus copy trimmed
            # its images (images/favicon.ico, in every page) -- a real checkout has them --
            # while its front-end packages come from `npm install` + webpack in tcms/, a
            # step only its own Dockerfile takes
            not_yet="every page 500s: its devel settings refuse a missing static file, and "
            "the corpus copy trimmed images/favicon.ico (its npm front-end is not built either)",
        ),
        Recipe(
            "openstates-org",
            services=("postgres",),
            # the image builds (its old sdists, django-allauth 0.48.0 among them, with the
            # setuptools<70 its Django 3.2 calls for), but the project's own
            # graphapi/common.py imports collections.Iterable, gone since Python 3.10; it asks
            # for 3.9 (.python-version) and the Pythons here are 3.11, 3.13, 3.14
            # its compose file joins the external network openstates-network, which the
            # project's other repositories create: `up` stops there, as Compose does, naming
            # `docker network create`; past it, the code needs Python 3.9 (see above)
            refused="network openstates-network is declared external but does not exist",
            why="its compose file joins an external network and builds FROM python:3.9",
        ),
        Recipe(
            "pretalx",
            paths=("/", "/orga/login/"),
            why="no compose file: zero-config, uv.lock used as the lock",
            venv_cannot="the project requires Python >=3.13",
            ci=True,
        ),
        Recipe(
            "tabbycat",
            paths=("/", "/database/login/"),
            services=("postgres", "redis"),
            why="its compose file builds FROM python:3.11 with nvm/npm from the internet",
        ),
        Recipe(
            "django-boards",
            readme_copies=((".env.example", ".env"),),
            refused="this project is too old to run here: Django 1.11.29",
            ci=True,
        ),
        Recipe(
            "mit-tab",
            readme_copies=((".env.example", ".env"),),
            refused="requires-python >=3.10.16,<3.11",
            why="Python 3.10 exists nowhere here (its MySQL would be stood in for by MariaDB)",
        ),
        *_SERVED_OR_REFUSED_LATER,
        Recipe(
            "django-crm",
            # / is not routed; the admin is under i18n_patterns and a settings prefix
            paths=("/en/456-admin/",),
            why="no compose file: zero-config, SQLite; the admin at /en/456-admin/ "
            "(SECRET_ADMIN_PREFIX inside i18n_patterns), read from its URLconf",
        ),
        Recipe(
            "django-silk",
            why="no compose file: zero-config; the sandbox project/ with the silk package "
            "installed, and SQLite through DB_ENGINE=sqlite3 (its README's first run; no "
            "PostgreSQL driver is a dependency)",
        ),
        Recipe(
            "evap",
            # nix's setup makes evap/localsettings.py from its template; only it sets SECRET_KEY
            refused="evap/localsettings.py must be made first",
            why="its settings run without SECRET_KEY until its nix setup copies "
            "evap/development/localsettings.template.py; PostgreSQL and Redis at a fixed "
            "localhost are met by sharing db's network",
        ),
        Recipe(
            "kompass",
            readme_copies=_COPIES["kompass"],
            paths=("/", "/de/kompass/"),
            services=("mysql", "redis"),
            why="no compose file at the root (docker/development/ has one): zero-config, "
            "MariaDB (Debian's) made with the credentials its settings default to",
        ),
        Recipe(
            "peering-manager",
            readme_copies=_COPIES["peering-manager"],
            services=("postgres",),
            why="no compose file: zero-config from uv.lock (its requirements.txt is an export "
            "that pins rpds-py twice); configuration.py's PostgreSQL at a fixed localhost "
            "(devbox) met by sharing db's network",
        ),
        Recipe(
            "taiga-back",
            # the corpus trims images; a real checkout has the file (not dockdjango's doing)
            refused="taiga/hooks/bitbucket/migrations/logo.png",
            services=("postgres",),
            why="PostgreSQL at a fixed 127.0.0.1 (taiga/taiga) is met by sharing db's "
            "network and migrations run, until one opens a PNG the corpus copy trimmed",
        ),
        *(
            Recipe(
                name,
                readme_copies=_COPIES.get(name, ()),
                readme_writes=_WRITES.get(name, ()),
                not_yet=why,
            )
            for name, why in _NOT_YET.items()
        ),
    )
}


def copy_project(corpus: Path, name: str, dest: Path) -> Path:
    """A fresh, writable copy of one corpus project, with its README's copies made."""
    target = dest / name
    shutil.copytree(corpus / name, target, symlinks=True)
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    for src, dst in RECIPES[name].readme_copies:
        shutil.copyfile(target / src, target / dst)
    for path, text in RECIPES[name].readme_writes:
        (target / path).write_text(text)
    return target


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dockdjango(
    args: list[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: float = 2400
) -> subprocess.CompletedProcess[str]:
    """``python -m dockdjango ARGS`` in ``cwd``; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "dockdjango", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def first_answer(recipe: Recipe, port: int, *, within: float = 120.0) -> tuple[str, int]:
    """(path, status) of the first path that answers 2xx/3xx on 127.0.0.1 (no redirect
    followed); the last answer seen when none does within ``within`` seconds."""
    host = f"{recipe.host}:{port}" if recipe.host else f"127.0.0.1:{port}"
    opener = urllib.request.build_opener(_NoRedirect())
    deadline = time.monotonic() + within
    last = ("", 0)
    while time.monotonic() < deadline:
        for path in recipe.paths:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Host": host}
            )
            try:
                with opener.open(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            last = (path, status)
            if 200 <= status < 400:
                return last
        time.sleep(2)
    return last


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@functools.cache
def reachable(host: str) -> bool:
    """Whether ``host`` answers on port 443 from here (builds share this network)."""
    try:
        with socket.create_connection((host, 443), timeout=5):
            return True
    except OSError:
        return False


@dataclass
class UserPath:
    """What a new user's ``up`` did: the last ``up`` run, and the hint's words followed."""

    up: subprocess.CompletedProcess[str]
    #: the arguments the hint's command added (``("--generated",)``), empty if none
    followed: tuple[str, ...]
    #: the first ``up``'s one-line failure, when a hint was followed
    first_error: str = ""
    seconds: float = 0.0

    @property
    def errors(self) -> list[str]:
        """The ``error:`` lines of the last ``up``."""
        return [ln for ln in self.up.stderr.splitlines() if ln.startswith("error:")]


def up_as_typed(
    root: Path, project: str, *, env: dict[str, str] | None = None, timeout: int = 1800
) -> UserPath:
    """``dockdjango up`` in ``root`` as a user types it (detached, waiting); when it fails
    with a hint naming one ``dockdjango up ...`` command, that command, once."""
    started = time.monotonic()
    base = ["-p", project, "up", "-d", "--wait", "--timeout", str(timeout)]
    up = dockdjango(base, root, env=env, timeout=timeout + 600)
    followed: tuple[str, ...] = ()
    first_error = ""
    hint = HINT_UP.search(up.stderr) if up.returncode != 0 else None
    if hint is not None:
        followed = tuple(w for w in hint.group(1).split() if w not in _HARNESS)
        first_error = next((ln for ln in up.stderr.splitlines() if ln.startswith("error:")), "")
        _KEPT_ANONYMOUS.setdefault(project, set()).update(_anonymous_volumes(project))
        up = dockdjango([*base, *followed], root, env=env, timeout=timeout + 600)
    return UserPath(up, followed, first_error, time.monotonic() - started)


#: project -> anonymous volumes its first ``up``'s containers had. The hint's ``up``
#: recreates them with another configuration; as with Compose, a recreate keeps an
#: anonymous volume the replacement does not mount (never lost data), and ``down -v`` no
#: longer sees it: :func:`remove_project` removes these.
_KEPT_ANONYMOUS: dict[str, set[str]] = {}


def _anonymous_volumes(project: str) -> set[str]:
    """The anonymous volumes the project's containers mount now."""
    from dockdjango.engine.labels import anonymous_mounts

    label = f"label=com.docker.compose.project={project}"
    ran = subprocess.run(
        ["docker", "ps", "-aq", "--filter", label], capture_output=True, text=True, timeout=120
    )
    if not ran.stdout.split():
        return set()
    inspected = subprocess.run(
        ["docker", "inspect", *ran.stdout.split()], capture_output=True, text=True, timeout=120
    )
    return {name for c in json.loads(inspected.stdout or "[]") for name, _ in anonymous_mounts(c)}


def project_flags(followed: tuple[str, ...]) -> list[str]:
    """Of the hint's words, the project options every stack command takes (the generated
    mode's switch, whatever its spelling), which ``ps`` and ``down`` need too."""
    from dockdjango.cli.table import PROJECT_FLAGS

    switches = {
        flag
        for flags, settings in PROJECT_FLAGS
        if settings.get("action") == "store_true"
        for flag in flags
    }
    return [w for w in followed if w in switches]


def published_ports(root: Path, project: str, followed: tuple[str, ...] = ()) -> list[int]:
    """The 127.0.0.1 ports the project's running containers publish, ``web``'s first."""
    ps = dockdjango(["-p", project, "ps", "--json", *project_flags(followed)], root, timeout=300)
    rows = json.loads(ps.stdout or "[]")
    rows.sort(key=lambda row: row.get("service") != "web")
    ports = []
    for row in rows:
        if row.get("state") == "running":
            # a compose file's "8000:8000" publishes on every interface (up warns); the
            # test's traffic still goes to 127.0.0.1 only
            found = re.findall(r"(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)->", row.get("ports", ""))
            ports += [int(p) for p in found]
    return list(dict.fromkeys(ports))


def running_services(root: Path, project: str, followed: tuple[str, ...] = ()) -> set[str]:
    """The services with a running container."""
    ps = dockdjango(["-p", project, "ps", "--json", *project_flags(followed)], root, timeout=300)
    return {row["service"] for row in json.loads(ps.stdout or "[]") if row["state"] == "running"}


def remove_project(root: Path, project: str, followed: tuple[str, ...] = ()) -> None:
    """``down -v --remove-orphans`` (as the mode ``up`` ran in, and as plain ``down``), then
    whatever still carries the project's label -- anonymous volumes included -- and the
    images tagged for it (layers stay cached)."""
    for extra in {tuple(project_flags(followed)), ()}:
        dockdjango(["-p", project, "down", "-v", "--remove-orphans", *extra], root, timeout=600)
    label = f"label=com.docker.compose.project={project}"

    def ids(*args: str) -> list[str]:
        ran = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
        return ran.stdout.split()

    containers = ids("ps", "-aq", "--filter", label)
    if containers:
        subprocess.run(["docker", "rm", "-fv", *containers], capture_output=True, timeout=300)
    for kind in ("volume", "network"):
        names = ids(kind, "ls", "-q", "--filter", label)
        if names:
            subprocess.run(["docker", kind, "rm", *names], capture_output=True, timeout=300)
    kept = sorted(_KEPT_ANONYMOUS.pop(project, set()))
    if kept:
        subprocess.run(["docker", "volume", "rm", *kept], capture_output=True, timeout=300)
    images = ids("images", "-q", "--filter", f"reference={project}-*")
    if images:
        subprocess.run(["docker", "rmi", "-f", *images], capture_output=True, timeout=300)
