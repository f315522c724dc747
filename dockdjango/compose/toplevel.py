"""Validate + canonicalise the top level of one file: services, networks, volumes, the rest."""

from __future__ import annotations

from typing import Any

from dockdjango.compose.canonical import canonical_service
from dockdjango.compose.shapes import (
    Loc,
    check_keys,
    check_name,
    key_values,
    show,
    want_bool,
    want_map,
    want_str,
)
from dockdjango.compose.tree import Tree, type_name

TOP_KEYS = ("version", "name", "services", "networks", "volumes", "secrets", "configs")
TOP_KEYS_ALL = (*TOP_KEYS, "include", "models")
NETWORK_KEYS = (
    "name driver driver_opts external internal attachable enable_ipv4 enable_ipv6 ipam "
    "labels".split()
)
VOLUME_KEYS = ("name", "driver", "driver_opts", "external", "labels")


def canonical_file(tree: Tree) -> Tree:
    """The stage: check every key of one file and turn short forms into long ones."""
    root = Loc("", tree.origin)
    check_keys(tree, TOP_KEYS_ALL, root, what="the top level")
    out = Tree(origin=tree.origin)
    out.origins = dict(tree.origins)
    out.resets, out.overrides = set(tree.resets), set(tree.overrides)
    for key, value in tree.items():
        at = root.child(tree, key)
        if key == "name":
            if value is not None and not isinstance(value, str):
                raise at.error(f"must be a string, not {type_name(value)}")
            out[key] = value
        elif key == "services":
            out[key] = _each(value, at, canonical_service, named=True)
        elif key == "networks":
            out[key] = _each(value, at, _network)
        elif key == "volumes":
            out[key] = _each(value, at, _volume, named=True)
        elif key == "secrets":
            out[key] = _each(value, at, _secret, named=True)
        elif key == "configs":
            out[key] = _each(value, at, _config, named=True)
        elif key == "models":
            out[key] = _each(value, at, lambda v, _loc: v)
        else:
            out[key] = value
    return out


def _each(value: Any, loc: Loc, canonical: Any, *, named: bool = False) -> Tree:
    """Each entry of a top-level section; ``named`` sections take only names Compose allows."""
    mapping = want_map(value, loc)
    out = Tree(origin=mapping.origin)
    out.origins = dict(mapping.origins)
    out.resets, out.overrides = set(mapping.resets), set(mapping.overrides)
    for name, item in mapping.items():
        if not isinstance(name, str):
            raise loc.child(mapping, name).error(f"name {show(name)} must be a string")
        if name.startswith("x-"):
            continue  # an extension among services/networks/volumes: Compose ignores it
        if named:
            check_name(name, loc.child(mapping, name))
        out[name] = canonical(item, loc.child(mapping, name))
    return out


def _resource(value: Any, loc: Loc, keys: list[str] | tuple[str, ...], what: str) -> Tree:
    spec = want_map(value, loc)
    check_keys(spec, keys, loc, what=what)
    out = Tree(origin=spec.origin)
    out.origins = dict(spec.origins)
    for key, item in spec.items():
        at = loc.child(spec, key)
        if key in ("labels", "driver_opts"):
            out[key] = key_values(item, at, empty="")
        elif key in ("name", "driver"):
            out[key] = want_str(item, at)
        elif key == "external":
            if isinstance(item, dict):  # legacy `external: {name: x}`
                ext = want_map(item, at)
                check_keys(ext, ("name",), at, what="external")
                if "name" in ext:
                    if "name" in spec and spec["name"] != ext["name"]:
                        raise at.error(
                            "conflicts with `name`", hint="set only `name` and `external: true`"
                        )
                    out["name"] = want_str(ext["name"], at.child(ext, "name"))
                out[key] = True
            else:
                out[key] = want_bool(item, at)
        elif key.startswith("x-") or key == "ipam":
            out[key] = item
        else:
            out[key] = want_bool(item, at)
    if out.get("external"):
        for key in ("driver", "driver_opts", "labels"):
            if key in out and key in spec:
                raise loc.child(spec, key).error(
                    f"an external {what} cannot set `{key}`",
                    hint=f"Compose only looks up an external {what}; remove `{key}`",
                )
    return out


def _network(value: Any, loc: Loc) -> Tree:
    return _resource(value, loc, NETWORK_KEYS, "network")


def _volume(value: Any, loc: Loc) -> Tree:
    return _resource(value, loc, VOLUME_KEYS, "volume")


def _secret(value: Any, loc: Loc) -> Any:
    return _file_object(value, loc, ("file", "environment"))


def _config(value: Any, loc: Loc) -> Any:
    return _file_object(value, loc, ("file", "environment", "content"))


def _file_object(value: Any, loc: Loc, sources: tuple[str, ...]) -> Any:
    """Secrets and configs are kept as written; checked: one source (unless external),
    and the ``external.name`` clash."""
    spec = want_map(value, loc)
    given = [key for key in sources if key in spec]
    if not spec.get("external") and len(given) != 1:
        which = " or ".join(f"`{key}`" for key in sources)
        raise loc.error(
            f"sets {' and '.join(f'`{k}`' for k in given)}; only one may be set"
            if given
            else f"needs {which}",
            hint=f"give exactly one of {which}, or `external: true`",
        )
    for key in given:
        if not isinstance(spec[key], str):
            raise loc.child(spec, key).error(f"must be a string, not {type_name(spec[key])}")
    external = spec.get("external")
    if isinstance(external, dict) and "name" in external and "name" in spec:
        if external["name"] != spec["name"]:
            raise loc.child(spec, "external").error(
                "conflicts with `name`", hint="set only `name` and `external: true`"
            )
    return spec
