"""A service's ``volumes:`` in Compose's long form, from the short syntax or the long one.

The short syntax is read as Compose reads it: ``SOURCE:TARGET[:OPTIONS]`` or ``TARGET``
(an anonymous volume). A source starting with ``.``, ``/``, ``~``, ``\\\\`` or a drive
letter is a bind mount (its host path created if missing), anything else a named volume.
Options: ``ro``/``rw``, ``nocopy``, ``z``/``Z`` and the propagations; ``cached``,
``delegated`` and ``consistent`` are accepted and, as in Compose, have no effect. An
option Compose would silently ignore (a typo such as ``:r0``) is an error here.
Within one service a later mount on the same target replaces the earlier one, in its
place, as in Compose.
"""

from __future__ import annotations

from typing import Any

from dockdjango.compose.loader.paths import clean_path
from dockdjango.compose.loader.tree import Seq
from dockdjango.compose.schema.numbers import byte_count
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    show,
    want_bool,
    want_list,
    want_map,
    want_str,
)
from dockdjango.compose.schema.spec_keys import keys_of

# What a long-form mount and its options may hold, as Compose's schema says (spec_keys)
MOUNT_KEYS = keys_of("service", "volumes")
MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe", "cluster", "image")
_PROPAGATION = {"shared", "rshared", "slave", "rslave", "private", "rprivate"}
_IGNORED = {"cached", "delegated", "consistent"}  # macOS-era hints Compose drops
_SIZE_HINT = "write a whole number of bytes, or a size such as 64m"
_OPTION_KEYS = {
    kind: keys_of("service", "volumes", kind) for kind in ("bind", "volume", "tmpfs", "image")
}


def canonical_volumes(value: Any, loc: Loc) -> Seq:
    """``volumes:`` of a service as long-form mounts."""
    seq = want_list(value, loc)
    # As Compose: a later mount on the same target replaces an earlier one in its place,
    # twice: by the target as written, then by the target once the short syntax is cleaned
    # (so `/app`, `/app/`, `{type: volume, target: /app}` ends as the `/app/` mount). Two
    # left on one path after that are refused, later (`clean_mount_targets`).
    written: list[tuple[int, dict[str, Any]]] = []
    places: dict[str, int] = {}
    for i, item in enumerate(seq):
        at = loc.child(seq, i)
        entry = parse_volume(item, at) if isinstance(item, str) else _long(item, at)
        _replace_or_add(written, places, _written_target(item, entry, at), (i, entry))
    pairs: list[tuple[int, dict[str, Any]]] = []
    places = {}
    for i, entry in written:
        target = entry.get("target")
        _replace_or_add(pairs, places, target if isinstance(target, str) else None, (i, entry))
    out = Seq((entry for _, entry in pairs), origin=seq.origin)
    out.origins = [seq.where(i) for i, _ in pairs]
    return out


def _replace_or_add(items: list[Any], places: dict[str, int], key: str | None, item: Any) -> None:
    """``item`` in place of the one with the same ``key``, else at the end."""
    if key is not None and key in places:
        items[places[key]] = item
        return
    if key is not None:
        places[key] = len(items)
    items.append(item)


def _written_target(item: Any, entry: dict[str, Any], loc: Loc) -> str | None:
    """A mount's container path as written (before the short syntax is cleaned)."""
    if not isinstance(item, str):
        target = entry.get("target")
        return target if isinstance(target, str) else None
    if len(item) <= 2:
        return item
    parts = _split(item, loc)
    return item if len(parts) == 1 else parts[1]


def _long(item: Any, at: Loc) -> dict[str, Any]:
    mount = want_map(item, at)
    check_keys(mount, MOUNT_KEYS, at, what="a volume mount")
    for required in ("type", "target"):
        if required not in mount and not (required == "target" and "source" in mount):
            raise at.error(
                f"is missing `{required}`",
                hint="write e.g. `{type: bind, source: ./src, target: /app}`",
            )
    kind = want_str(mount["type"], at.child(mount, "type"))
    if kind not in MOUNT_TYPES:
        raise at.child(mount, "type").error(
            f"{show(kind)} is not a mount type", hint=", ".join(MOUNT_TYPES)
        )
    if kind == "bind" and not mount.get("source"):
        raise at.error("a bind mount needs a non-empty `source`", hint="e.g. `source: ./src`")
    entry: dict[str, Any] = {}
    for key, v in mount.items():
        k_at = at.child(mount, key)
        if key == "read_only":
            entry[key] = want_bool(v, k_at)
        elif key in _OPTION_KEYS:
            entry[key] = _mount_options(key, v, k_at)
        elif key.startswith("x-"):
            entry[key] = v
        else:
            entry[key] = want_str(v, k_at)
    return entry


