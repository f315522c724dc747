"""How each corpus project is brought up: only what its own README asks, and what to expect.

Shared by the corpus tests and ``benchmarks/corpus_up.py``. Nothing here is a hand-written
project file: ``readme_copies`` are the copies a project's README tells a new user to make
(``cp .env.example .env``), ``flags`` are command-line flags dockdjango itself offers in its
messages (``--generated`` where the project's own compose file cannot run here,
``--python`` where the project's exact Python exists nowhere here).
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Recipe:
    """One corpus project's way up."""

    name: str
    #: (source, destination) copies the project's README asks for
    readme_copies: tuple[tuple[str, str], ...] = ()
    #: project flags, before any command (``--generated``)
    flags: tuple[str, ...] = ()
    #: answers to detection, after `up` or `init` (``--python 3.13``)
    answers: tuple[str, ...] = ()
    #: the paths tried, in order; the first 2xx/3xx answer is the proof
    paths: tuple[str, ...] = ("/", "/admin/login/")
    #: the Host header the settings' ALLOWED_HOSTS / django-hosts expect (port appended)
    host: str | None = None
    #: the backing services detection must find
    services: tuple[str, ...] = ()
    #: a project too old to run: the substring its one-line refusal must hold
    refused: str | None = None
    #: why it needs its flags, for the report
    why: str = ""
    #: what `dockdjango compare` must say the virtualenv cannot do (None: it can)
    venv_cannot: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    #: a host a dependency is fetched from (a Git URL), not PyPI: where it cannot be
    #: reached, `up` must refuse on one line naming it
    needs_host: str | None = None
    #: not brought up yet, and why (issue 19: the class it shows is being fixed)
    not_yet: str | None = None

    def refusal(self) -> str | None:
        """What the one-line refusal must say on this machine, or None: it is served."""
        if self.not_yet:
            return None
        if self.refused is None and self.needs_host and not reachable(self.needs_host):
            return f"{self.needs_host} could not be fetched from the build"
        return self.refused

    def up(self, project: str, *after: str) -> list[str]:
        """``dockdjango`` arguments for ``up`` of this project as ``project``."""
        return [*self.flags, "-p", project, "up", *self.answers, *after]


#: the projects added to the corpus whose way up is not written yet (issue 19)
_NOT_YET = {
    name: "not yet brought up: the class of project it shows is being fixed"
    for name in (
        "django-cms-quickstart django-crm django-oscar django-silk doccano evap grafana-oncall "
        "kompass linkding mathesar mit-tab penn-courses penn-mobile peering-manager ralph "
        "richie taiga-back tubearchivist"
    ).split()
}

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
            flags=("--generated",),
            services=("postgres",),
            why="its compose file builds FROM python:3.12-slim and ghcr.io/astral-sh/uv",
            venv_cannot="Django 6.0 needs Python >= 3.12",
        ),
        Recipe(
            "dfp-ch18-deployment",
            flags=("--generated",),
            services=("postgres",),
            # psycopg2-binary 2.9.3 and Pillow 9.0.1 compile for 3.11 with the packages
            # dockdjango adds; requirements.txt pins environs 9.5.0 but not marshmallow, which
            # resolves as of Django 4.0's end of support (3.x), not to 4.x it cannot import
            refused=None,
            why="its compose file builds FROM python:3.10.4-slim-bullseye",
        ),
        Recipe(
            "djangogirls",
            flags=("--generated",),
            services=("postgres",),
            # pinned psycopg2-binary 2.8.3 has no wheel after Python 3.9 and its C code does
            # not compile for Python >= 3.10; the Pythons here are 3.11, 3.13, 3.14
            refused="psycopg2-binary==2.8.3 was built from source",
            why="its requirements.txt pins psycopg2-binary==2.8.3 (Python <= 3.9 only)",
        ),
        Recipe(
            "djangoproject-com",
            flags=("--generated",),
            answers=("--python", "3.13"),
            host="www.djangoproject.localhost",
            services=("postgres",),
            why="requires-python ==3.12.* exists nowhere here (3.13 given, said as an "
            "override); its compose file builds FROM python:3.12-slim-trixie",
            venv_cannot="the project requires Python ==3.12.*",
            needs_host="github.com",  # django-push @ git+https://github.com/...
        ),
        Recipe(
            "kiwitcms",
            flags=("--generated",),
            paths=("/", "/accounts/login/"),
            why="its compose file runs a prebuilt pub.kiwitcms.eu image and mariadb",
            venv_cannot="Django 6.0.8 needs Python >= 3.12",
        ),
        Recipe(
            "openstates-org",
            flags=("--generated",),
            services=("postgres",),
            # the image builds (its old sdists, django-allauth 0.48.0 among them, with the
            # setuptools<70 its Django 3.2 calls for), but the project's own
            # graphapi/common.py imports collections.Iterable, gone since Python 3.10; it asks
            # for 3.9 (.python-version) and the Pythons here are 3.11, 3.13, 3.14
            refused="ImportError: cannot import name 'Iterable' from 'collections'",
            why="its compose file joins an external network and builds FROM python:3.9",
        ),
        Recipe(
            "pretalx",
            paths=("/", "/orga/login/"),
            venv_cannot="the project requires Python >=3.13",
        ),
        Recipe(
            "tabbycat",
            flags=("--generated",),
            paths=("/", "/database/login/"),
            services=("postgres", "redis"),
            why="its compose file builds FROM python:3.11 with nvm/npm from the internet",
        ),
        Recipe(
            "django-boards",
            readme_copies=((".env.example", ".env"),),
            refused="this project is too old to run here: Django 1.11.29",
        ),
        *(Recipe(name, not_yet=why) for name, why in _NOT_YET.items()),
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
