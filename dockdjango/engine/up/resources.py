"""Networks, volumes and images a stack needs, created or found before its containers."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import docker
from docker.errors import APIError, NotFound

from dockdjango.compose.confighash import network_hash, volume_hash
from dockdjango.compose.models import BuildConfig
from dockdjango.compose.project import Project
from dockdjango.engine import labels as L
from dockdjango.engine.image_store import can_pull, inspect_image, try_pull
from dockdjango.engine.progress import Event, OnProgress
from dockdjango.errors import EngineError, ServiceError


def used_networks(project: Project) -> list[str]:
    """Keys of the networks some service joins, sorted."""
    keys = {k for s in project.services.values() for k in s.networks}
    return sorted(k for k in keys if k in project.networks)


def used_volumes(project: Project) -> list[str]:
    """Keys of the named volumes some service mounts, sorted."""
    keys = {
        v.source
        for s in project.services.values()
        for v in s.volumes
        if v.type == "volume" and v.source
    }
    return sorted(k for k in keys if k in project.volumes)


def ensure_networks(
    client: docker.DockerClient, project: Project, on_progress: OnProgress, *, dry_run: bool = False
) -> dict[str, str]:
    """Create missing networks; return file key -> engine network id. With ``dry_run`` a
    missing network is reported (``would create``) and its id is "" (not known yet)."""
    ids: dict[str, str] = {}
    for key in used_networks(project):
        net = project.networks[key]
        name = str(net.name)
        found = client.api.networks(names=[name])
        found = [n for n in found if n.get("Name") == name]
        if found:
            ids[key] = str(found[0]["Id"])
            continue
        if net.external:
            raise EngineError(
                f"{project.where(f'networks.{key}')}: network {name} is declared external but "
                "does not exist",
                hint=f"create it (docker network create {name}) or drop `external: true`",
            )
        if dry_run:
            ids[key] = ""
            on_progress(Event("network", name, "would create"))
            continue
        ipam = net.ipam
        pools = [
            {
                k2: v
                for k2, v in {
                    "Subnet": p.get("subnet"),
                    "Gateway": p.get("gateway"),
                    "IPRange": p.get("ip_range"),
                    "AuxiliaryAddresses": p.get("aux_addresses"),
                }.items()
                if v
            }
            for p in ipam.get("config") or []
        ]
        try:
            made = client.api.create_network(
                name,
                driver=net.driver or None,
                options=net.driver_opts or None,
                ipam={"Driver": ipam.get("driver") or "default", "Config": pools} if ipam else None,
                internal=bool(net.internal),
                attachable=bool(net.attachable),
                enable_ipv6=bool(net.enable_ipv6),
                labels=L.network_labels(project.name, key, network_hash(net), net.labels),
                check_duplicate=True,
            )
        except APIError as exc:
            raise EngineError(
                f"could not create network {name}: {exc.explanation or exc}"
            ) from None
        ids[key] = str(made["Id"])
        on_progress(Event("network", name, "created"))
    return ids


def ensure_volumes(
    client: docker.DockerClient, project: Project, on_progress: OnProgress, *, dry_run: bool = False
) -> dict[str, str]:
    """Create missing named volumes; return file key -> engine volume name. With
    ``dry_run`` a missing volume is only reported (``would create``)."""
    names: dict[str, str] = {}
    for key in used_volumes(project):
        vol = project.volumes[key]
        name = str(vol.name)
        names[key] = name
        try:
            client.api.inspect_volume(name)
            continue
        except NotFound:
            pass
        if vol.external:
            raise EngineError(
                f"{project.where(f'volumes.{key}')}: volume {name} is declared external but "
                "does not exist",
                hint=f"create it (docker volume create {name}) or drop `external: true`",
            )
        if dry_run:
            on_progress(Event("volume", name, "would create"))
            continue
        try:
            client.api.create_volume(
                name,
                driver=vol.driver or "local",
                driver_opts=vol.driver_opts or None,
                labels=L.volume_labels(project.name, key, volume_hash(vol), vol.labels),
            )
        except APIError as exc:
            raise EngineError(f"could not create volume {name}: {exc.explanation or exc}") from None
        on_progress(Event("volume", name, "created"))
    return names


@dataclass(frozen=True)
class Stale:
    """An existing image older than what it is built from: rebuild it (an image dockdjango
    generates), or only say so (a compose file's own ``build:``, as Compose leaves it)."""

    rebuild: bool
    #: one line: what changed since it was built (and what to do, when not rebuilt)
    reason: str


class Builder(Protocol):
    """Builds services' images; the api layer supplies it (``dockdjango.api.stack.stack_build``),
    so the engine needs no knowledge of generated Dockerfiles, wheel caches or build inputs."""

    def __call__(self, service: str, build: BuildConfig, tag: str) -> str:
        """Build ``tag`` for ``service`` from its ``build`` section; return the image id."""
        ...

    def stale(
        self, service: str, build: BuildConfig, tag: str, image: Mapping[str, Any]
    ) -> Stale | None:
        """Whether the existing ``image`` (inspect data) of ``tag`` is older than its inputs."""
        ...


#: Gives a stand-in for a service's missing image: (service, ref, why the official image
#: cannot be had -- None before any pull was tried --, on_progress) -> (image id, the
#: reference to run, one line saying what was asked and what is given), or None. The api
#: layer supplies it (``dockdjango.api.stack.service_images``); before a pull it answers only when
#: offline, so no registry is contacted then.
StandInProvider = Callable[[str, str, "str | None", OnProgress], "tuple[str, str, str] | None"]


def resolve_image(
    client: docker.DockerClient,
    project: Project,
    service: str,
    *,
    build: bool,
    on_progress: OnProgress,
    builder: Builder | None = None,
    stand_in: StandInProvider | None = None,
    run_refs: dict[str, str] | None = None,
    dry_run: bool = False,
) -> str:
    """The id of the image ``service`` runs: found locally, built, pulled or stood in for.

    Builds when asked to (``build``) or when the image is missing and the service has
    ``build:``; otherwise pulls, and when that fails asks ``stand_in`` (whose image
    reference goes into ``run_refs[service]``). Raises :class:`ServiceError` naming the
    service and image. With ``dry_run`` nothing is built or pulled: a build or a pull is
    reported (``would build``, ``would pull`` -- whether a registry serves the image is
    asked, not the image itself), and the id of an image not there yet is "".
    """
    svc = project.services[service]
    ref = project.image_ref(service)
    policy = svc.pull_policy or "missing"
    build = build or (policy == "build" and svc.build is not None)
    found = None if (build and svc.build) else inspect_image(client, ref)
    if found is not None and svc.build is not None and builder is not None:
        found = _unless_stale(service, svc.build, ref, found, builder, on_progress)
    if policy == "always" and not svc.build:
        pulled, reason = _pull(client, ref, on_progress, dry_run)
        if pulled:
            found = {"Id": ""} if dry_run else inspect_image(client, ref)
        elif found is not None:
            on_progress(
                Event("image", ref, "warning", f"pull failed, using the local image: {reason}")
            )
    if found is None and policy == "never" and not svc.build:
        raise ServiceError(
            service,
            f"service {service}: image {ref} is not available locally (pull_policy: never)",
            hint=f"load or build the image, or change services.{service}.pull_policy",
        )
    if found is None and svc.build:
        return _build(service, svc.build, ref, builder, on_progress, dry_run)
    if found is None and stand_in is not None:
        substitute = stand_in(service, ref, None, on_progress)
        if substitute is not None:
            return _stood_in(service, ref, substitute, on_progress, run_refs)
    if found is None:
        return _pulled_or_stood_in(client, service, ref, on_progress, stand_in, run_refs, dry_run)
    return str(found["Id"])


def _unless_stale(
    service: str,
    build: BuildConfig,
    ref: str,
    found: dict[str, Any],
    builder: Builder,
    on_progress: OnProgress,
) -> dict[str, Any] | None:
    """``found``, or None when it is stale and must be rebuilt; a stale image that is
    kept (a compose file's own build) is warned about."""
    stale = builder.stale(service, build, ref, found)
    if stale is None:
        return found
    on_progress(Event("image", ref, "stale" if stale.rebuild else "warning", stale.reason))
    return None if stale.rebuild else found


def _build(
    service: str,
    build: BuildConfig,
    ref: str,
    builder: Builder | None,
    on_progress: OnProgress,
    dry_run: bool,
) -> str:
    """Build the missing image with ``builder`` (said as it goes); "" for a dry run."""
    if dry_run:
        on_progress(Event("image", ref, "would build"))
        return ""
    if builder is None:
        raise ServiceError(
            service,
            f"service {service}: image {ref} does not exist and no builder was given",
            hint="build it first, or run through dockdjango.Stack / `dockdjango up --build`",
        )
    on_progress(Event("image", ref, "building"))
    began = time.monotonic()
    image_id = builder(service, build, ref)
    on_progress(Event("image", ref, "built", seconds=time.monotonic() - began))
    return image_id


def _pulled_or_stood_in(
    client: docker.DockerClient,
    service: str,
    ref: str,
    on_progress: OnProgress,
    stand_in: StandInProvider | None,
    run_refs: dict[str, str] | None,
    dry_run: bool,
) -> str:
    """Pull the missing image; when that fails, its stand-in; else `ServiceError`."""
    pulled, reason = _pull(client, ref, on_progress, dry_run)
    found = ({"Id": ""} if dry_run else inspect_image(client, ref)) if pulled else None
    if found is not None:
        return str(found["Id"])
    substitute = None
    if stand_in is not None:
        substitute = stand_in(service, ref, reason or "not found", on_progress)
    if substitute is not None:
        return _stood_in(service, ref, substitute, on_progress, run_refs)
    raise ServiceError(
        service,
        f"service {service}: image {ref} is not available locally and could not be "
        f"pulled ({reason or 'not found'})",
        hint=f"build or load the image, or fix services.{service}.image",
    )


def _pull(
    client: docker.DockerClient, ref: str, on_progress: OnProgress, dry_run: bool
) -> tuple[bool, str]:
    """Pull ``ref`` (with ``dry_run``: only ask whether a registry serves it); said when
    it worked (would work), else (False, why not)."""
    pulled, reason = can_pull(client, ref) if dry_run else try_pull(client, ref)
    if pulled:
        on_progress(Event("image", ref, "would pull" if dry_run else "pulled"))
    return pulled, reason


def _stood_in(
    service: str,
    ref: str,
    substitute: tuple[str, str, str],
    on_progress: OnProgress,
    run_refs: dict[str, str] | None,
) -> str:
    image_id, run_ref, line = substitute
    on_progress(Event("image", ref, "stand-in", line))
    if run_refs is not None:
        run_refs[service] = run_ref
    return image_id
