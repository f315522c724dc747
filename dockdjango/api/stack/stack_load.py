"""Where a `Stack` comes from: compose files loaded as Compose loads them, a resolved
:class:`~dockdjango.api.compose_project.ProjectOptions`, or only a project name the
engine knows -- the constructors of :class:`~dockdjango.api.stack.stack.Stack`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from dockdjango.api.compose_project import ProjectOptions
from dockdjango.compose.loader.pipeline import Resolved

if TYPE_CHECKING:
    import docker

    from dockdjango.compose import Project
    from dockdjango.engine.progress import OnProgress

__all__ = ["StackLoaders", "compose_files"]


class StackLoaders:
    """``Stack.load``, ``Stack.find``, ``Stack.from_options`` and ``Stack.existing``, and
    the project they give: typed (the pydantic models, what ``up`` needs) or, with
    ``typed=False``, resolved -- every check made, the name and services known -- and
    typed on first use: what works from the containers' labels (``down``, ``ps``,
    ``stop``, ``logs``, ``port``) never builds the models."""

    file_less: bool
    _project: Project | None
    _resolved: Resolved | None
    _name: str

    if TYPE_CHECKING:

        def __init__(
            self,
            project: Project | Resolved | Mapping[str, Any] | None = None,
            *,
            name: str | None = None,
            client: docker.DockerClient | None = None,
            on_progress: OnProgress | None = None,
        ) -> None: ...

    @property
    def project(self) -> Project:
        """The typed project (for a stack loaded with ``typed=False``, made on first use)."""
        if self._project is None:
            if self._resolved is not None:
                self._project = self._resolved.project()
            else:
                from dockdjango.compose import Project

                self._project = Project(name=self._name)
        return self._project

    @project.setter
    def project(self, project: Project) -> None:
        self._project, self._resolved, self._name = project, None, project.name

    def service_names(self, *, every: bool = False) -> list[str]:
        """The services of this run (``every``: the disabled ones too, sorted), from the
        typed project when there is one, else the resolved one: no model is built."""
        if self._project is not None:
            names, known = self._project.service_names, self._project.all_service_names
        elif self._resolved is not None:
            names, known = self._resolved.service_names, self._resolved.all_service_names
        else:
            return []
        return sorted(known) if every else list(names)

    @classmethod
    def load(
        cls,
        files: str | Path | Sequence[str | Path] | None = None,
        *,
        project_name: str | None = None,
        profiles: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
        workdir: str | Path | None = None,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
        env_files: Sequence[str | Path] = (),
        project_directory: str | Path | None = None,
        typed: bool = True,
    ) -> Self:
        """Load compose file(s) the way Compose does and wrap the project.

        With no ``files``, finds ``compose.yaml`` (or ``docker-compose.yml`` ...) and its
        override file in the current directory or a parent, as Compose does
        (``COMPOSE_FILE`` wins). ``project_directory`` (or ``workdir``) is Compose's
        ``--project-directory``, by default the first file's directory; ``env_files``
        replace the project's ``.env`` (``--env-file``). With ``typed`` False the models
        are built when first needed (every check is made here all the same).
        """
        from dockdjango.compose.loader.locate import locate
        from dockdjango.compose.loader.pipeline import resolve_located

        if isinstance(files, str | Path):
            files = [files]
        located = locate(
            [str(f) for f in files] if files else None,
            project_directory=project_directory if project_directory is not None else workdir,
            environ=environ,
            env_files=[str(f) for f in env_files],
        )
        resolved = resolve_located(located, project_name=project_name, profiles=tuple(profiles))
        project = resolved.project() if typed else resolved
        return cls(project, client=client, on_progress=on_progress)

    @classmethod
    def existing(
        cls,
        name: str,
        *,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
    ) -> Self:
        """A stack known only by its project name, found by labels (``down -p NAME`` with
        no compose file, as Compose allows): everything but ``up`` works."""
        stack = cls(name=name, client=client, on_progress=on_progress)
        stack.file_less = True
        return stack

    @classmethod
    def find(
        cls,
        files: Sequence[str | Path] | None = None,
        *,
        project_name: str | None = None,
        profiles: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
        env_files: Sequence[str | Path] = (),
        project_directory: str | Path | None = None,
        need_file: bool = False,
        typed: bool = True,
    ) -> Self:
        """The stack a command line names, as Compose resolves it (``files`` and
        ``env_files`` relative to the current directory): the given files, else the ones
        Compose finds; with only ``project_name`` and no compose file around, the project
        the engine has under that name (unless ``need_file``, as for ``up``). ``typed``
        as for :meth:`load`."""
        options = ProjectOptions.resolve(
            files,
            project_name=project_name,
            profiles=profiles,
            env_files=env_files,
            project_directory=project_directory,
            environ=environ,
        )
        return cls.from_options(options, need_file=need_file, typed=typed)

    @classmethod
    def from_options(
        cls,
        options: ProjectOptions,
        *,
        need_file: bool = False,
        client: docker.DockerClient | None = None,
        on_progress: OnProgress | None = None,
        typed: bool = True,
    ) -> Self:
        """The stack of a resolved project: its files loaded; with no file but a project
        name (``down -p NAME``), the project the engine has under that name, unless
        ``need_file``. A zero-config project is :func:`~dockdjango.api.stack.zeroconfig.
        detected_stack`'s."""
        if not need_file and options.project_name and not options.located.files:
            return cls.existing(options.project_name, client=client, on_progress=on_progress)
        project = options.load() if typed else options.resolved()
        return cls(project, client=client, on_progress=on_progress)


def compose_files(
    project_directory: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    """The compose files Compose would load here with no ``-f`` (``COMPOSE_FILE``, else
    ``compose.yaml`` ... in the directory or a parent, with its override); [] if none."""
    from dockdjango.compose.loader.locate import discover_files

    return discover_files(project_directory, environ)
