"""The PostgreSQL image a stack's ``db`` service runs: official where reachable, else Debian's.

Where a registry answers, the official ``postgres:16`` is used (present locally, or
pulled). Without one -- or with ``offline=True`` / ``DOCKDJANGO_OFFLINE=1``, under which
no registry is ever contacted -- dockdjango builds ``dockdjango/postgres:15-bookworm`` from
the registry-free Debian base and Debian's ``postgresql-15`` package, with an entry point
that honours the official image's contract (``POSTGRES_USER``, ``POSTGRES_PASSWORD``,
``POSTGRES_DB``, ``PGDATA``, ``/docker-entrypoint-initdb.d``, ``pg_isready`` health).

Compose files name the image through interpolation, so the same file runs under Docker
Compose and dockdjango::

    image: ${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}

and :func:`postgres_image_env` gives the variable to set before loading the file.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import docker

    from dockdjango.engine.build import OnEvent

Log = Callable[[str], None]

#: The image used where a registry serves it.
OFFICIAL_REF = "postgres:16"
#: The image dockdjango builds when the official one cannot be had.
DEBIAN_REF = "dockdjango/postgres:15-bookworm"
#: The variable compose files interpolate to pick the ``db`` image.
ENV_VAR = "DOCKDJANGO_POSTGRES_IMAGE"
#: Label on the Debian-built image: a digest of its build inputs, to spot a stale image.
INPUTS_LABEL = "org.dockdjango.postgres.inputs"


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
        """One line for people.

        For example ``official postgres:16 not reachable → built from Debian, 15.20``.
        """
        if self.source == "local":
            return f"{self.ref} (official, cached), {self.version}"
        if self.source == "pulled":
            return f"{self.ref} (official, pulled), {self.version}"
        verb = "built from Debian" if self.source == "built" else "Debian-built, cached"
        return f"official {OFFICIAL_REF} not reachable → {verb}, {self.version}"


def postgres_image_env(image: PostgresImage | str) -> dict[str, str]:
    """The environment that makes ``${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}`` pick ``image``."""
    return {ENV_VAR: image if isinstance(image, str) else image.ref}


def image_files_dir() -> Traversable:
    """The package data the Debian PostgreSQL image is built from (Dockerfile, entrypoint)."""
    return resources.files("dockdjango").joinpath("images", "postgres")


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    if client is not None:
        return client
    from dockdjango.engine.client import connect

    return connect()


def resolve_postgres_image(
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    log: Log | None = None,
    on_event: OnEvent | None = None,
) -> PostgresImage:
    """Choose the PostgreSQL image for a stack, building the Debian one if it is needed."""
    from dockdjango.api.base import is_offline
    from dockdjango.engine.images import inspect_image, try_pull
    from dockdjango.engine.postgres_image import postgres_server_version

    client = _client(client)
    started = time.monotonic()
    official = inspect_image(client, OFFICIAL_REF)
    if official is not None:
        version = postgres_server_version(client, official)
        return PostgresImage(OFFICIAL_REF, "local", version, seconds=_since(started))
    if is_offline(offline):
        reason = "offline setting (DOCKDJANGO_OFFLINE)"
    else:
        ok, reason = try_pull(client, OFFICIAL_REF)
        pulled = inspect_image(client, OFFICIAL_REF) if ok else None
        if pulled is not None:
            version = postgres_server_version(client, pulled)
            return PostgresImage(OFFICIAL_REF, "pulled", version, seconds=_since(started))
    built = build_postgres_image(client, log=log, on_event=on_event)
    return PostgresImage(
        built.ref, built.source, built.version, reason=reason, seconds=_since(started)
    )


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
) -> dict[str, str]:
    """The environment to load ``files`` with, ``DOCKDJANGO_POSTGRES_IMAGE`` resolved.

    Returns a copy of ``environ`` (default: ``os.environ``). When some file interpolates
    the variable and neither ``environ`` nor the project's ``.env`` sets it, it is set to
    :func:`ensure_postgres_image`'s choice (``on_choice`` hears about it); otherwise no
    engine is contacted, so a user's own pin always wins. ``files`` None means the files
    Compose would use (``COMPOSE_FILE``, else ``compose.yaml`` here or above)::

        env = postgres_environ(["compose.yaml"])
        stack = Stack.load("compose.yaml", environ=env)
    """
    from dockdjango.compose import find_compose_files, read_compose_text
    from dockdjango.compose.dotenv import parse_dotenv

    env = dict(os.environ if environ is None else environ)
    if env.get(ENV_VAR):
        return env
    if not files:
        files = env["COMPOSE_FILE"].split(os.pathsep) if env.get("COMPOSE_FILE") else None
    paths = [Path(f) for f in files] if files else [Path(f) for f in find_compose_files()]
    dotenv = paths[0].resolve().parent / ".env"
    if dotenv.is_file() and parse_dotenv(str(dotenv), env).get(ENV_VAR):
        return env  # pinned in the project's .env, which the loader reads
    # decoded as the loader decodes it (UTF-16, a bad byte: a SpecError naming the line)
    if not any(ENV_VAR in read_compose_text(str(p)) for p in paths if p.is_file()):
        return env
    env[ENV_VAR] = ensure_postgres_image(client, offline=offline, log=log, on_choice=on_choice)
    return env


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
    from dockdjango.api.base import ensure_base_image
    from dockdjango.engine.build import build_image
    from dockdjango.engine.images import inspect_image
    from dockdjango.engine.postgres_image import postgres_server_version
    from dockdjango.images.context import make_context

    client = _client(client)
    started = time.monotonic()
    base = ensure_base_image(client, log=log)
    with ExitStack() as stack:
        files = Path(stack.enter_context(resources.as_file(image_files_dir())))
        context = make_context(files)
    inputs = hashlib.sha256(context + base.id.encode()).hexdigest()[:32]
    existing = None if force else inspect_image(client, ref)
    if existing is not None and _labels(existing).get(INPUTS_LABEL) == inputs:
        version = postgres_server_version(client, existing)
        return PostgresImage(ref, "existing", version, seconds=_since(started))
    if log:
        log(f"building {ref} from {base.ref} and Debian's postgresql package")
    result = build_image(
        client,
        context,
        tag=ref,
        buildargs={"BASE": base.ref},
        labels={INPUTS_LABEL: inputs},
        on_event=on_event,
    )
    data = inspect_image(client, result.image_id) or {"Id": result.image_id}
    version = postgres_server_version(client, data)
    return PostgresImage(ref, "built", version, seconds=_since(started))


def _labels(inspect: dict) -> dict[str, str]:
    return dict((inspect.get("Config") or {}).get("Labels") or {})


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
