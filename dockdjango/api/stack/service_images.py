"""The image a backing service runs: the official one where it can be had, else a stand-in.

``postgres:16``, ``redis:7``, ``mariadb:11``, ``memcached``, ``postgis/postgis:16-3.4``:
when the engine has the image, or (online) a registry serves it, it is used as it is.
Otherwise -- or with ``offline=True`` / ``DOCKDJANGO_OFFLINE=1``, under which no registry
is ever contacted -- dockdjango builds the Debian-built stand-in
(:mod:`dockdjango.images.standins`) and says, in one line, what was asked and what is
given::

    postgres:16 not reachable (offline) → dockdjango/postgres:15-bookworm, PostgreSQL 15.20
    (Debian bookworm); 16 is not in Debian (ships 15, 17, 18)

```python
from dockdjango.api.stack.service_images import resolve_service_image

image = resolve_service_image("redis:7")
print(image.ref, image.version, image.summary)
```
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.images.standins import StandIn, stand_in_for

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import docker

    from dockdjango.engine.builds.buildkit import OnEvent

Log = Callable[[str], None]
#: Label on a stand-in image: a digest of its build inputs, to spot a stale image.
INPUTS_LABEL = "org.dockdjango.standin.inputs"


@dataclass(frozen=True)
class ServiceImage:
    """The image chosen for one backing service, and why."""

    #: the image the compose file asked for (``postgres:16``)
    asked: str
    #: the image that runs (the same, or ``dockdjango/postgres:15-bookworm``)
    ref: str
    #: "local" / "pulled" (the official image), "existing" / "built" (the stand-in)
    source: str
    #: the server's version inside (``15.20``; ``?`` when it cannot be read)
    version: str
    reason: str = ""
    seconds: float = 0.0
    stand_in: StandIn | None = None

    @property
    def official(self) -> bool:
        """True when the image asked for is used."""
        return self.source in ("local", "pulled")

    @property
    def summary(self) -> str:
        """One line for people: what was asked, what is given, which version."""
        if self.official or self.stand_in is None:
            how = "cached" if self.source == "local" else "pulled"
            return f"{self.asked} ({how}), {self.version}"
        return self.stand_in.summary(self.version, self.reason)


def files_dir(stand_in: StandIn) -> Traversable:
    """The package data a stand-in is built from (its Dockerfile and entry point); the
    files every stand-in shares come into its build context as ``common/``."""
    return resources.files("dockdjango").joinpath("images", "standin_files", stand_in.files)


def _common_dir() -> Traversable:
    return resources.files("dockdjango").joinpath("images", "standin_files", "common")


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    if client is not None:
        return client
    from dockdjango.engine.client import connect

    return connect()


def resolve_service_image(
    ref: str,
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    log: Log | None = None,
    on_event: OnEvent | None = None,
) -> ServiceImage | None:
    """``ref`` when it can be had, else its stand-in (built if missing); None when ``ref``
    cannot be had and dockdjango has no stand-in for it."""
    from dockdjango.api.images.base_image import is_offline
    from dockdjango.engine.builds.postgres_image import server_version
    from dockdjango.engine.image_store import inspect_image, try_pull

    client = _client(client)
    started = time.monotonic()
    stand_in = stand_in_for(ref)
    env = stand_in.version_env if stand_in else ""
    found = inspect_image(client, ref)
    if found is not None:
        return ServiceImage(
            ref, ref, "local", server_version(client, found, env), seconds=_since(started)
        )
    if is_offline(offline):
        reason = "offline"
    else:
        ok, reason = try_pull(client, ref)
        pulled = inspect_image(client, ref) if ok else None
        if pulled is not None:
            version = server_version(client, pulled, env)
            return ServiceImage(ref, ref, "pulled", version, seconds=_since(started))
        reason = short_reason(reason)
    if stand_in is None:
        return None
    made = build_stand_in(stand_in, client, log=log, on_event=on_event)
    return ServiceImage(ref, made.ref, made.source, made.version, reason, _since(started), stand_in)


def build_stand_in(
    stand_in: StandIn,
    client: docker.DockerClient | None = None,
    *,
    ref: str | None = None,
    force: bool = False,
    log: Log | None = None,
    on_event: OnEvent | None = None,
) -> ServiceImage:
    """Build ``stand_in`` (as ``ref``, default its own tag) unless an up-to-date one is there.

    "Up to date" means built from the same files and the same base image: a digest of
    those is kept in a label, so editing the package data or rebuilding the base makes the
    next call rebuild (mostly from the layer cache).
    """
    from dockdjango.api.images.base_image import ensure_base_image
    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.engine.builds.postgres_image import server_version
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.images.context import make_context
    from dockdjango.images.debootstrap import BaseImageSpec

    client = _client(client)
    started = time.monotonic()
    ref = ref or stand_in.ref
    base = ensure_base_image(client, spec=BaseImageSpec.for_python(stand_in.base_python), log=log)
    with ExitStack() as stack:
        files = Path(stack.enter_context(resources.as_file(files_dir(stand_in))))
        common = Path(stack.enter_context(resources.as_file(_common_dir())))
        shared = {f"common/{p.name}": p.read_bytes() for p in sorted(common.iterdir())}
        context = make_context(files, extra_files=shared)
    args = {"BASE": base.ref, **stand_in.buildargs}
    digest = hashlib.sha256(context + base.id.encode() + repr(sorted(args.items())).encode())
    inputs = digest.hexdigest()[:32]
    existing = None if force else inspect_image(client, ref)
    if existing is not None and _labels(existing).get(INPUTS_LABEL) == inputs:
        version = server_version(client, existing, "")
        return ServiceImage(
            stand_in.asked, ref, "existing", version, seconds=_since(started), stand_in=stand_in
        )
    if log:
        log(f"building {ref} from {base.ref} and Debian's {stand_in.package} package")
    result = build_image(
        client, context, tag=ref, buildargs=args, labels={INPUTS_LABEL: inputs}, on_event=on_event
    )
    data = inspect_image(client, result.image_id) or {"Id": result.image_id}
    version = server_version(client, data, "")
    return ServiceImage(
        stand_in.asked, ref, "built", version, seconds=_since(started), stand_in=stand_in
    )


def stand_ins_for(
    images: Mapping[str, str],
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    log: Log | None = None,
    on_choice: Callable[[str, ServiceImage], None] | None = None,
) -> dict[str, ServiceImage]:
    """For services (name -> image ref) whose image cannot be had: their stand-ins.

    Services whose image is present, pullable or without a stand-in are left out (the
    engine reports those as it always did). ``on_choice(service, image)`` hears each.
    """
    from dockdjango.engine.image_store import inspect_image

    client = _client(client)
    out: dict[str, ServiceImage] = {}
    resolved: dict[str, ServiceImage | None] = {}
    for service, ref in sorted(images.items()):
        if stand_in_for(ref) is None or inspect_image(client, ref) is not None:
            continue
        if ref not in resolved:
            resolved[ref] = resolve_service_image(ref, client, offline=offline, log=log)
        image = resolved[ref]
        if image is not None and not image.official:
            out[service] = image
            if on_choice is not None:
                on_choice(service, image)
    return out


def _labels(inspect: dict) -> dict[str, str]:
    return dict((inspect.get("Config") or {}).get("Labels") or {})


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def planned_service_image(
    ref: str, client: docker.DockerClient | None = None, *, offline: bool | None = None
) -> str | None:
    """The reference :func:`resolve_service_image` would choose for ``ref``, found without
    pulling or building anything: ``ref`` when the engine has it or a registry serves it,
    else its stand-in's when that is there already; None when the choice would have to
    build the stand-in first (or ``ref`` has none)."""
    from dockdjango.api.images.base_image import is_offline
    from dockdjango.engine.image_store import can_pull, inspect_image

    client = _client(client)
    if inspect_image(client, ref) is not None:
        return ref
    if not is_offline(offline) and can_pull(client, ref)[0]:
        return ref
    stand_in = stand_in_for(ref)
    if stand_in is None or inspect_image(client, stand_in.ref) is None:
        return None
    return stand_in.ref


def short_reason(reason: str, mirrors: Sequence[str] = ()) -> str:
    """Why a pull failed, in a few words (``no registry answers`` for network errors; the
    engine's registry mirrors named when it tried them too)."""
    if "no such host" in reason or "dial tcp" in reason or "connection refused" in reason:
        tried = f", nor the engine's mirror {', '.join(mirrors)}" if mirrors else ""
        return f"no registry answers{tried}"
    return reason.split(":")[0][:80]
