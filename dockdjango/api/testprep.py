"""Preparing a compose stack for a test run: names, labels, ports, services, "still current?".

Pure rewrites of the loaded :class:`~dockdjango.api.stack.Stack`'s configuration, plus the
one look-up that decides whether a kept (``--dockdjango-reuse``) stack can be used as is.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker

    from dockdjango.api.stack import Stack


def project_name(compose_file: str, profiles: Sequence[str], session_id: str, reuse: bool) -> str:
    """``<dir>-<session tail>`` for one run; ``<dir>-pytest-<path hash>`` when reused."""
    from dockdjango.engine.naming import normalize_project_name

    folder = normalize_project_name(Path(compose_file).resolve().parent.name) or "stack"
    if reuse:
        digest = hashlib.sha256(
            f"{Path(compose_file).resolve()}|{' '.join(profiles)}".encode()
        ).hexdigest()
        return f"{folder}-pytest-{digest[:8]}"
    return f"{folder}-{session_id.split('-')[-1]}"


def own_project_name(compose_file: str) -> str:
    """The project name the file has outside tests: ``COMPOSE_PROJECT_NAME``, ``name:``, dir."""
    from dockdjango.engine.naming import normalize_project_name

    name = os.environ.get("COMPOSE_PROJECT_NAME", "")
    if not name:
        try:
            import yaml

            data = yaml.safe_load(Path(compose_file).read_text(encoding="utf-8"))
            value = data.get("name") if isinstance(data, dict) else None
            name = value if isinstance(value, str) and "$" not in value else ""
        except (OSError, ValueError, yaml.YAMLError):
            name = ""
    return normalize_project_name(name or Path(compose_file).resolve().parent.name)


def prepare_for_tests(stack: Stack, labels: Mapping[str, str], image_project: str = "") -> None:
    """Make a loaded stack safe to run next to others: labels, ephemeral ports, no fixed names.

    Every published port moves to an ephemeral 127.0.0.1 port (a dev stack on 8000 and two
    test runs never clash); ``container_name`` is dropped for the same reason. A service
    built from source and not naming its image gets the tag it has outside tests
    (``<image_project>-<service>``), not one per test project: each run would otherwise
    leave an image tag behind.
    """
    from dockdjango.engine.naming import default_image_name

    cfg = stack.config
    for name, svc in cfg.services.items():
        if image_project and svc.get("build") and not svc.get("image"):
            svc["image"] = default_image_name(image_project, name)
        svc["labels"] = {**dict(svc.get("labels") or {}), **labels}
        svc.pop("container_name", None)
        ports = []
        for port in svc.get("ports") or []:
            port = dict(port)
            port["host_ip"] = "127.0.0.1"
            port.pop("published", None)
            ports.append(port)
        if ports:
            svc["ports"] = ports
    for group in (cfg.networks, cfg.volumes):
        for res in group.values():
            if not res.get("external"):
                res["labels"] = {**dict(res.get("labels") or {}), **labels}


def stack_environ(compose_file: str, client: docker.DockerClient) -> dict[str, str]:
    """The environment to load with: ``DOCKDJANGO_POSTGRES_IMAGE`` resolved if the file uses it."""
    from dockdjango.api.postgres import postgres_environ

    return postgres_environ([compose_file], client=client)


def select_services(stack: Stack, wanted: Sequence[str]) -> None:
    """Keep only ``wanted`` services and what they depend on (all when ``wanted`` is empty)."""
    if not wanted:
        return
    from dockdjango.errors import SpecError

    services = stack.config.services
    missing = [name for name in wanted if name not in services]
    if missing:
        raise SpecError(
            f"dockdjango_services: no service {', '.join(missing)} in the stack",
            hint=f"use some of: {', '.join(sorted(services))} (profiles: dockdjango_profiles)",
        )
    # the others stay known to the stack, so their containers are not taken for orphans
    stack.config = stack.config.select(wanted)


def matches_running(stack: Stack) -> bool:
    """True when every service runs (healthy, if it has a check) with today's config and image."""
    from dockdjango.engine import labels as L
    from dockdjango.engine.confighash import service_hash
    from dockdjango.engine.observe import observe

    cfg = stack.config
    state = observe(stack.client, cfg.name)
    if set(state.containers) != set(cfg.services):
        return False
    for name, svc in cfg.services.items():
        running = state.containers[name]
        if len(running) != cfg.scale(name):
            return False
        try:
            image_id = str(stack.client.api.inspect_image(cfg.image_ref(name))["Id"])
        except Exception:  # image gone: not current
            return False
        for c in running:
            labels = c.get("Labels") or {}
            status = str(c.get("Status", ""))
            if c.get("State") != "running" or "unhealthy" in status or "health: starting" in status:
                return False
            if labels.get(L.CONFIG_HASH) != service_hash(svc) or labels.get(L.IMAGE) != image_id:
                return False
    return True
