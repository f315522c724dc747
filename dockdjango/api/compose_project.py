"""A compose project without an engine: which one a command means, loaded as Compose loads
it, printed, hashed.

`ProjectOptions` is the front door: Compose's project options (``-f``, ``-p``,
``--profile``, ``--env-file``, ``--project-directory``) resolved once -- files found,
``.env`` read, zero-config decided -- and handed down; nothing below it looks for files
again. What ``dockdjango config`` does, for a script: nothing here talks to Docker, so
it is as fast as the loader. ``Stack`` (:mod:`dockdjango.api.stack.stack`) wraps the
same `Project` when it is to run.

```python
options = ProjectOptions.resolve(project_directory="sub", profiles=["debug"])
project = options.load()
```
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dockdjango.compose.loader.locate import ProjectFiles, locate
from dockdjango.compose.loader.pipeline import Resolved, load_project, resolve_located
from dockdjango.compose.naming import normalize_project_name
from dockdjango.errors import DockdjangoError

# The typed models (pydantic) only where a project is typed: ProjectOptions.resolved()
# is what the commands that work from the containers' labels load.
if TYPE_CHECKING:
    from dockdjango.compose.project import Project

__all__ = ["Project", "ProjectOptions", "config_hashes", "load_project", "to_json"]


def __getattr__(name: str) -> Any:
    # ``Project`` is re-exported here, imported when asked for (it builds the models)
    if name == "Project":
        from dockdjango.compose.project import Project

        return Project
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class ProjectOptions:
    """The project a command means, resolved once (compose-go's ``ProjectOptions``)."""

    #: the compose files, project directory and interpolation variables, found once
    located: ProjectFiles
    #: ``-p``: wins over ``COMPOSE_PROJECT_NAME``, ``name:`` and the directory
    project_name: str | None = None
    #: ``--profile`` (none: ``COMPOSE_PROFILES``)
    profiles: tuple[str, ...] = ()
    #: the project is the one dockdjango detects in ``project_dir`` (``--generated``, or
    #: a Django project with no compose file)
    zero_config: bool = False

    @classmethod
    def resolve(
        cls,
        files: Sequence[str | os.PathLike[str]] | None = None,
        *,
        project_name: str | None = None,
        profiles: Sequence[str] = (),
        env_files: Sequence[str | os.PathLike[str]] = (),
        project_directory: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        generated: bool = False,
    ) -> ProjectOptions:
        """Resolve the options as ``docker compose`` does: ``files`` and ``env_files``
        relative to the current directory, the files found (``COMPOSE_FILE``, else
        ``compose.yaml`` ... here or above) when none are named. With ``generated``, or
        no compose file in a Django project, the project is the one dockdjango detects."""
        named = [os.path.abspath(os.fspath(f)) for f in files] if files else None
        located = locate(
            named,
            project_directory=project_directory,
            environ=environ,
            env_files=env_files,
            discover=not generated,
        )
        zero_config = generated or (not located.files and _is_django_project(located))
        if zero_config:
            located = replace(located, files=())
        return cls(located, project_name, tuple(profiles), zero_config)

    @property
    def project_dir(self) -> str:
        """The project directory (absolute)."""
        return self.located.project_dir

    @property
    def variables(self) -> Mapping[str, str]:
        """What ``${VAR}`` reads: the ``.env`` (or ``--env-file``) under the environment."""
        return self.located.env

    @property
    def name(self) -> str:
        """The project name as far as it is known without loading the files: ``-p``,
        ``COMPOSE_PROJECT_NAME``, else the directory's name (``name:`` needs the files)."""
        return (
            self.project_name
            or self.variables.get("COMPOSE_PROJECT_NAME")
            or normalize_project_name(os.path.basename(self.project_dir))
        )

    def with_variables(self, extra: Mapping[str, str]) -> ProjectOptions:
        """The same options with ``extra`` set as if in the environment."""
        return replace(self, located=self.located.with_variables(extra)) if extra else self

    def load(self) -> Project:
        """The `Project` the files describe; `SpecError` naming file and line when one is
        wrong, or where no file was found."""
        return self.resolved().project()

    def resolved(self) -> Resolved:
        """:meth:`load` up to its last stage: every check made, the name and services
        known, no model built (what ``down``, ``ps``, ``stop``, ``logs`` need)."""
        if self.zero_config:
            raise DockdjangoError(
                f"{self.project_dir}: no compose file (dockdjango detects this project)",
                hint="`dockdjango init` writes the compose file it runs; "
                "`dockdjango init --explain` shows what it detects",
            )
        return resolve_located(self.located, project_name=self.project_name, profiles=self.profiles)


def _is_django_project(located: ProjectFiles) -> bool:
    """A manage.py at or below the directory, or a console script that runs Django (which
    detection then refuses, saying why, rather than "no compose file found")."""
    from pathlib import Path

    # only with no compose file
    from dockdjango.detection.entry_points import console_script_site
    from dockdjango.detection.layout import find_manage_py

    root = Path(located.project_dir)
    return find_manage_py(root)[0] is not None or console_script_site(root) is not None


def config_hashes(project: Project, services: list[str] | None = None) -> dict[str, str]:
    """``{service: config hash}``, the ``com.docker.compose.config-hash`` Compose labels
    each service's containers with (every service when ``services`` is None); `SpecError`
    naming the known services for one that is not there."""
    from dockdjango.compose.confighash import service_hash

    names = sorted(project.services) if services is None else services
    return {name: service_hash(project.service(name)) for name in names}


def to_json(project: Project) -> str:
    """The project as ``docker compose config --format json`` prints it (``$`` as ``$$``);
    `DockdjangoError` when it holds ``.inf`` or ``.nan`` (Compose's JSON printer fails too)."""
    from dockdjango.compose.dollars import escape_dollars

    try:
        return json.dumps(escape_dollars(project.to_compose_dict()), indent=2, allow_nan=False)
    except ValueError:
        raise DockdjangoError(
            "the project holds .inf or .nan, which JSON cannot hold",
            hint="print it with --format yaml",
        ) from None
