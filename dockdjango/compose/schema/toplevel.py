"""Validate + canonicalise the top level of one file: services, networks, volumes, the rest."""

from __future__ import annotations

from typing import Any

from dockdjango.compose.loader.tree import Tree, copy_tree, type_name
from dockdjango.compose.schema.canonical import canonical_service
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    check_name,
    key_values,
    not_null,
    option_values,
    show,
    str_list,
    want_bool,
    want_list,
    want_map,
    want_str,
)
from dockdjango.compose.schema.spec_keys import keys_of

# What each section may hold, as Compose's schema says (see spec_keys).
TOP_KEYS_ALL = keys_of()
NETWORK_KEYS = keys_of("network")
VOLUME_KEYS = keys_of("volume")
IPAM_CONFIG_KEYS = keys_of("network", "ipam", "config")


def canonical_file(tree: Tree) -> Tree:
    """The stage: check every key of one file and turn short forms into long ones."""
    root = Loc("", tree.origin)
    check_keys(tree, TOP_KEYS_ALL, root, what="the top level")
    out = Tree(origin=tree.origin)
    out.origins = dict(tree.origins)
    out.resets, out.overrides = set(tree.resets), set(tree.overrides)
    for key, value in tree.items():
        at = root.child(tree, key)
        if key in tree.resets:
            out[key] = None
            continue
        if not key.startswith("x-") and key != "version":
            not_null(value, at)
        if key == "version" and not isinstance(value, str):  # Compose's schema: a string
            raise at.error(
                f"must be a string, not {type_name(value)}",
                hint="remove it (Compose ignores `version`), or quote it",
            )
        if key == "name":
            if value is not None and not isinstance(value, str):
                raise at.error(f"must be a string, not {type_name(value)}", hint="quote it")
            out[key] = value
        elif key == "services":
            out[key] = _each(value, at, canonical_service, named=True)
        elif key == "networks":
            out[key] = _each(value, at, _network, extensions=True)
        elif key == "volumes":
            out[key] = _each(value, at, _volume, named=True, extensions=True)
        elif key == "secrets":
            out[key] = _each(value, at, _secret, named=True)
        elif key == "configs":
            out[key] = _each(value, at, _config, named=True)
        elif key == "models":
            out[key] = _each(value, at, _model)
        else:
            out[key] = value
    return out


def _each(
    value: Any, loc: Loc, canonical: Any, *, named: bool = False, extensions: bool = False
) -> Tree:
    """Each entry of a top-level section; ``named`` sections take only names Compose allows,
    and where ``extensions`` (networks, volumes) an ``x-`` entry is not one, as in Compose
    (an ``x-`` service, secret or config is an ordinary one there)."""
    mapping = want_map(value, loc)
    out = Tree(origin=mapping.origin)
    out.origins = dict(mapping.origins)
    out.resets, out.overrides = set(mapping.resets), set(mapping.overrides)
    for name, item in mapping.items():
        if not isinstance(name, str):
            raise loc.child(mapping, name).error(
                f"name {show(name)} must be a string", hint="quote the name"
            )
        if extensions and name.startswith("x-"):
            continue
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
        if key == "labels":
            out[key] = key_values(item, at, empty="")
        elif key == "driver_opts":
            out[key] = option_values(item, at)
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
        elif key == "ipam":
            out[key] = _ipam(item, at)
        elif key.startswith("x-"):
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


def _ipam(value: Any, loc: Loc) -> dict[str, Any]:
    """``ipam:`` checked, and printed as Compose prints it: no ``options`` nor extensions,
    no empty ``driver`` or ``config``."""
    ipam = want_map(value, loc)
    check_keys(ipam, ("driver", "config", "options"), loc, what="ipam")
    out: dict[str, Any] = {}
    if ipam.get("driver"):
        out["driver"] = want_str(ipam["driver"], loc.child(ipam, "driver"))
    if "options" in ipam:
        option_values(ipam["options"], loc.child(ipam, "options"))
    at = loc.child(ipam, "config")
    configs = []
    for i, item in enumerate(want_list(ipam.get("config"), at)):
        entry = want_map(item, at.child(ipam.get("config"), i))
        check_keys(entry, IPAM_CONFIG_KEYS, at.child(ipam["config"], i), what="an ipam config")
        config: dict[str, Any] = {}
        for key, v in entry.items():
            k_at = at.child(ipam["config"], i).child(entry, key)
            if key == "aux_addresses":
                config[key] = option_values(v, k_at)
            elif not key.startswith("x-"):
                config[key] = want_str(v, k_at)
        configs.append(config)
    if configs:
        out["config"] = configs
    return out


def _network(value: Any, loc: Loc) -> Tree:
    return _resource(value, loc, NETWORK_KEYS, "network")


def _volume(value: Any, loc: Loc) -> Tree:
    return _resource(value, loc, VOLUME_KEYS, "volume")


def _secret(value: Any, loc: Loc) -> Any:
    return _file_object(not_null(value, loc), loc, ("file", "environment"))


def _config(value: Any, loc: Loc) -> Any:
    return _file_object(not_null(value, loc), loc, ("file", "environment", "content"))


def _model(value: Any, loc: Loc) -> Any:
    """A model is kept as written; checked as Compose's schema checks it."""
    spec = want_map(not_null(value, loc), loc)
    check_keys(spec, ("name", "model", "context_size", "runtime_flags"), loc, what="model")
    if "model" not in spec:
        raise loc.error(
            "is missing `model`", hint="name the model to run, e.g. `model: ai/smollm2`"
        )
    for key, item in spec.items():
        if not str(key).startswith("x-"):
            not_null(item, loc.child(spec, key))
    for key in ("name", "model"):
        if key in spec:
            want_str(spec[key], loc.child(spec, key))
    size = spec.get("context_size")
    if "context_size" in spec and (isinstance(size, bool) or not isinstance(size, int)):
        raise loc.child(spec, "context_size").error(
            f"must be a whole number of tokens, not {type_name(size)}", hint="write e.g. 4096"
        )
    if "runtime_flags" in spec:
        str_list(spec["runtime_flags"], loc.child(spec, "runtime_flags"), allow_str=False)
    return value


def _file_object(value: Any, loc: Loc, sources: tuple[str, ...]) -> Any:
    """Secrets and configs are kept as written; checked: one source (unless external),
    and the ``external.name`` clash."""
    spec = want_map(value, loc)
    if "external" in spec and not isinstance(spec["external"], dict):
        # as Compose prints it: a boolean (`yes` is true), and left out when false
        is_external = want_bool(spec["external"], loc.child(spec, "external"))
        spec = copy_tree(spec)  # the parsed tree is shared (aliases): never changed in place
        if is_external:
            spec["external"] = True
        else:
            del spec["external"]
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
            raise loc.child(spec, key).error(
                f"must be a string, not {type_name(spec[key])}", hint="quote the value"
            )
    external = spec.get("external")
    if isinstance(external, dict) and "name" in external and "name" in spec:
        if external["name"] != spec["name"]:
            raise loc.child(spec, "external").error(
                "conflicts with `name`", hint="set only `name` and `external: true`"
            )
    return spec
