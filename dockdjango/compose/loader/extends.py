"""The extends stage: a service built on another one, from the same file or another file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dockdjango.compose.loader.merge import merge_service
from dockdjango.compose.loader.tree import Tree
from dockdjango.compose.schema.shapes import Loc, check_keys, show, want_map, want_str

# Loads another compose file (absolute path) through the per-file stages.
LoadTree = Callable[[str], Tree]


def apply_extends(tree: Tree, load_tree: LoadTree) -> Tree:
    """The stage: every ``extends`` in ``tree`` replaced by the merged service."""
    services = tree.get("services")
    if not isinstance(services, Tree):
        return tree
    done: dict[str, Tree] = {}
    for name in list(services):
        services[name] = _resolve(services, str(name), load_tree, done, [])
    return tree


def _resolve(
    services: Tree, name: str, load_tree: LoadTree, done: dict[str, Tree], chain: list[str]
) -> Tree:
    if name in done:
        return done[name]
    svc = services[name]
    loc = Loc(f"services.{name}", services.where(name))
    extends = svc.get("extends") if isinstance(svc, dict) else None
    if extends is None:
        done[name] = svc
        return svc  # type: ignore[no-any-return]
    at = loc.child(svc, "extends")
    if name in chain:
        cycle = " -> ".join([*chain[chain.index(name) :], name])
        raise at.error(f"extends cycle: {cycle}", hint="a service cannot extend itself")
    if isinstance(extends, str):
        base_name, file = extends, None
    else:
        spec = want_map(extends, at)
        check_keys(spec, ("service", "file"), at, what="extends")
        if "service" not in spec:
            raise at.error("is missing `service`", hint="write `extends: {service: base}`")
        base_name = want_str(spec["service"], at.child(spec, "service"))
        file = want_str(spec["file"], at.child(spec, "file")) if spec.get("file") else None
    if file is not None:
        other = load_tree(file).get("services") or {}
        if base_name not in other:
            raise at.error(
                f"service {show(base_name)} not found in {file}",
                hint=f"services there: {', '.join(sorted(other)) or 'none'}",
            )
        base = other[base_name]
    else:
        if base_name not in services:
            raise at.error(
                f"extends unknown service {show(base_name)}",
                hint=f"services in this file: {', '.join(sorted(map(str, services)))}",
            )
        base = _resolve(services, base_name, load_tree, done, [*chain, name])
    own: dict[str, Any] = {k: v for k, v in svc.items() if k != "extends"}
    child = Tree(own, origin=svc.origin)
    child.origins = {k: o for k, o in svc.origins.items() if k != "extends"}
    child.resets, child.overrides = svc.resets, svc.overrides
    merged = merge_service(base, child)
    merged.origin = svc.origin
    done[name] = merged
    return merged
