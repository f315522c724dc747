"""Where a project is: its compose files, its directory, its interpolation variables.

The one place files are discovered. :func:`locate` turns Compose's project options
(``-f``, ``--project-directory``, ``--env-file``, the environment) into a
`ProjectFiles`; the loader reads that, and nothing after it looks for files again.
Compose's rules, as ``docker compose`` applies them:

- with no ``-f``, ``COMPOSE_FILE`` (from the environment, or the project's ``.env`` or
  ``--env-file``) names the files; else the first of ``compose.yaml``,
  ``compose.yml``, ``docker-compose.yaml``, ``docker-compose.yml`` in the project
  directory (or a parent), plus its ``.override`` file;
- the project directory is ``--project-directory``, else the first file's directory;
- interpolation reads the project directory's ``.env`` (or the ``--env-file`` files
  instead, later ones winning) under the process environment, which always wins; with
  discovered files whose directory is not the current one, both ``.env`` files count
  and the current directory's wins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from dockdjango.compose.loader.dotenv import parse_dotenv
from dockdjango.errors import SpecError

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


@dataclass(frozen=True)
class ProjectFiles:
    """A located project: what the loader reads, found once."""

    #: the compose files, absolute, in merge order; () when there is none
    files: tuple[str, ...]
    #: the project directory, absolute (relative paths in the files start here)
    project_dir: str
    #: interpolation variables: the ``.env`` (or ``--env-file``) values under the process
    #: environment
    env: Mapping[str, str] = field(default_factory=dict)
    #: where discovery looked when no file was named (for the "no compose file" error)
    searched: str = ""

    def with_variables(self, extra: Mapping[str, str]) -> ProjectFiles:
        """The same project with ``extra`` set as if in the process environment."""
        return replace(self, env={**self.env, **extra})

    def require_files(self) -> tuple[str, ...]:
        """The files, or `SpecError` saying where none was found."""
        if not self.files:
            raise SpecError(
                f"no compose file found in {self.searched or self.project_dir} or its parents",
                hint="create compose.yaml, or pass one with -f",
            )
        return self.files


def locate(
    files: Sequence[str | os.PathLike[str]] | None = None,
    *,
    project_directory: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    env_files: Sequence[str | os.PathLike[str]] = (),
    discover: bool = True,
) -> ProjectFiles:
    """Compose's project options resolved: ``files`` (relative ones taken from
    ``project_directory``, else the current directory; none: discovered unless not
    ``discover``), ``environ`` (default ``os.environ``) and ``env_files``
    (``--env-file``, relative to the current directory). `SpecError` for an
    ``--env-file`` that is not there."""
    process = dict(os.environ if environ is None else environ)
    chosen = [os.path.abspath(os.fspath(f)) for f in env_files]
    base = os.path.abspath(project_directory) if project_directory is not None else os.getcwd()
    if files:
        paths = [os.path.abspath(os.path.join(base, os.fspath(f))) for f in files]
    else:
        paths = discover_files(base, process, chosen) if discover else []
    if project_directory is not None or not paths:
        project_dir = base
    else:
        project_dir = os.path.dirname(paths[0])
    env = interpolation_environment(project_dir, process, chosen)
    if not files and base != project_dir and not chosen:
        # discovered in a parent: both .env files count, the current directory's wins
        env = interpolation_environment(project_dir, interpolation_environment(base, process))
    return ProjectFiles(tuple(paths), project_dir, env, searched=base)


def find_compose_files(
    workdir: str | os.PathLike[str] | None = None, *, parents: bool = True
) -> list[str]:
    """The files Compose would use with no ``-f``: the first compose file found in
    ``workdir`` (or, with ``parents``, a parent directory), plus its ``.override`` file if
    present. `SpecError` when there is none."""
    directory = os.path.abspath(workdir or os.getcwd())
    while True:
        for name in COMPOSE_FILE_NAMES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                stem, ext = os.path.splitext(name)
                override = os.path.join(directory, f"{stem}.override{ext}")
                return [path, override] if os.path.isfile(override) else [path]
        parent = os.path.dirname(directory)
        if parent == directory or not parents:
            break
        directory = parent
    raise SpecError(
        f"no compose file found in {os.path.abspath(workdir or os.getcwd())}"
        + (" or its parents" if parents else ""),
        hint="create compose.yaml, or pass one with -f",
    )


def discover_files(
    workdir: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    env_files: Sequence[str] = (),
) -> list[str]:
    """The files Compose loads when none are named: ``COMPOSE_FILE`` (from the environment,
    or ``workdir``'s ``.env`` or the ``env_files``), else :func:`find_compose_files`; []
    when there are none."""
    base = os.path.abspath(workdir) if workdir is not None else os.getcwd()
    compose_file = interpolation_environment(base, environ, env_files).get("COMPOSE_FILE")
    if compose_file:
        return [os.path.abspath(os.path.join(base, f)) for f in compose_file.split(os.pathsep)]
    try:
        return find_compose_files(base)
    except SpecError:
        return []


def interpolation_environment(
    project_dir: str, environ: Mapping[str, str] | None, env_files: Sequence[str] = ()
) -> dict[str, str]:
    """Interpolation variables: ``project_dir``'s ``.env`` (or, as ``--env-file`` asks,
    ``env_files`` instead, later ones winning) under the process environment."""
    process = dict(os.environ if environ is None else environ)
    env: dict[str, str] = {}
    for path in env_files or [os.path.join(project_dir, ".env")]:
        if not os.path.isfile(path):
            if env_files:
                raise SpecError(
                    f"env file {path} not found", hint="fix the --env-file path, or drop it"
                )
            continue
        values = parse_dotenv(path, {**process, **env})
        env.update({k: v for k, v in values.items() if v is not None})
    env.update(process)
    return env
