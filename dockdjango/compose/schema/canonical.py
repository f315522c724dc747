"""The validate + canonicalise stage: each file's tree checked and turned into long forms.

Short forms become Compose's long forms (ports, volumes, depends_on, environment,
networks, healthcheck.test, build, command), with the line of every entry kept. Keys
that Compose knows but dockdjango does not model are checked to be keys Compose knows
and kept as written (they end up in ``Service.other``); anything else is an unknown key.
"""

from __future__ import annotations

import re
from typing import Any

from dockdjango.compose.durations import normalize_duration
from dockdjango.compose.loader.tree import Tree, type_name
from dockdjango.compose.schema.build_config import canonical_build, extra_hosts
from dockdjango.compose.schema.mounts import canonical_volumes
from dockdjango.compose.schema.passthrough import check_passthrough
from dockdjango.compose.schema.ports import canonical_expose, canonical_ports
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    check_name,
    key_values,
    not_null,
    show,
    split_command,
    str_list,
    unique_items,
    want_bool,
    want_int,
    want_list,
    want_map,
    want_str,
    want_yaml_bool,
)
from dockdjango.compose.schema.spec_keys import keys_of

STRING_KEYS = (
    "image container_name hostname working_dir user stop_signal platform pull_policy "
    "network_mode restart".split()
)
BOOL_KEYS = ("init", "tty", "stdin_open", "privileged", "read_only")
MODELLED_SERVICE_KEYS = frozenset(
    STRING_KEYS
    + list(BOOL_KEYS)
    + "build command entrypoint environment env_file ports expose volumes depends_on "
    "healthcheck networks labels stop_grace_period profiles extra_hosts extends".split()
)
# The keys a service may hold, as Compose's schema says (see spec_keys); those dockdjango
# does not model yet are kept as written (a key a newer schema adds, too).
SERVICE_KEYS = frozenset(keys_of("service"))
PASSTHROUGH_SERVICE_KEYS = SERVICE_KEYS - MODELLED_SERVICE_KEYS
HEALTHCHECK_KEYS = keys_of("healthcheck")
SERVICE_NETWORK_KEYS = keys_of("service", "networks", "*")
CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")
RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")


# Service keys Compose allows to be null (written with no value).
NULLABLE_SERVICE_KEYS = frozenset({"command", "entrypoint", "deploy", "develop", "pid"})


def canonical_service(raw: Any, loc: Loc) -> Tree:
    """One service in long form (still a `Tree` so later stages keep line numbers)."""
    svc = want_map(not_null(raw, loc), loc)
    check_keys(svc, SERVICE_KEYS, loc, what="a service")
    out = Tree(origin=svc.origin)
    out.origins = dict(svc.origins)
    out.resets, out.overrides = set(svc.resets), set(svc.overrides)
    for key, value in svc.items():
        at = loc.child(svc, key)
        if key in svc.resets:
            out[key] = None
            continue
        if key not in NULLABLE_SERVICE_KEYS and not key.startswith("x-"):
            not_null(value, at)
        if key in PASSTHROUGH_SERVICE_KEYS or key.startswith("x-") or key == "extends":
            out[key] = check_passthrough(key, value, at)
        else:
            out[key] = _SERVICE_HANDLERS[key](value, at)
    return out


def _string(value: Any, loc: Loc) -> str | None:
    return None if value is None else want_str(value, loc)


def _bool(value: Any, loc: Loc) -> bool | None:
    return None if value is None else want_bool(value, loc)


def _restart(value: Any, loc: Loc) -> str | None:
    text = _string(value, loc)
    if text and text.split(":")[0] not in RESTART_POLICIES:  # "" is as if unset, in Compose
        raise loc.error(f"{show(text)} is not a restart policy", hint=", ".join(RESTART_POLICIES))
    return text


def _matching(pattern: str, what: str, hint: str) -> Any:
    """A handler for a string key Compose checks against a schema pattern (which, as in
    JSON Schema, need only match somewhere in the value)."""
    regex = re.compile(pattern)

    def check(value: Any, loc: Loc) -> str | None:
        text = _string(value, loc)
        if text is not None and not regex.search(text):
            raise loc.error(f"{show(text)} is not {what}", hint=hint)
        return text

    return check


_pull_policy = _matching(
    r"always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+",
    "a pull policy",
    "always, never, missing, build, daily, weekly or every_<N><unit>",
)
_container_name = _matching(
    r"[a-zA-Z0-9][a-zA-Z0-9_.-]+",
    "a container name",
    "use letters, digits, '_', '.' and '-', starting with a letter or digit",
)


_DURATION_HINT = "write e.g. 10s, 1m30s, 500ms"
_UNITLESS = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")


def _duration(value: Any, loc: Loc) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):  # as in Compose: `30` is not 30 seconds, write `30s`
        raise loc.error(
            f"must be a duration such as 30s, not {type_name(value)}", hint=_DURATION_HINT
        )
    if _UNITLESS.match(value) and float(value) != 0:
        raise loc.error(f"{show(value)} has no unit", hint=f"write e.g. {value.lstrip('+')}s")
    try:
        return normalize_duration(value)
    except ValueError:
        raise loc.error(f"{show(value)} is not a duration", hint=_DURATION_HINT) from None


def _environment(value: Any, loc: Loc) -> dict[str, str | None]:
    return key_values(value, loc, empty=None)


