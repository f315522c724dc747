"""The include stage: other compose projects pulled into this file, as Compose's ``include``.

Each included file is loaded through the per-file stages with its own directory (or its
``project_directory``) anchoring its relative paths, then its services, networks and
volumes are added. A name defined both here and in an included file is an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from dockdjango.compose.loader.dotenv import parse_dotenv
from dockdjango.compose.loader.merge import merge_files
from dockdjango.compose.loader.tree import Tree
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    show,
    str_list,
    want_list,
    want_map,
    want_str,
)

#: ``load_tree(path, project_dir, env)``: one included file through the per-file stages,
#: its relative paths anchored at ``project_dir`` and interpolated with ``env`` (the
#: loader's, as ``extends`` gets its own loader).
LoadIncluded = Callable[[str, str, Mapping[str, str]], Tree]

_KINDS = ("services", "networks", "volumes", "secrets", "configs")


def apply_include(
    tree: Tree, base_dir: str, environ: Mapping[str, str], load_tree: LoadIncluded
) -> Tree:
    """The stage: resolve ``include:`` entries of ``tree`` into its own resources;
    ``environ`` holds the project's variables, which win over an included ``.env``."""
    if "include" not in tree:
        return tree
    loc = Loc("include", tree.where("include"))
    entries = want_list(tree.pop("include"), loc)
    for i, entry in enumerate(entries):
        at = loc.child(entries, i)
        paths, project_dir, env_files = _entry(entry, at)
        paths = [os.path.normpath(os.path.join(base_dir, p)) for p in paths]
        for path in paths:
            if not os.path.isfile(path):
                raise at.error(f"included file {show(path)} not found", hint="fix the path")
        project_dir = (
            os.path.normpath(os.path.join(base_dir, project_dir))
            if project_dir
            else os.path.dirname(paths[0])
        )
        env = dict(environ)
        env_paths = [os.path.join(base_dir, p) for p in env_files] or [
            p for p in [os.path.join(project_dir, ".env")] if os.path.isfile(p)
        ]
        for env_path in env_paths:
            values = parse_dotenv(env_path, environ)
            # the process environment still wins over an included project's env file
            env.update({k: v for k, v in values.items() if v is not None and k not in environ})
        included: Tree | None = None
        for path in paths:
            sub = load_tree(path, project_dir, env)
            included = sub if included is None else merge_files(included, sub)
        assert included is not None
        _add(tree, included, at)
    return tree


def _entry(entry: Any, at: Loc) -> tuple[list[str], str | None, list[str]]:
    if isinstance(entry, str):
        return [entry], None, []
    spec = want_map(entry, at)
    check_keys(spec, ("path", "project_directory", "env_file"), at, what="include")
    if "path" not in spec:
        raise at.error("is missing `path`", hint="write `- path: ../other/compose.yaml`")
    paths = str_list(spec["path"], at.child(spec, "path"))
    if not paths:
        raise at.child(spec, "path").error(
            "must name at least one compose file", hint="e.g. `path: ../other/compose.yaml`"
        )
    project_dir = spec.get("project_directory")
    if project_dir is not None:
        project_dir = want_str(project_dir, at.child(spec, "project_directory"))
    env_files = str_list(spec["env_file"], at.child(spec, "env_file")) if "env_file" in spec else []
    return paths, project_dir, env_files


def _add(tree: Tree, included: Tree, at: Loc) -> None:
    for kind in _KINDS:
        theirs = included.get(kind) or {}
        if not theirs:
            continue
        ours = tree.get(kind)
        if ours is None:
            ours = Tree(origin=tree.origin)
            tree[kind] = ours
        elif not isinstance(ours, dict):
            continue  # the canonical stage reports the wrong type with its line
        for name, spec in theirs.items():
            if name in ours:
                raise at.error(
                    f"{kind}.{name} is defined both here and in the included file",
                    hint="rename one of them, or use extends instead of include",
                )
            ours[name] = spec
            if isinstance(ours, Tree) and isinstance(theirs, Tree) and name in theirs.origins:
                ours.origins[name] = theirs.origins[name]
