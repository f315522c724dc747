"""The loader: compose files in, a `Project` out, through small named stages.

First the project name (``-p``, ``COMPOSE_PROJECT_NAME``, ``name:``, the directory), since
Compose offers it to interpolation as ``${COMPOSE_PROJECT_NAME}``. Then per file (``-f``
files, ``include`` and ``extends.file`` targets alike, see `LoadContext.file_stages`)::

    parse -> interpolate -> include -> validate+canonicalise -> resolve paths -> extends

then, across the ``-f`` files in order (see `_finish`)::

    merge -> env files -> label files -> implicit dependencies -> profiles -> mount targets
    -> image/build check
    -> default networks -> cross-references -> drop unused resources -> resource names
    -> models

Interpolation runs per file before merging, as in Compose, so an ``extends.file`` or
``include`` path may use variables and each file's errors point into that file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockdjango.compose.loader.extends import apply_extends
from dockdjango.compose.loader.finalize import (
    apply_env_files,
    apply_label_files,
    apply_profiles,
    check_images,
    check_references,
    default_networks,
    drop_unused,
    implicit_dependencies,
    resource_names,
)
from dockdjango.compose.loader.include import apply_include
from dockdjango.compose.loader.interpolation import interpolate
from dockdjango.compose.loader.locate import (
    ProjectFiles,
    interpolation_environment,
    locate,
)
from dockdjango.compose.loader.merge import merge_files
from dockdjango.compose.loader.parse import parse_file
from dockdjango.compose.loader.paths import clean_mount_targets, resolve_paths
from dockdjango.compose.loader.tree import Origin, Seq, Tree, copy_tree, type_name
from dockdjango.compose.naming import is_valid_project_name, normalize_project_name
from dockdjango.compose.schema.toplevel import canonical_file
from dockdjango.errors import SpecError

if TYPE_CHECKING:
    from dockdjango.compose.project import Project


@dataclass
class LoadContext:
    """What every per-file stage needs: the interpolation environment and a file cache."""

    env: dict[str, str]
    project_dir: str
    cache: dict[tuple[str, str], Tree] = field(default_factory=dict)
    parsed: dict[str, Tree] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    loading: list[str] = field(default_factory=list)

    def parse(self, path: str) -> Tree:
        """The parse stage for ``path``, kept until `load_tree` consumes it."""
        if path not in self.parsed:
            self.parsed[path] = parse_file(path)
        return self.parsed[path]

    def load_tree(
        self, path: str, base_dir: str | None = None, env: Mapping[str, str] | None = None
    ) -> Tree:
        """One file through parse..extends; ``base_dir`` anchors its relative paths."""
        base_dir = base_dir or os.path.dirname(path)
        key = (path, base_dir)
        if key in self.cache:
            return copy_tree(self.cache[key])  # each user owns its copy
        if path in self.loading:
            chain = " -> ".join([*self.loading[self.loading.index(path) :], path])
            raise SpecError(
                f"files include or extend each other in a cycle: {chain}",
                hint="remove one of these include/extends entries",
            )
        self.loading.append(path)
        try:
            env = self.env if env is None else env
            tree = self.parsed.pop(path, None) or parse_file(path)
            if "version" in tree:
                origin = tree.where("version")
                where = f"{origin.file}:{origin.line}: " if origin else ""
                self.warnings.append(f"{where}version: obsolete, ignored (as Compose v2 does)")
            tree = self.file_stages(tree, base_dir, env)
        finally:
            self.loading.pop()
        self.cache[key] = copy_tree(tree)
        return tree

    def file_stages(self, tree: Tree, base_dir: str, env: Mapping[str, str]) -> Tree:
        """interpolate -> include -> validate+canonicalise -> resolve paths -> extends."""
        tree = interpolate(tree, env, warnings=self.warnings)
        tree = apply_include(tree, base_dir, self.env, self.load_tree)
        tree = canonical_file(tree)
        tree = resolve_paths(tree, base_dir, env)
        return apply_extends(tree, lambda other: self.load_tree(other))


def load_project(
    files: Sequence[str | os.PathLike[str]] | None = None,
    *,
    project_name: str | None = None,
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    workdir: str | os.PathLike[str] | None = None,
    env_files: Sequence[str | os.PathLike[str]] = (),
) -> Project:
    """Load compose files into a resolved `Project`, as ``docker compose config`` would.

    ``files`` are merged in order (relative ones are taken from ``workdir``, else the
    current directory); with none, the usual compose file and its override are found.
    ``workdir``, if given, is the project directory (``--project-directory``); otherwise
    it is the first file's directory. ``env_files`` replace the project's ``.env``
    (``--env-file``; relative to the current directory). Raises `SpecError` for anything
    invalid. The same as :func:`load_located` on what :func:`locate` finds.
    """
    located = locate(files, project_directory=workdir, environ=environ, env_files=env_files)
    return load_located(located, project_name=project_name, profiles=profiles)


@dataclass
class Resolved:
    """A project through every stage but the last: its name and its services' names are
    known, its typed models (pydantic) not built yet. What a command that works from the
    containers' labels needs (``down``, ``ps``, ``stop``); :meth:`project` finishes it."""

    name: str
    tree: Tree
    working_dir: str
    config_files: list[str]
    #: services a profile left out: part of the project, never run, never orphans
    disabled: dict[str, Any]
    warnings: list[str]

    @property
    def service_names(self) -> list[str]:
        """The services of this run, in file order."""
        return [str(k) for k in self.tree.get("services") or {}]

    @property
    def all_service_names(self) -> set[str]:
        """Every service of the project: those of this run and the disabled ones."""
        return {*self.service_names, *self.disabled}

    def project(self) -> Project:
        """The last stage: the typed `Project`."""
        from dockdjango.compose.loader.projection import to_project

        project = to_project(
            self.tree,
            name=self.name,
            working_dir=self.working_dir,
            config_files=self.config_files,
            disabled=self.disabled,
        )
        project.warnings.extend(self.warnings)
        return project


