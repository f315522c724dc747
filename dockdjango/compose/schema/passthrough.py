"""Service keys Compose knows that dockdjango keeps as written: shape checks only.

They are not modelled yet (they land in ``Service.other``), but a wrong type still gets a
located error, and the fields later stages read (``links``, ``volumes_from``) are strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dockdjango.compose.loader.scalars import go_text
from dockdjango.compose.loader.tree import type_name
from dockdjango.compose.schema.deploy_keys import canonical_deploy, check_deploy
from dockdjango.compose.schema.nested import SHAPES, conform
from dockdjango.compose.schema.numbers import BYTE_KEYS, WHOLE_KEYS, typed_number
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    key_values,
    not_null,
    show,
    split_command,
    str_list,
    unique_items,
    want_bool,
    want_list,
    want_map,
    want_str,
    want_yaml_bool,
)
from dockdjango.compose.schema.spec_keys import keys_of

_PASSTHROUGH_SHAPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(
        "cgroup cgroup_parent cpuset domainname ipc isolation mac_address pid runtime "
        "userns_mode uts pull_refresh_after".split(),
        (str,),
    ),
    **dict.fromkeys(
        "cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares "
        "cpus mem_swappiness oom_score_adj pids_limit scale mem_limit mem_reservation "
        "memswap_limit shm_size".split(),
        (int, float, str),
    ),
    **dict.fromkeys(
        "blkio_config deploy develop logging storage_opt ulimits credential_spec provider".split(),
        (dict,),
    ),
    **dict.fromkeys(
        "cap_add cap_drop device_cgroup_rules dns_opt external_links group_add links "
        "security_opt volumes_from devices post_start pre_stop".split(),
        (list,),
    ),
    **dict.fromkeys("annotations sysctls models configs secrets".split(), (list, dict)),
    **dict.fromkeys("dns dns_search tmpfs label_file gpus".split(), (list, str)),
}
_TYPED_NUMBERS = {*WHOLE_KEYS, *BYTE_KEYS, "cpus", "cpu_percent"}
# Booleans, as Compose reads them (``yes`` is true); `use_api_socket` takes no text at all.
_BOOLEANS = {"attach": want_bool, "oom_kill_disable": want_bool, "use_api_socket": want_yaml_bool}
# Items that later stages read (implicit dependencies) must be strings.
_STRING_ITEMS = {"links", "volumes_from", "external_links", "cap_add", "cap_drop", "dns"}


def check_passthrough(key: str, value: Any, loc: Loc) -> Any:
    """Keys kept as written are still shape-checked, and the usual slips get a message."""
    if key in _TYPED_NUMBERS:
        return typed_number(key, value, loc)
    if key in _BOOLEANS:
        return _BOOLEANS[key](value, loc)
    shapes = _PASSTHROUGH_SHAPES.get(key)
    if value is None or shapes is None:
        return value
    if isinstance(value, bool) and bool not in shapes:
        raise loc.error(f"must not be a boolean, not {show(value)}", hint="quote it")
    if not isinstance(value, shapes):
        names = " or ".join(
            {
                str: "a string",
                int: "a number",
                float: "a number",
                bool: "a boolean",
                dict: "a mapping",
                list: "a list",
            }[t]
            for t in shapes
        )
        raise loc.error(
            f"must be {names}, not {type_name(value)}",
            hint="see the key in the Compose file reference",
        )
    if key in _STRING_ITEMS and isinstance(value, list):
        str_list(value, loc, allow_str=False)
    if key == "develop" and "watch" in value:
        not_null(value["watch"], loc.child(value, "watch"))  # Compose: it must be a list
    if key in SHAPES:
        value = conform(value, SHAPES[key], loc)
    if key == "deploy":
        check_deploy(value, loc)
    if key == "provider" and "type" not in value:
        raise loc.error("is missing `type`", hint="write `provider: {type: <name>}`")
    if key == "provider":
        want_str(value["type"], loc.child(value, "type"))
    if key == "develop":
        watch = value.get("watch") or []
        for i, rule in enumerate(want_list(watch, loc.child(value, "watch"))):
            at = loc.child(value, "watch").child(watch, i)
            for required in ("action", "path"):
                if required not in want_map(rule, at):
                    raise at.error(
                        f"is missing `{required}`",
                        hint="write e.g. `{action: sync, path: ./src, target: /app}`",
                    )
            if rule["path"] == "":  # Compose: "value can't be blank"
                raise at.child(rule, "path").error(
                    "is empty", hint="name the host path to watch, e.g. `path: ./src`"
                )
    return canonical_passthrough(key, value, loc)


#: What Compose's schema allows in a long-form ``secrets``/``configs`` entry (and ``x-``).
_FILE_REF_KEYS = keys_of("service_config_or_secret")


def file_references(value: Any, loc: Loc, *, default_target: str | None) -> list[dict[str, Any]]:
    """``secrets``/``configs`` references in long form, as Compose prints them.

    A bare name becomes ``{source}``; with no ``target`` a service secret gets
    ``<default_target>/<name>``; ``uid``/``gid`` print as strings and an octal ``mode`` as
    ``"0440"``.
    """
    out = []
    for i, item in enumerate(want_list(value, loc)):
        at = loc.child(value, i)
        if isinstance(item, str):
            entry: dict[str, Any] = {"source": item}
            if default_target:
                entry["target"] = f"{default_target}/{item}"
            out.append(entry)
            continue
        mapping = want_map(item, at)
        check_keys(mapping, _FILE_REF_KEYS, at, what="a secret or config reference")
        entry = dict(mapping)
        if "source" not in entry:
            raise at.error("is missing `source`", hint="name the secret or config: `source: name`")
        want_str(entry["source"], at.child(item, "source"))
        if default_target and entry.get("target") is None:
            entry["target"] = f"{default_target}/{entry['source']}"
        for key in ("uid", "gid"):
            if isinstance(entry.get(key), int) and not isinstance(entry[key], bool):
                entry[key] = str(entry[key])
        mode = entry.get("mode")
        if isinstance(mode, int) and not isinstance(mode, bool):
            entry["mode"] = "0" + format(mode, "o")
        elif isinstance(mode, str) and mode.startswith("0o"):  # YAML 1.2 octal
            entry["mode"] = "0" + mode[2:]
        out.append(entry)
    return out


# Lists where Compose drops repeated entries, and lists where its schema refuses them.
_DEDUPED = frozenset({"cap_add", "cap_drop", "dns", "dns_opt", "dns_search", "links", "tmpfs"})
_UNIQUE = frozenset(
    {"security_opt", "group_add", "volumes_from", "external_links", "device_cgroup_rules"}
)


def canonical_passthrough(key: str, value: Any, loc: Loc) -> Any:
    """The few pass-through keys whose long form is cheap to produce exactly as Compose does."""
    value = _long_form(key, value, loc)
    if key in _DEDUPED and isinstance(value, list):
        return list(dict.fromkeys(value))  # strings (checked above); the first one stays
    if key in _UNIQUE and isinstance(value, list):
        unique_items(value, loc)
    return value


_BLKIO_DEVICES = frozenset(
    "weight_device device_read_bps device_read_iops device_write_bps device_write_iops".split()
)
_BLKIO_ZERO = {"weight_device": {"weight": 0}}


def _by_key(items: list[Any], key: Any) -> list[Any]:
    """``items`` where a later item with the same key replaces an earlier one, in its place."""
    out: dict[Any, Any] = {}
    for item in items:
        out[key(item)] = item
    return list(out.values())


def _long_form(key: str, value: Any, loc: Loc) -> Any:
    """``value`` of service key ``key`` in the long form Compose prints."""
    if value is None:
        return value
    if key in ("dns", "dns_search", "dns_opt", "tmpfs") and isinstance(value, str):
        return [] if key == "dns" and not value else [value]  # Compose's dns: "" is none
    if key == "models" and isinstance(value, list):
        return {str(name): None for name in str_list(value, loc, allow_str=False)}
    if key == "gpus" and value == "all":
        return [{"count": -1}]
    convert = _LONG_FORMS.get(key)
    return convert(value, loc) if convert is not None else value


def _secrets(value: Any, loc: Loc) -> Any:
    refs = file_references(value, loc, default_target="/run/secrets")
    return _by_key(refs, lambda ref: ref.get("target"))


def _configs(value: Any, loc: Loc) -> Any:
    refs = file_references(value, loc, default_target=None)
    return _by_key(refs, lambda ref: ref.get("target") or "/" + str(ref.get("source")))


def _blkio(value: Any, loc: Loc) -> Any:
    """As Compose prints it: each device in full (a path, and a weight or rate of 0), no
    empty list and no weight of 0."""
    return {
        name: [{"path": "", **_BLKIO_ZERO.get(name, {"rate": "0"}), **d} for d in devices]
        if name in _BLKIO_DEVICES
        else devices
        for name, devices in value.items()
        if devices or name.startswith("x-")
    }


def _pairs(value: Any, loc: Loc) -> Any:
    pairs = key_values(value, loc, empty="")
    return {k: "" if v is None else v for k, v in pairs.items()}


def _logging(value: Any, loc: Loc) -> Any:
    if value.get("options") is None:
        return value
    at = loc.child(value, "options")
    options = want_map(value["options"], at)
    texts = {k: _text(v, at.child(options, k)) for k, v in options.items()}
    others = {k: v for k, v in value.items() if k != "options"}
    return {**others, "options": texts} if texts else others  # Compose leaves out empty ones


def _ulimits(value: Any, loc: Loc) -> Any:
    for name, limit in want_map(value, loc).items():
        if isinstance(limit, dict) and not {"soft", "hard"} <= set(limit):
            raise loc.child(value, name).error(
                "needs both `soft` and `hard`", hint="e.g. `nofile: {soft: 1024, hard: 4096}`"
            )
    return {name: _ulimit(limit, loc.child(value, name)) for name, limit in value.items()}


def _devices(value: Any, loc: Loc) -> Any:
    devices = [_device(item, loc.child(value, i)) for i, item in enumerate(value)]
    return _by_key(devices, lambda d: d.get("target") if isinstance(d, dict) else repr(d))


def _provider(value: Any, loc: Loc) -> Any:
    if "options" not in value:
        return value
    at = loc.child(value, "options")
    options = want_map(value["options"], at)
    listed = {k: v if isinstance(v, list) else [v] for k, v in options.items()}
    for name, items in listed.items():
        for item in items:
            if isinstance(item, dict | list):
                raise at.child(options, name).error(
                    "option values must be scalars", hint="write text, a number or a list"
                )
    return {**value, "options": {k: [_option(x) for x in v] for k, v in listed.items()}}


def _develop(value: Any, loc: Loc) -> Any:
    if "watch" not in value:
        return value
    rules = _watch_rules(value["watch"], loc.child(value, "watch"))
    others = {k: v for k, v in value.items() if k != "watch"}
    return {**others, "watch": rules} if rules else others  # none: Compose prints none


def _hooks(value: Any, loc: Loc) -> Any:
    hooks = []
    for i, hook in enumerate(value):
        entry = dict(want_map(hook, loc.child(value, i)))
        if isinstance(entry.get("command"), str):
            entry["command"] = split_command(entry["command"], loc.child(value, i))
        hooks.append(entry)
    return hooks


#: service key -> its long form (keys not here pass through as they are)
_LONG_FORMS: dict[str, Callable[[Any, Loc], Any]] = {
    "secrets": _secrets,
    "configs": _configs,
    "deploy": canonical_deploy,
    "blkio_config": _blkio,
    "annotations": _pairs,
    "sysctls": _pairs,
    "group_add": lambda value, loc: [str(item) for item in value],
    "logging": _logging,
    "ulimits": _ulimits,
    "devices": _devices,
    "provider": _provider,
    "develop": _develop,
    "post_start": _hooks,
    "pre_stop": _hooks,
}


def _watch_rules(rules: list[Any], loc: Loc) -> list[dict[str, Any]]:
    """``develop.watch`` rules as Compose prints them: ``include``/``ignore`` lists (none
    when empty), an ``exec.command`` list (or null), no ``x-`` keys."""
    out = []
    for i, rule in enumerate(want_list(rules, loc)):
        at = loc.child(rules, i)
        entry = {k: v for k, v in want_map(rule, at).items() if not str(k).startswith("x-")}
        for listed in ("include", "ignore"):
            if isinstance(entry.get(listed), str):
                entry[listed] = [entry[listed]]
            elif listed in entry and not entry[listed]:
                del entry[listed]  # Compose leaves an empty list out
        exec_spec = dict(want_map(entry.get("exec"), at.child(entry, "exec")))
        command = exec_spec.get("command")
        if isinstance(command, str):
            command = split_command(command, at.child(entry, "exec"))
        entry["exec"] = {**exec_spec, "command": command}
        out.append(entry)
    return out


def _device(item: Any, loc: Loc) -> Any:
    """``/dev/a[:/dev/b[:perms]]`` as ``{source, target, permissions}``, as Compose prints it."""
    if not isinstance(item, str):
        return item
    parts = item.split(":")
    if len(parts) > 3 or not parts[0]:
        raise loc.error(
            f"{show(item)} — expected HOST_DEVICE[:CONTAINER_DEVICE[:PERMISSIONS]]",
            hint="write e.g. /dev/ttyUSB0:/dev/ttyUSB0:rwm",
        )
    source = parts[0]
    target = parts[1] if len(parts) > 1 and parts[1] else source
    permissions = parts[2] if len(parts) > 2 else "rwm"
    return {"source": source, "target": target, "permissions": permissions}


def _text(value: Any, loc: Loc) -> str:
    """An option value as Compose keeps it: text (null is empty; numbers as Go prints them)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise loc.error(f"must be text or a number, not {show(value)}", hint="quote it")
    return go_text(value)


def _ulimit(limit: Any, loc: Loc) -> Any:
    """One ulimit as Compose's JSON has it: a single non-zero limit as a number, else the
    soft and hard limits that are not 0 (``to_yaml`` prints both, as Compose's YAML does)."""
    if isinstance(limit, dict):
        return {k: n for k, v in limit.items() if (n := _whole(v, loc.child(limit, k)))}
    single = _whole(limit, loc)
    return single if single else {}


def _whole(value: Any, loc: Loc) -> Any:
    """A ulimit: a whole number (a quoted one too), as Compose reads it."""
    if isinstance(value, str) and value.lstrip("+-").isdigit() and value.isascii():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise loc.error(f"{show(value)} is not a whole number", hint="write e.g. 65535")
    return value


def _option(value: Any) -> str:
    """A provider option value as Compose prints it: text (booleans lowercase, numbers as
    Go prints them: 80.0 is 80)."""
    return go_text(value)
