"""Compose-style project specs: typed models and a loader that reads what Compose v2 reads.

The contract other packages code against (pure: this package imports nothing from
``docker`` and nothing of ours except ``dockdjango.errors``):

- ``load_project(files=None, *, project_name=None, profiles=(), environ=None, workdir=None)``
  returns a `Project`. With no ``files`` it looks for ``compose.yaml``, ``compose.yml``,
  ``docker-compose.yaml`` or ``docker-compose.yml`` in ``workdir`` (default: the current
  directory, then its parents) plus the matching ``*.override.*`` file, as Compose does.
  ``environ`` (default ``os.environ``) and the project's ``.env`` feed interpolation.
  Every failure is a `dockdjango.errors.SpecError` naming file, line and dotted path.
- `Project`: ``name``, ``services: dict[str, Service]``, ``volumes: dict[str, Volume]``,
  ``networks: dict[str, Network]``, ``working_dir`` (absolute project directory),
  ``config_files`` (absolute), ``secrets``/``configs``/``models`` (plain dicts),
  ``warnings`` (what Compose would warn about), ``to_compose_dict()`` (the shape of
  ``docker compose config --format json``, literal ``$``), ``to_yaml()`` (``$`` as ``$$``),
  ``load_dict(data, ...)`` (a dict through the same pipeline), ``Project.service(name)``.
- `Service` and its parts (`BuildConfig`, `ServicePort`, `ServiceVolume`, `DependsOn`,
  `Healthcheck`, `ServiceNetwork`) hold Compose's *long* form, with fields named as the
  compose keys: ``environment`` is a dict (``env_file`` already merged in), ``command`` and
  ``entrypoint`` are lists, ``ports``/``volumes`` are lists of long-form models, bind
  sources and build contexts are absolute paths, ``depends_on`` is a dict. Durations are
  Compose duration strings as Compose prints them (``1m30s``); ``*_seconds`` properties
  give floats. Keys Compose knows but we do not model yet are kept in ``Service.other``
  (shape-checked, several in Compose's long form). ``Service(...)`` also accepts the
  short forms a compose file does (``ports=["8000:8000"]``, ``command="a b"``).
- Named volumes/networks carry their engine ``name`` (``<project>_<key>`` unless set), and
  services with no ``networks``/``network_mode`` are attached to ``default``, as Compose does.
  Profiles are applied: services of inactive profiles are not in ``Project.services`` but
  in ``Project.disabled_services`` (Compose's ``DisabledServices``: not run, not orphans).
- The engine works from these models directly; ``Project.where(path)`` names the file and
  line an entry came from, so errors found after loading still point into the file.

- ``locate(files=None, *, project_directory=None, environ=None, env_files=())`` finds a
  project once (its files, directory and interpolation variables) as a `ProjectFiles`;
  ``load_located(located, project_name=None, profiles=())`` loads it. ``load_project`` is
  the two in one call. Nothing after ``locate`` looks for files again.
  ``resolve_located`` is ``load_located`` up to its last stage: a `Resolved` project
  (name, services, every check made) whose ``project()`` builds the models.
- ``read_compose_text(path)``: a compose file's text decoded as the loader decodes it
  (UTF-8, or UTF-16 with a byte-order mark), or a `SpecError` naming the bad line.

Rooms: the top holds the models and the rules a running project needs (``models`` with
``service_parts``,
``project``, ``naming``, ``graph``, ``dependency_order``, ``confighash``, ``durations``,
``dollars``, ``develop_watch``, ``faststop``); ``compose.loader`` holds the pipeline's
stages (listed in its docstring) and ``compose.schema`` the validate+canonicalise stage.
docs/spec.md has the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockdjango.compose.durations import (
        format_duration,
        normalize_duration,
        parse_duration,
    )
    from dockdjango.compose.loader.locate import (
        ProjectFiles,
        discover_files,
        find_compose_files,
        locate,
    )
    from dockdjango.compose.loader.parse import (
        read_compose_text,
    )
    from dockdjango.compose.loader.pipeline import (
        Resolved,
        load_dict,
        load_located,
        load_project,
        resolve_located,
    )
    from dockdjango.compose.models import (
        BindOptions,
        BuildConfig,
        DependsOn,
        Healthcheck,
        Network,
        Service,
        ServiceNetwork,
        ServicePort,
        ServiceVolume,
        TmpfsOptions,
        Volume,
        VolumeOptions,
    )
    from dockdjango.compose.naming import (
        normalize_project_name,
    )
    from dockdjango.compose.project import (
        Project,
    )

# public name -> module that defines it, imported on first use: a command that needs only
# names, the loader's checks or the depends_on graph (``down``, ``ps``) then imports no
# pydantic and builds no model schemas.
_EXPORTS: dict[str, str] = {
    "format_duration": "dockdjango.compose.durations",
    "normalize_duration": "dockdjango.compose.durations",
    "parse_duration": "dockdjango.compose.durations",
    "ProjectFiles": "dockdjango.compose.loader.locate",
    "discover_files": "dockdjango.compose.loader.locate",
    "find_compose_files": "dockdjango.compose.loader.locate",
    "locate": "dockdjango.compose.loader.locate",
    "read_compose_text": "dockdjango.compose.loader.parse",
    "Resolved": "dockdjango.compose.loader.pipeline",
    "load_dict": "dockdjango.compose.loader.pipeline",
    "load_located": "dockdjango.compose.loader.pipeline",
    "load_project": "dockdjango.compose.loader.pipeline",
    "resolve_located": "dockdjango.compose.loader.pipeline",
    "normalize_project_name": "dockdjango.compose.naming",
    "Project": "dockdjango.compose.project",
    **dict.fromkeys(
        (
            "BindOptions",
            "BuildConfig",
            "DependsOn",
            "Healthcheck",
            "Network",
            "Service",
            "ServiceNetwork",
            "ServicePort",
            "ServiceVolume",
            "TmpfsOptions",
            "Volume",
            "VolumeOptions",
        ),
        "dockdjango.compose.models",
    ),
}

__all__ = [
    "BindOptions",
    "BuildConfig",
    "DependsOn",
    "Healthcheck",
    "Network",
    "Project",
    "ProjectFiles",
    "Resolved",
    "Service",
    "ServiceNetwork",
    "ServicePort",
    "ServiceVolume",
    "TmpfsOptions",
    "Volume",
    "VolumeOptions",
    "discover_files",
    "find_compose_files",
    "format_duration",
    "load_dict",
    "load_located",
    "load_project",
    "locate",
    "normalize_duration",
    "normalize_project_name",
    "parse_duration",
    "read_compose_text",
    "resolve_located",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dockdjango.compose' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
