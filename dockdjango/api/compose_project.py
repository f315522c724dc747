"""A compose project without an engine: load it as Compose does, print it, hash it.

What ``dockdjango config`` does, for a script: nothing here talks to Docker, so it is as
fast as the loader. ``Stack`` (:mod:`dockdjango.api.stack.stack`) wraps the same `Project`
when it is to run.
"""

from __future__ import annotations

import json

from dockdjango.compose import Project, load_project
from dockdjango.compose.confighash import service_hash
from dockdjango.compose.dollars import escape_dollars
from dockdjango.errors import DockdjangoError

__all__ = ["Project", "config_hashes", "load_project", "to_json"]


def config_hashes(project: Project, services: list[str] | None = None) -> dict[str, str]:
    """``{service: config hash}``, the ``com.docker.compose.config-hash`` Compose labels
    each service's containers with (every service when ``services`` is None); `SpecError`
    naming the known services for one that is not there."""
    names = sorted(project.services) if services is None else services
    return {name: service_hash(project.service(name)) for name in names}


def to_json(project: Project) -> str:
    """The project as ``docker compose config --format json`` prints it (``$`` as ``$$``);
    `DockdjangoError` when it holds ``.inf`` or ``.nan`` (Compose's JSON printer fails too)."""
    try:
        return json.dumps(escape_dollars(project.to_compose_dict()), indent=2, allow_nan=False)
    except ValueError:
        raise DockdjangoError(
            "the project holds .inf or .nan, which JSON cannot hold",
            hint="print it with --format yaml",
        ) from None