def load_located(
    located: ProjectFiles, *, project_name: str | None = None, profiles: Sequence[str] = ()
) -> Project:
    """Load a project :func:`locate` found: its files merged in order, interpolated with
    its variables, relative paths taken from its directory."""
    return resolve_located(located, project_name=project_name, profiles=profiles).project()


def resolve_located(
    located: ProjectFiles, *, project_name: str | None = None, profiles: Sequence[str] = ()
) -> Resolved:
    """:func:`load_located` up to its last stage: every check made, no model built."""
    paths = list(located.require_files())
    ctx = LoadContext(env=dict(located.env), project_dir=located.project_dir)
    name = _early_name(ctx, paths, project_name)
    merged: Tree | None = None
    for path in paths:
        tree = ctx.load_tree(path, located.project_dir)
        merged = tree if merged is None else merge_files(merged, tree)
    assert merged is not None
    return _finish(merged, ctx, name, profiles, paths)


def early_project_name(
    files: Sequence[str | os.PathLike[str]],
    *,
    project_name: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The project name :func:`load_project` gives ``files``, read without loading them
    (Compose's precedence: ``-p``, ``COMPOSE_PROJECT_NAME``, ``name:``, the directory)."""
    paths = [os.path.abspath(os.fspath(f)) for f in files]
    project_dir = os.path.dirname(paths[0])
    env = interpolation_environment(project_dir, environ)
    return _early_name(LoadContext(env=env, project_dir=project_dir), paths, project_name)


def _early_name(ctx: LoadContext, paths: list[str], explicit: str | None) -> str:
    """The project name, before interpolation: Compose offers it as ${COMPOSE_PROJECT_NAME}."""
    name_tree = Tree()
    for path in paths:
        tree = ctx.parse(path)
        if "name" in tree:
            value = tree["name"]
            if isinstance(value, str):
                value = interpolate(Tree({"name": value}, origin=tree.origin), ctx.env)["name"]
            name_tree = Tree({"name": value}, origin=tree.origin)
            name_tree.origins["name"] = tree.where("name")  # type: ignore[assignment]
    if "name" in name_tree and not isinstance(name_tree["name"], str | None):
        origin = name_tree.where("name")
        raise SpecError(
            f"must be a string, not {type_name(name_tree['name'])}",
            file=origin.file if origin else None,
            line=origin.line if origin else None,
            path="name",
            hint="quote it",
        )
    name = project_name_for(name_tree, explicit, ctx.env, ctx.project_dir)
    ctx.env["COMPOSE_PROJECT_NAME"] = name
    return name


def load_dict(
    data: Mapping[str, Any],
    *,
    project_name: str | None = None,
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    workdir: str | os.PathLike[str] | None = None,
    located: ProjectFiles | None = None,
) -> Project:
    """A compose document given as a dict, loaded as if it were a file in ``workdir`` (or
    in the directory of ``located``, with its variables: the document stands for the
    files there)."""
    if located is None:
        base = os.path.abspath(workdir or os.getcwd())
        located = ProjectFiles((), base, interpolation_environment(base, environ))
    project_dir = located.project_dir
    ctx = LoadContext(env=dict(located.env), project_dir=project_dir)
    tree = _as_tree(data, Origin("<dict>", 0))
    if not isinstance(tree, Tree):
        raise SpecError("a compose document must be a mapping", hint="pass a dict")
    raw_name = tree.get("name")
    if isinstance(raw_name, str):
        raw_name = interpolate(Tree({"name": raw_name}), ctx.env)["name"]
    name = project_name_for(Tree({"name": raw_name}), project_name, ctx.env, project_dir)
    ctx.env["COMPOSE_PROJECT_NAME"] = name
    tree = ctx.file_stages(tree, project_dir, ctx.env)
    return _finish(tree, ctx, name, profiles, []).project()


def _as_tree(value: Any, origin: Origin) -> Any:
    """Plain data as a `Tree`/`Seq` (new containers, so the caller's dict is not changed)."""
    if isinstance(value, Mapping):
        return Tree({k: _as_tree(v, origin) for k, v in value.items()}, origin=origin)
    if isinstance(value, list | tuple):
        return Seq([_as_tree(v, origin) for v in value], origin=origin)
    return value


def project_name_for(
    tree: Tree, explicit: str | None, env: Mapping[str, str], project_dir: str
) -> str:
    """Compose's precedence: ``-p``, ``COMPOSE_PROJECT_NAME``, ``name:``, the directory."""
    for source, name in (
        ("-p", explicit),
        ("COMPOSE_PROJECT_NAME", env.get("COMPOSE_PROJECT_NAME")),
        ("name", tree.get("name")),
    ):
        if name:
            if not is_valid_project_name(name):
                origin = tree.where("name") if source == "name" else None
                raise SpecError(
                    f"invalid project name {name!r} (from {source})",
                    file=origin.file if origin else None,
                    line=origin.line if origin else None,
                    hint="use only lowercase letters, digits, '-' and '_', starting with a "
                    "letter or digit",
                )
            return name
    name = normalize_project_name(os.path.basename(project_dir))
    if not name:
        raise SpecError(
            f"cannot make a project name from the directory {project_dir!r}",
            hint="pass -p NAME or set `name:` in the compose file",
        )
    return name


def _finish(
    tree: Tree,
    ctx: LoadContext,
    name: str,
    profiles: Sequence[str],
    paths: list[str],
) -> Resolved:
    active = list(profiles)
    if not active and ctx.env.get("COMPOSE_PROFILES"):
        active = ctx.env["COMPOSE_PROFILES"].split(",")  # "a," enables "" too, as in Compose
    tree = implicit_dependencies(tree)
    disabled: dict[str, Any] = {}
    tree = apply_profiles(tree, active, disabled)
    # after profiles: Compose reads the env and label files of enabled services only
    tree = apply_env_files(tree, ctx.env)
    tree = apply_label_files(tree)
    tree = clean_mount_targets(tree)
    tree = check_images(tree)
    tree = default_networks(tree)
    tree = check_references(tree)
    tree = drop_unused(tree)
    tree = resource_names(tree, name)
    # the models (pydantic) only in Resolved.project(): everything before is plain trees
    return Resolved(name, tree, ctx.project_dir, paths, disabled, ctx.warnings)
