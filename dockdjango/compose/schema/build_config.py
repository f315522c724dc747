"""Canonical ``build:``: the string form becomes ``{context, dockerfile}``; keys checked."""

from __future__ import annotations

from typing import Any

from dockdjango.compose.loader.tree import Tree
from dockdjango.compose.schema.passthrough import file_references
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    key_values,
    not_null,
    show,
    str_list,
    unique_items,
    want_bool,
    want_list,
    want_map,
    want_scalar_str,
    want_str,
)
from dockdjango.compose.schema.spec_keys import keys_of

BUILD_KEYS = keys_of("service", "build")  # as Compose's schema says (see spec_keys)
BUILD_MODELLED = {"context", "dockerfile", "dockerfile_inline", "args", "target", "labels"}
BUILD_LISTS = ("cache_from", "cache_to", "tags", "platforms", "entitlements")


def canonical_build(value: Any, loc: Loc) -> Tree | None:
    """``build:`` in long form, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return Tree({"context": value, "dockerfile": "Dockerfile"}, origin=loc.origin)
    build = want_map(value, loc)
    check_keys(build, BUILD_KEYS, loc, what="build")
    out = Tree(origin=build.origin)
    out.origins = dict(build.origins)
    for key, item in build.items():
        at = loc.child(build, key)
        if not key.startswith("x-"):
            not_null(item, at)
        if key in ("context", "dockerfile", "target", "network", "dockerfile_inline", "isolation"):
            out[key] = want_str(item, at)
        elif key == "args":
            out[key] = key_values(item, at, empty=None)
        elif key == "labels":
            out[key] = key_values(item, at, empty="")
        elif key in BUILD_LISTS:
            out[key] = str_list(item, at, allow_str=False)
        elif key == "secrets":
            out[key] = file_references(item, at, default_target=None)
        elif key == "ssh" and item is None:
            raise at.error("must list SSH agent sockets or keys", hint="write `ssh: [default]`")
        elif key in ("no_cache", "pull", "privileged"):
            if want_bool(item, at):  # Compose prints these only when true
                out[key] = True
        elif key in ("provenance", "sbom"):
            text = _text_or_bool(item, at)
            if text:  # "" is as if unset, in Compose
                out[key] = text
        elif key == "additional_contexts":
            if isinstance(item, dict):  # Compose fails on anything but text here
                for name, v in item.items():
                    want_str(v, at.child(item, name))
            out[key] = key_values(item, at, empty="")
        elif key == "extra_hosts":
            out[key] = extra_hosts(item, at)
        else:
            out[key] = item
    out.setdefault("context", ".")
    if out.get("dockerfile") == "":
        out["dockerfile"] = None  # Compose prints no dockerfile when it interpolates to ""
    elif "dockerfile_inline" not in out:
        out.setdefault("dockerfile", "Dockerfile")
    return out


def _text_or_bool(value: Any, loc: Loc) -> str:
    """``provenance``/``sbom``: text, or a boolean Compose prints as text (``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return want_str(value, loc)


def extra_hosts(value: Any, loc: Loc) -> list[str]:
    """``extra_hosts`` as ``host=ip`` strings, from the list (``:`` or ``=``) or mapping form."""
    out: list[str] = []
    if isinstance(value, dict):
        for host, ips in value.items():
            for ip in [ips] if not isinstance(ips, list) else ips:
                out.append(f"{host}={want_scalar_str(ip, loc.child(value, host))}")
        return out
    unique_items(want_list(value, loc), loc)
    for i, item in enumerate(want_list(value, loc)):
        text = want_str(item, loc.child(value, i))
        host, sep, ip = text.partition("=")
        if not sep:
            host, sep, ip = text.partition(":")
        if not sep or not host:
            raise loc.child(value, i).error(
                f"{show(text)} — expected HOST=IP or HOST:IP", hint="write e.g. db=10.0.0.5"
            )
        out.append(f"{host}={ip}")
    return out
