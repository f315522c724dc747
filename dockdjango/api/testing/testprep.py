"""Preparing a compose stack for a test run: names, labels, ports, services, "still current?".

Pure rewrites of the loaded :class:`~dockdjango.api.stack.stack.Stack`'s configuration, plus the
one look-up that decides whether a kept (``--dockdjango-reuse``) stack can be used as is.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.api.stack.stack import Stack
from dockdjango.compose.loader.pipeline import early_project_name
from dockdjango.compose.naming import default_image_name, normalize_project_name
from dockdjango.engine.up.observe import is_current
from dockdjango.errors import SpecError

if TYPE_CHECKING:
    import docker


def project_name(compose_file: str, profiles: Sequence[str], session_id: str, reuse: bool) -> str:
    """``<dir>-<session tail>`` for one run; ``<dir>-pytest-<path hash>`` when reused."""
    folder = normalize_project_name(Path(compose_file).resolve().parent.name) or "stack"
    if reuse:
        digest = hashlib.sha256(
            f"{Path(compose_file).resolve()}|{' '.join(profiles)}".encode()
        ).hexdigest()
        return f"{folder}-pytest-{digest[:8]}"
    return f"{folder}-{session_id.split('-')[-1]}"


def own_project_name(compose_file: str) -> str:
    """The project name the file has outside tests: ``COMPOSE_PROJECT_NAME`` (normalised),
    ``name:``, the directory, as the loader decides it; a file that cannot be read gets
    its directory's name."""
    environ = dict(os.environ)
    if environ.get("COMPOSE_PROJECT_NAME"):
        environ["COMPOSE_PROJECT_NAME"] = normalize_project_name(environ["COMPOSE_PROJECT_NAME"])
    try:
        return early_project_name([compose_file], environ=environ)
    except SpecError:
        return normalize_project_name(Path(compose_file).resolve().parent.name)


def prepare_for_tests(stack: Stack, labels: Mapping[str, str], image_project: str = "") -> None:
    """Make a loaded stack safe to run next to others: labels, ephemeral ports, no fixed names.

    Every published port moves to an ephemeral 127.0.0.1 port (a dev stack on 8000 and two
    test runs never clash); ``container_name`` is dropped for the same reason. A service
    built from source and not naming its image gets the tag it has outside tests
    (``<image_project>-<service>``), not one per test project: each run would otherwise
    leave an image tag behind.
    """
    project = stack.project
    for name, svc in project.services.items():
        image = default_image_name(image_project, name) if image_project and svc.build else None
        project.services[name] = svc.model_copy(
            update={
                "image": svc.image or image,
                "labels": {**svc.labels, **labels},
                "container_name": None,
                "ports": [
                    port.model_copy(update={"host_ip": "127.0.0.1", "published": None})
                    for port in svc.ports
                ],
            }
        )
    for key, net in project.networks.items():
        if not net.external:
            project.networks[key] = net.model_copy(update={"labels": {**net.labels, **labels}})
    for key, vol in project.volumes.items():
        if not vol.external:
            project.volumes[key] = vol.model_copy(update={"labels": {**vol.labels, **labels}})


def stack_environ(compose_file: str, client: docker.DockerClient) -> dict[str, str]:
    """The environment to load with: ``DOCKDJANGO_POSTGRES_IMAGE`` resolved if the file uses it."""
    from dockdjango.api.stack.postgres import postgres_environ

    return postgres_environ([compose_file], client=client)


def select_services(stack: Stack, wanted: Sequence[str]) -> Stack:
    """Only ``wanted`` services and what they depend on (all when ``wanted`` is empty)."""
    if not wanted:
        return stack
    services = stack.project.services
    missing = [name for name in wanted if name not in services]
    if missing:
        raise SpecError(
            f"dockdjango_services: no service {', '.join(missing)} in the stack",
            hint=f"use some of: {', '.join(sorted(services))} (profiles: dockdjango_profiles)",
        )
    # the others stay known to the stack, so their containers are not taken for orphans
    return stack.select(*wanted)


def matches_running(stack: Stack) -> bool:
    """True when every service runs (healthy, if it has a check) with today's config and image."""
    return is_current(stack.client, stack.project)