def _labels(value: Any, loc: Loc) -> dict[str, str | None]:
    return key_values(value, loc, empty="")


def _env_file(value: Any, loc: Loc) -> list[dict[str, Any]]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else want_list(value, loc)
    out = []
    for i, item in enumerate(items):
        at = loc.child(items, i)
        if isinstance(item, str):
            out.append({"path": item, "required": True})
            continue
        entry = want_map(item, at)
        check_keys(entry, ("path", "required", "format"), at, what="env_file")
        if "path" not in entry:
            raise at.error("is missing `path`", hint="write `- path: ./app.env`")
        required = want_bool(entry.get("required", True), at.child(entry, "required"))
        item = {"path": want_str(entry["path"], at.child(entry, "path")), "required": required}
        if entry.get("format") is not None:
            item["format"] = want_str(entry["format"], at.child(entry, "format"))
        out.append(item)
    return out


def _depends_on(value: Any, loc: Loc) -> Tree:
    out = Tree(origin=loc.origin)
    if isinstance(value, list):
        unique_items(value, loc)
        for i, name in enumerate(value):
            at = loc.child(value, i)
            out[want_str(name, at)] = {"condition": "service_started", "required": True}
            out.origins[name] = at.origin  # type: ignore[assignment]
        return out
    mapping = want_map(value, loc)
    for name, spec in mapping.items():
        at = loc.child(mapping, name)
        check_name(name, at)
        entry = want_map(spec, at)
        check_keys(entry, ("condition", "restart", "required"), at, what="depends_on")
        if "condition" not in entry:
            raise at.error(
                "is missing `condition`",
                hint="add `condition: service_started` (or service_healthy, "
                "service_completed_successfully), or list the services instead",
            )
        condition = entry.get("condition", "service_started")
        if condition not in CONDITIONS:
            raise at.child(entry, "condition").error(
                f"{show(condition)} is not a condition", hint=", ".join(CONDITIONS)
            )
        item: dict[str, Any] = {"condition": condition, "required": True}
        if "restart" in entry:
            item["restart"] = want_bool(entry["restart"], at.child(entry, "restart"))
        if "required" in entry:
            item["required"] = want_yaml_bool(entry["required"], at.child(entry, "required"))
        out[str(name)] = item
        out.origins[name] = at.origin  # type: ignore[assignment]
    return out


def _healthcheck(value: Any, loc: Loc) -> dict[str, Any] | None:
    if value is None:
        return None
    check = want_map(value, loc)
    check_keys(check, HEALTHCHECK_KEYS, loc, what="healthcheck")
    out: dict[str, Any] = {}
    for key, item in check.items():
        at = loc.child(check, key)
        if not key.startswith("x-"):
            not_null(item, at)
        if key == "test":
            if isinstance(item, str):
                out[key] = ["CMD-SHELL", item]
            else:
                out[key] = str_list(item, at, allow_str=False)
                if out[key] and out[key][0] not in ("NONE", "CMD", "CMD-SHELL"):
                    raise at.error(
                        f"{show(out[key][0])} — a list test starts with CMD, CMD-SHELL or NONE",
                        hint='write e.g. ["CMD", "pg_isready"], or the test as one string',
                    )
        elif key == "retries":
            out[key] = want_int(item, at, low=0)
        elif key == "disable":
            out[key] = want_bool(item, at)
        elif key.startswith("x-"):
            out[key] = item
        else:
            out[key] = _duration(item, at)
    return out


def _networks(value: Any, loc: Loc) -> Tree:
    out = Tree(origin=loc.origin)
    if isinstance(value, list):
        unique_items(value, loc)
        for i, name in enumerate(value):
            at = loc.child(value, i)
            out[want_str(name, at)] = None
            out.origins[name] = at.origin  # type: ignore[assignment]
        return out
    mapping = want_map(value, loc)
    for name, spec in mapping.items():
        at = loc.child(mapping, name)
        check_name(name, at)
        out.origins[name] = at.origin  # type: ignore[assignment]
        if spec is None:
            out[str(name)] = None
            continue
        entry = want_map(spec, at)
        check_keys(entry, SERVICE_NETWORK_KEYS, at, what="a service network")
        item = dict(entry)
        for key in ("aliases", "link_local_ips"):
            if key in item:
                item[key] = str_list(item[key], at.child(entry, key), allow_str=False)
        for key in ("priority", "gw_priority"):
            if key in item:
                item[key] = want_int(item[key], at.child(entry, key))
        out[str(name)] = item
    return out


def _profiles(value: Any, loc: Loc) -> list[str]:
    return str_list(value, loc, allow_str=False)


_SERVICE_HANDLERS: dict[str, Any] = {
    **{key: _string for key in STRING_KEYS},
    **{key: _bool for key in BOOL_KEYS},
    "restart": _restart,
    "pull_policy": _pull_policy,
    "container_name": _container_name,
    "build": canonical_build,
    "command": split_command,
    "entrypoint": split_command,
    "environment": _environment,
    "env_file": _env_file,
    "ports": canonical_ports,
    "expose": canonical_expose,
    "volumes": canonical_volumes,
    "depends_on": _depends_on,
    "healthcheck": _healthcheck,
    "networks": _networks,
    "labels": _labels,
    "stop_grace_period": _duration,
    "profiles": _profiles,
    "extra_hosts": extra_hosts,
}