def _mount_options(kind: str, value: Any, loc: Loc) -> dict[str, Any]:
    options = dict(want_map(value, loc))
    check_keys(want_map(value, loc), _OPTION_KEYS[kind], loc, what=f"{kind} options")
    for flag in ("create_host_path", "nocopy"):
        if flag in options:
            options[flag] = want_bool(options[flag], loc.child(value, flag))
    if kind == "tmpfs" and "size" in options:
        size = options["size"]
        if isinstance(size, int) and not isinstance(size, bool) and size < 0:
            raise loc.error("tmpfs size must be at least 0", hint=_SIZE_HINT)
        options["size"] = byte_count(size, loc.child(value, "size"))  # bytes, as Compose
    return options


def _split(spec: str, loc: Loc) -> list[str]:
    """``spec`` cut at its colons, but not inside ``${...}`` nor after a drive letter."""
    parts: list[str] = []
    buffer = ""
    depth = 0
    for i, char in enumerate([*spec, ""]):
        if char == "$" and spec[i + 1 : i + 2] == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == ":" and len(buffer) == 1 and buffer.isalpha():
            pass  # the `C:` of a Windows path
        elif char in (":", "") and not depth:
            if not buffer:
                raise loc.error(
                    f"{show(spec)} — an empty part between colons", hint="write e.g. ./src:/app:ro"
                )
            if len(parts) == 2 and char == ":":
                raise loc.error(f"{show(spec)} — too many colons", hint="SOURCE:TARGET[:OPTIONS]")
            parts.append(buffer)
            buffer = ""
            continue
        buffer += char
    return parts


def _is_path(source: str) -> bool:
    """Whether a short-syntax source is a host path (a bind mount) rather than a volume."""
    drive = len(source) > 1 and source[0].isalpha() and source[1] == ":"
    return source.startswith((".", "/", "~", "\\\\")) or drive


def parse_volume(value: str, loc: Loc) -> dict[str, Any]:
    """A short-syntax mount (``SRC:DST[:OPTS]`` or ``DST``) as a long form."""
    if not value:
        raise loc.error("an empty volume", hint="write e.g. ./src:/app or data:/var/lib/data")
    if len(value) <= 2:  # Compose takes a spec this short as a target, as written
        return {"type": "volume", "target": value}
    parts = _split(value, loc)
    if len(parts) == 1:
        return {"type": "volume", "target": clean_path(value), "volume": {}}
    source, target = parts[0], parts[1]
    read_only = False
    bind: dict[str, Any] = {}
    volume: dict[str, Any] | None = None
    for option in parts[2].split(",") if len(parts) == 3 else []:
        if option in ("ro", "rw"):
            read_only = option == "ro"
        elif option == "nocopy":
            volume = {"nocopy": True}
        elif option in ("z", "Z"):
            bind["selinux"] = option
        elif option in _PROPAGATION:
            bind["propagation"] = option
        elif option not in _IGNORED:
            raise loc.error(
                f"{show(value)} — unknown option {show(option)}",
                hint="options: ro, rw, nocopy, z, Z, or a propagation such as rprivate",
            )
    # Compose cleans a short-syntax target as it reads it (before merging files)
    out: dict[str, Any] = {"source": source, "target": clean_path(target)}
    if read_only:
        out["read_only"] = True
    if _is_path(source):
        out = {"type": "bind", **out, "bind": {**bind, "create_host_path": True}}
        if volume is not None:
            out["volume"] = volume
    else:
        out = {"type": "volume", **out, "volume": volume or {}}
        if bind:
            out["bind"] = bind
    return out
