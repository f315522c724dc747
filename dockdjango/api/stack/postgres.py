"""The PostgreSQL image a stack's ``db`` service runs: official where reachable, else Debian's.

Where a registry answers, the official ``postgres:16`` is used (present locally, or
pulled). Without one -- or with ``offline=True`` / ``DOCKDJANGO_OFFLINE=1``, under which
no registry is ever contacted -- dockdjango builds its Debian stand-in
(:mod:`dockdjango.api.stack.service_images`; for 16, ``dockdjango/postgres:15-bookworm``, said so),
whose entry point honours the official image's contract (``POSTGRES_USER``,
``POSTGRES_PASSWORD``, ``POSTGRES_DB``, ``PGDATA``, ``/docker-entrypoint-initdb.d``,
``pg_isready`` health).

A plain ``image: postgres:16`` gets the stand-in by its name; compose files may also
name the image through interpolation, so the same file runs under Docker Compose and
dockdjango with a chosen image::

    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}

and :func:`postgres_image_env` gives the variable to set before loading the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockdjango.api.stack.service_images import (
    INPUTS_LABEL,
    build_stand_in,
    files_dir,
    planned_service_image,
    resolve_service_image,
)
from dockdjango.images.standins import StandIn, stand_in_for

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import docker

    from dockdjango.compose import ProjectFiles
    from dockdjango.engine.builds.buildkit import OnEvent

Log = Callable[[str], None]

#: The image used where a registry serves it.
OFFICIAL_REF = "postgres:16"
#: The image dockdjango builds when the official one cannot be had.
DEBIAN_REF = "dockdjango/postgres:15-bookworm"
#: The variable compose files interpolate to pick the ``db`` image.
ENV_VAR = "DOCKDJANGO_POSTGRES_IMAGE"

__all__ = [
    "DEBIAN_REF",
    "ENV_VAR",
    "INPUTS_LABEL",
    "OFFICIAL_REF",
    "PostgresImage",
    "build_postgres_image",
    "ensure_postgres_image",
    "image_files_dir",
    "postgres_environ",
    "postgres_image_env",
    "postgres_variables",
    "resolve_postgres_image",
]


def _stand_in() -> StandIn:
    found = stand_in_for(OFFICIAL_REF)
    assert found is not None
    return found


@dataclass(frozen=True)
class PostgresImage:
    """The PostgreSQL image chosen for a stack, and why."""

    ref: str
    #: "local" (official image already present), "pulled" (official image pulled now),
    #: "existing" (Debian-built image already present) or "built" (Debian-built now)
    source: str
    #: The server version inside, e.g. ``16.4`` or ``15.20``
    version: str
    #: Why the official image was not used; empty when it was
    reason: str = ""
    seconds: float = 0.0

    @property
    def official(self) -> bool:
        """True when this is the official image."""
        return self.source in ("local", "pulled")

    @property
    def summary(self) -> str:
        """One line for people: what was asked, what is given, which version.

        For example ``postgres:16 not reachable (offline) → dockdjango/postgres:15-bookworm,
        PostgreSQL 15.20 (Debian bookworm); 16 is not in Debian (ships 15, 17, 18)``.
        """
        if self.source == "local":
            return f"{self.ref} (official, cached), {self.version}"
        if self.source == "pulled":
            return f"{self.ref} (official, pulled), {self.version}"
        stand_in = _stand_in()
        if self.ref != stand_in.ref:
            return f"{OFFICIAL_REF} not reachable ({self.reason}) → {self.ref}, {self.version}"
        return stand_in.summary(self.version, self.reason)


def postgres_image_env(image: PostgresImage | str) -> dict[str, str]:
    """The environment that makes ``${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}`` pick ``image``."""
    return {ENV_VAR: image if isinstance(image, str) else image.ref}


def image_files_dir() -> Traversable:
    """The package data the Debian PostgreSQL image is built from (Dockerfile, entrypoint)."""
    return files_dir(_stand_in())


def resolve_postgres_image(
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    log: Log | None = None,
    on_event: OnEvent | None = None,
) -> PostgresImage:
    """Choose the PostgreSQL image for a stack, building the Debian one if it is needed."""
    chosen = resolve_service_image(
        OFFICIAL_REF, client, offline=offline, log=log, on_event=on_event
    )
    assert chosen is not None  # postgres always has a stand-in
    return PostgresImage(chosen.ref, chosen.source, chosen.version, chosen.reason, chosen.seconds)


def ensure_postgres_image(
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    log: Log | None = None,
    on_choice: Callable[[PostgresImage], None] | None = None,
) -> str:
    """The image reference a stack's ``db`` should use (see :func:`resolve_postgres_image`).

    ``on_choice`` receives the full :class:`PostgresImage`, whose ``summary`` is the line
    to show (``official postgres:16 not reachable → built from Debian, 15.20``).
    """
    choice = resolve_postgres_image(client, offline=offline, log=log)
    if on_choice is not None:
        on_choice(choice)
    return choice.ref


def postgres_environ(
    files: Sequence[str | os.PathLike[str]] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    log: Log | None = None,
    on_choice: Callable[[PostgresImage], None] | None = None,
    dry_run: bool = False,
) -> dict[str, str]:
    """The environment to load ``files`` with, ``DOCKDJANGO_POSTGRES_IMAGE`` resolved: a
    copy of ``environ`` (default: ``os.environ``) with :func:`postgres_variables` of the
    project ``files`` make (None: the files Compose would use)::

        env = postgres_environ(["compose.yaml"])
        stack = Stack.load("compose.yaml", environ=env)
    """
    from dockdjango.compose import locate

    env = dict(os.environ if environ is None else environ)
    located = locate(files or None, environ=env)
    chosen = postgres_variables(
        located, client=client, offline=offline, log=log, on_choice=on_choice, dry_run=dry_run
    )
    return {**env, **chosen}


def postgres_variables(
    located: ProjectFiles,
    *,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    log: Log | None = None,
    on_choice: Callable[[PostgresImage], None] | None = None,
    dry_run: bool = False,
) -> dict[str, str]:
    """``{"DOCKDJANGO_POSTGRES_IMAGE": ref}`` when some file of the project interpolates
    the variable and neither the environment nor the project's ``.env`` (or
    ``--env-file``) sets it; otherwise ``{}``, and no engine is contacted, so a user's own
    pin always wins. ``ref`` is :func:`ensure_postgres_image`'s choice (``on_choice``
    hears about it). With ``dry_run`` nothing is pulled or built: the choice is the one
    already made (the official image, or a stand-in built earlier), else the official
    reference, whose stand-in a dry ``up`` then says it would build."""
    from dockdjango.compose import read_compose_text

    if located.env.get(ENV_VAR):
        return {}
    # decoded as the loader decodes it (UTF-16, a bad byte: a SpecError naming the line)
    if not any(ENV_VAR in read_compose_text(p) for p in located.files if os.path.isfile(p)):
        return {}
    if dry_run:
        planned = planned_service_image(OFFICIAL_REF, client, offline=offline)
        return {ENV_VAR: planned or OFFICIAL_REF}
    return {ENV_VAR: ensure_postgres_image(client, offline=offline, log=log, on_choice=on_choice)}


def build_postgres_image(
    client: docker.DockerClient | None = None,
    *,
    ref: str = DEBIAN_REF,
    force: bool = False,
    log: Log | None = None,
    on_event: OnEvent | None = None,
) -> PostgresImage:
    """Build the Debian PostgreSQL image as ``ref`` unless an up-to-date one is there.

    "Up to date" means built from the same Dockerfile, entry point and base image; the
    digest of those is kept in a label, so editing the package or rebuilding the base
    makes the next call rebuild (mostly from the layer cache).
    """
    made = build_stand_in(_stand_in(), client, ref=ref, force=force, log=log, on_event=on_event)
    return PostgresImage(made.ref, made.source, made.version, seconds=made.seconds)
