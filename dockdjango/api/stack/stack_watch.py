"""``Stack.watch``: bring the stack up, then keep it in step with the files being edited.

The rules come from :mod:`dockdjango.api.stack.watchrules`; the watching itself from
:mod:`dockdjango.engine.watch.watch`. A ``rebuild`` builds only the services whose files changed
and recreates only their containers (never their dependencies').
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockdjango.api.stack.running_stack import RunningStack
    from dockdjango.compose.develop_watch import WatchRule
    from dockdjango.engine.progress import OnProgress


def rules(stack: RunningStack, *services: str) -> list[WatchRule]:
    """The watch rules of ``services`` (default: all), own or default (see
    :mod:`dockdjango.api.stack.watchrules`)."""
    from dockdjango.api.stack.watchrules import watch_rules
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.image_store import inspect_image

    project = stack.project.with_selected_services(services) if services else stack.project
    chosen = services or tuple(project.services)
    client_cache: dict[str, Mapping[str, Any]] = {}

    def image_config(ref: str) -> Mapping[str, Any]:
        if ref not in client_cache:
            with engine_errors():
                client_cache[ref] = (inspect_image(stack.client, ref) or {}).get("Config") or {}
        return client_cache[ref]

    return watch_rules(
        # the rules read a service in Compose's JSON shape
        {s: project.services[s].to_compose_dict() for s in chosen},
        image_config=image_config,
        image_refs={s: project.image_ref(s) for s in chosen},
        config_file=project.config_files[0] if project.config_files else None,
    )


def rebuild(stack: RunningStack, services: Sequence[str], on_progress: OnProgress) -> None:
    """Build the images of ``services`` and recreate their containers, nothing else."""
    from dockdjango.api.stack.stack_build import ServiceBuilder
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.up.converge import up

    project = stack.project
    builder = ServiceBuilder(stack.client, project.working_dir, on_progress)
    with engine_errors():
        for name in services:
            build = project.services[name].build
            if build is not None:
                builder(name, build, project.image_ref(name))
        # dependencies are kept as they are; the new image recreates the rebuilt services
        up(
            stack.client,
            project.with_selected_services(list(services)),
            wait=False,
            on_progress=on_progress,
        )


def watch(
    stack: RunningStack,
    *services: str,
    start: bool = True,
    build: bool = False,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Bring ``services`` up (unless not ``start``), then watch until ``stop`` or Ctrl-C."""
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.progress import Event, ignore
    from dockdjango.engine.watch.watch import watch as engine_watch
    from dockdjango.errors import DockdjangoError

    report = on_progress or stack.on_progress or ignore
    if start:
        stack.up(*services, wait=False, build=build, on_progress=report)
    found = rules(stack, *services)
    if not found:
        raise DockdjangoError(
            "nothing to watch: no selected service has a `develop.watch` section, and none is "
            "built from a Django project",
            hint="add develop.watch to a service (see docs/devloop.md)",
        )
    for rule in found:
        report(Event("service", rule.service, "rule", f"{rule.describe()}  [{rule.origin}]"))
    with engine_errors():
        engine_watch(
            stack.client,
            stack.name,
            found,
            rebuild=lambda names: rebuild(stack, names, report),
            on_progress=report,
            stop=stop,
            ready=ready,
        )
