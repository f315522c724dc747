"""Shapes of the nested keys dockdjango keeps as written (``deploy``, ``develop``, hooks...).

They are not modelled, but Compose checks every value in them, so a wrong one is refused
here too, with its line, rather than passed on. A shape is a small description:

- ``str``, ``int``, ``bool``, `Flag` (a boolean Compose leaves out when false), ``NUMBER``
  (int, float or numeric text), ``DURATION`` (Compose duration text), ``TEXT_OR_NUMBER``,
  ``BYTES`` (a size, printed as bytes), ``WEIGHT`` (a block IO weight);
- ``List(shape)``, ``Map(shape)`` (any keys), ``Struct({...}, required=...)`` (known keys,
  ``x-`` extensions allowed), ``OneOf(value, ...)``, ``Either(shape, ...)``.

`conform` checks a value against a shape and returns it as Compose prints it (whole
numbers written as text become numbers, ``"yes"`` becomes true).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dockdjango.compose.durations import normalize_duration
from dockdjango.compose.loader.tree import type_name
from dockdjango.compose.schema.numbers import byte_count
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    not_null,
    show,
    want_bool,
    want_list,
    want_map,
    want_str,
    want_yaml_bool,
)

NUMBER = "number"
DURATION = "duration"
TEXT_OR_NUMBER = "text or number"
COMMAND = "command"
WEIGHT = "weight"  # a block IO weight: a YAML integer 0-65535 (Compose wraps larger ones)
BYTES = "bytes"  # a size (``1mb``, 1024), printed as Compose prints it: bytes, as text
_DURATION = re.compile(r"^[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h|d))+$|^0$")


@dataclass(frozen=True)
class List:
    item: Any


@dataclass(frozen=True)
class Map:
    value: Any


@dataclass(frozen=True)
class Struct:
    keys: dict[str, Any]
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class OneOf:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Either:
    shapes: tuple[Any, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Flag:
    """A boolean Compose leaves out when false (a plain Go ``bool``); ``yaml_only``: its
    schema takes no text (``yes``, a variable), only true or false."""

    yaml_only: bool = False


@dataclass(frozen=True)
class Whole:
    low: int | None = None


def conform(value: Any, shape: Any, loc: Loc) -> Any:
    """``value`` checked against ``shape``; a located `SpecError` when it does not fit."""
    if shape is str:
        return want_str(value, loc)
    if shape is bool:
        return want_bool(value, loc)
    if isinstance(shape, Flag):
        return want_yaml_bool(value, loc) if shape.yaml_only else want_bool(value, loc)
    if shape is int or isinstance(shape, Whole):
        return _whole(value, loc, shape.low if isinstance(shape, Whole) else None)
    if shape == NUMBER or shape == TEXT_OR_NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise loc.error(f"must be a number, not {type_name(value)}", hint="write e.g. 0.5")
        return value
    if shape == DURATION:
        if not isinstance(value, str) or not _DURATION.match(value):
            raise loc.error(f"{show(value)} is not a duration", hint="write e.g. 10s or 1m30s")
        return normalize_duration(value)  # as Compose prints it: 90s is 1m30s
    if shape == BYTES:
        if isinstance(value, float):  # Compose reads 1.0 as 0
            raise loc.error(f"{show(value)} is not a whole number", hint="write e.g. 1024 or 1mb")
        return byte_count(value, loc)
    if shape == WEIGHT:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
            raise loc.error(
                f"{show(value)} is not a weight", hint="write a whole number from 0 to 65535"
            )
        return value
    if shape == COMMAND:
        if value is None or isinstance(value, str):
            return value
        return [want_str(v, loc.child(value, i)) for i, v in enumerate(want_list(value, loc))]
    if isinstance(shape, OneOf):
        text = want_str(value, loc)
        if text not in shape.values:
            raise loc.error(f"{show(text)} is not one of these", hint=", ".join(shape.values))
        return text
    if isinstance(shape, List):
        items = want_list(value, loc)
        return [conform(v, shape.item, loc.child(items, i)) for i, v in enumerate(items)]
    if isinstance(shape, Map):
        mapping = want_map(value, loc)
        return {k: conform(v, shape.value, loc.child(mapping, k)) for k, v in mapping.items()}
    if isinstance(shape, Struct):
        return _struct(value, shape, loc)
    if isinstance(shape, Either):
        return _either(value, shape, loc)
    return value


def _whole(value: Any, loc: Loc, low: int | None) -> int:
    number = value
    if isinstance(value, str) and re.match(r"^[+-]?[0-9]+$", value):
        number = int(value)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise loc.error(f"must be a whole number, not {show(value)}", hint="write e.g. 3")
    if low is not None and number < low:
        raise loc.error(f"{number} — must be at least {low}", hint=f"write {low} or more")
    return number


def _struct(value: Any, shape: Struct, loc: Loc) -> dict[str, Any]:
    mapping = want_map(not_null(value, loc), loc)  # Compose's schema: a mapping, not null
    check_keys(mapping, shape.keys, loc, what=loc.path.rsplit(".", 1)[-1] or "this mapping")
    for key in shape.required:
        if key not in mapping:
            raise loc.error(f"is missing `{key}`", hint=f"add `{key}:`")
    out = {
        k: v if k.startswith("x-") else conform(v, shape.keys[k], loc.child(mapping, k))
        for k, v in mapping.items()
    }
    return {
        k: v for k, v in out.items() if not (isinstance(shape.keys.get(k), Flag) and v is False)
    }


def _either(value: Any, shape: Either, loc: Loc) -> Any:
    kinds = {str: str, bool: bool, int: int}
    for option in shape.shapes:
        wanted = kinds.get(option) if isinstance(option, type) else None
        if (
            wanted is not None
            and isinstance(value, wanted)
            and not (wanted is int and isinstance(value, bool))
        ):
            return value
        if isinstance(option, List) and isinstance(value, list):
            return conform(value, option, loc)
        if isinstance(option, Map | Struct) and isinstance(value, dict):
            return conform(value, option, loc)
    raise loc.error(f"has the wrong type: {type_name(value)}", hint="see the Compose reference")


WATCH_ACTIONS = ("rebuild", "sync", "restart", "sync+restart", "sync+exec")
LIST_OR_DICT = Either((List(str), Map(Any)))
#: A lifecycle hook (post_start, pre_stop) and a watch rule's exec: Compose's ServiceHook.
HOOK = Struct(
    {
        "command": COMMAND,
        "user": str,
        "privileged": Flag(),
        "working_dir": str,
        "environment": LIST_OR_DICT,
    },
    required=("command",),
)
_UPDATE = Struct(
    {
        "parallelism": Whole(0),
        "delay": DURATION,
        "failure_action": str,
        "monitor": DURATION,
        "max_failure_ratio": NUMBER,
        "order": OneOf(("start-first", "stop-first")),
    }
)
_RESOURCE = {"cpus": TEXT_OR_NUMBER, "memory": TEXT_OR_NUMBER, "pids": int}

#: Service keys kept as written whose nested values Compose checks, and their shapes.
SHAPES: dict[str, Any] = {
    "deploy": Struct(
        {
            "mode": str,
            "endpoint_mode": str,
            "replicas": Whole(0),
            "labels": LIST_OR_DICT,
            "rollback_config": _UPDATE,
            "update_config": _UPDATE,
            "resources": Struct(
                {
                    "limits": Struct(_RESOURCE),
                    "reservations": Struct(
                        {**_RESOURCE, "devices": List(Map(Any)), "generic_resources": List(Any)}
                    ),
                }
            ),
            "restart_policy": Struct(
                {"condition": str, "delay": DURATION, "max_attempts": int, "window": DURATION}
            ),
            "placement": Struct(
                {
                    "constraints": List(str),
                    "preferences": List(Struct({"spread": str})),
                    "max_replicas_per_node": int,
                }
            ),
        }
    ),
    "develop": Struct(
        {
            "watch": List(
                Struct(
                    {
                        "path": str,
                        "action": OneOf(
                            ("rebuild", "sync", "restart", "sync+restart", "sync+exec")
                        ),
                        "target": str,
                        "ignore": Either((str, List(str))),
                        "include": Either((str, List(str))),
                        "initial_sync": Flag(yaml_only=True),
                        "exec": HOOK,
                    },
                    required=("path", "action"),
                )
            )
        }
    ),
    **dict.fromkeys(
        ("post_start", "pre_stop"),
        List(HOOK),
    ),
    "logging": Struct({"driver": str, "options": Map(Any)}),
    "blkio_config": Struct(
        {
            "weight": WEIGHT,
            "weight_device": List(Struct({"path": str, "weight": WEIGHT})),
            **dict.fromkeys(
                ("device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops"),
                List(Struct({"path": str, "rate": BYTES})),
            ),
        }
    ),
    "credential_spec": Struct({"config": str, "file": str, "registry": str}),
}
