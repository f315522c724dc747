"""``ports:`` in Compose's long form, from the short syntax or the long one.

The short syntax is ``[IP:][HOST:]CONTAINER[/PROTOCOL]`` as Docker reads it: the last part
is the container port (or range), the one before it the host port (or range; ``0`` or
nothing lets the engine choose a free port), and everything before those the host IP
(an IPv6 address may be written with or without brackets). A host IP must be an IP
address: ``localhost`` or ``127.1`` are refused, as Compose refuses them, since the
engine would otherwise publish the port on every interface.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from dockdjango.compose.loader.tree import Seq, type_name
from dockdjango.compose.schema.shapes import (
    Loc,
    check_keys,
    show,
    want_int,
    want_list,
    want_map,
    want_scalar_str,
    want_str,
)

PORT_KEYS = "name mode host_ip target published protocol app_protocol".split()
PROTOCOLS = ("tcp", "udp", "sctp")


def canonical_ports(value: Any, loc: Loc) -> Seq:
    """``ports:`` as a list of long-form mappings (a short-syntax range gives several)."""
    seq = want_list(value, loc)
    out = Seq(origin=seq.origin)
    places: dict[tuple[Any, ...], int] = {}
    for i, item in enumerate(seq):
        at = loc.child(seq, i)
        if isinstance(item, bool) or item is None or isinstance(item, float):
            raise at.error(
                f"must be a port mapping, not {type_name(item)}", hint="write e.g. 8000:8000"
            )
        entries = parse_port(item, at) if isinstance(item, int | str) else [_long(item, at)]
        for entry in entries:
            # As Compose: one mapping per host IP, host port, container port and protocol; a
            # later one replaces an earlier one in its place (`80` then `{target: 80, mode:
            # host}` is the second one alone).
            key = (
                entry.get("host_ip") or "0.0.0.0",
                _published_as_written(item, entry),
                entry["target"],
                entry.get("protocol") or "tcp",
            )
            if key in places:
                out[places[key]] = entry
                continue
            places[key] = len(out)
            out.append(entry)
            out.origins.append(seq.where(i))
    return out


def _published_as_written(item: Any, entry: dict[str, Any]) -> tuple[str, Any]:
    """The host port as Compose tells mappings apart by it: left out, ``""``, ``8080`` (a
    number) and ``"8080"`` (text, as the short syntax gives) are four different ones."""
    if not isinstance(item, dict):
        return ("text", entry["published"]) if "published" in entry else ("none", None)
    if "published" not in item:
        return ("none", None)
    published = item["published"]
    number = isinstance(published, int) and not isinstance(published, bool)
    return ("number" if number else "text", published)


def _long(item: Any, at: Loc) -> dict[str, Any]:
    port = want_map(item, at)
    check_keys(port, PORT_KEYS, at, what="a port")
    if "target" not in port:
        raise at.error("is missing `target` (the container port)", hint="add `target: 8000`")
    entry: dict[str, Any] = {"mode": "ingress", "protocol": "tcp"}
    for key, v in port.items():
        k_at = at.child(port, key)
        if key == "target":
            if isinstance(v, float) and v.is_integer():
                v = int(v)  # Compose reads 80.0 as 80
            entry[key] = want_int(v, k_at, low=1, high=65535)
        elif key == "published":
            published = _published(v, k_at)
            if published:  # empty means "any free port", as if left out
                entry[key] = published
        elif key == "host_ip":
            entry[key] = check_ip(want_str(v, k_at), k_at)
        elif key.startswith("x-"):
            continue  # Compose drops extensions inside a port
        else:
            entry[key] = want_str(v, k_at)
    return entry


def _published(value: Any, loc: Loc) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise loc.error(
            f"must be a port number or a range as text, not {type_name(value)}",
            hint="write e.g. 8080 or '8080-8090'",
        )
    text = want_scalar_str(value, loc)
    if text and port_range(text) is None:
        raise loc.error(
            f"{show(text)} is not a host port", hint="write a port 0–65535, or a range 8000-8010"
        )
    return text


def check_ip(text: str, loc: Loc) -> str:
    """``text`` if it is an IPv4 or IPv6 address (no zone), as Docker requires of a host IP."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        ok = False
    else:
        ok = "%" not in text
    if not ok:
        raise loc.error(
            f"host IP {show(text)} is not an IP address",
            hint="write an address such as 127.0.0.1 or ::1 (not a host name); "
            "leave it out to publish on every interface",
        )
    return text


def _port_number(text: str) -> int | None:
    """A port as Docker reads one: decimal digits (leading zeros allowed), 0–65535."""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= 65535 else None


def port_range(text: str) -> tuple[int, int] | None:
    """``N`` or ``N-M`` (M ≥ N) as numbers, or None when it is neither."""
    low_text, dash, high_text = text.partition("-")
    low = _port_number(low_text)
    high = _port_number(high_text) if dash else low
    if low is None or high is None or high < low:
        return None
    return low, high


def parse_port(value: Any, loc: Loc) -> list[dict[str, Any]]:
    """A short-syntax port (``[IP:][HOST:]CONTAINER[/PROTO]``, ranges allowed) as long forms."""
    raw = want_scalar_str(value, loc)
    parts = raw.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) > 1 else ""
    ip = ":".join(parts[:-2])  # an IPv6 address brings colons of its own
    container, slash, proto = container.partition("/")
    proto = (proto or "tcp").lower() if slash else "tcp"
    hint = "write [IP:][HOST:]CONTAINER[/PROTOCOL], e.g. 127.0.0.1:8000:8000"
    if ip.startswith("["):
        if not ip.endswith("]"):
            raise loc.error(f"{show(raw)} — host IP {show(ip)} lacks its closing `]`", hint=hint)
        ip = ip[1:-1]
    if ip:
        check_ip(ip, loc)
    targets = port_range(container) if container else None
    if targets is None or targets[0] == 0:
        raise loc.error(f"{show(raw)} — container port must be 1–65535", hint=hint)
    hosts = port_range(host) if host else None
    if host and hosts is None:
        raise loc.error(f"{show(raw)} — host port must be 0–65535 (0: any free port)", hint=hint)
    if proto not in PROTOCOLS:
        raise loc.error(f"{show(raw)} — unknown protocol {show(proto)}", hint="tcp, udp or sctp")
    base: dict[str, Any] = {"mode": "ingress"}
    if ip:
        base["host_ip"] = ip
    t_low, t_high = targets
    if hosts is None:
        return [{**base, "target": t, "protocol": proto} for t in range(t_low, t_high + 1)]
    h_low, h_high = hosts
    if t_low == t_high:  # one container port, a host range to choose from
        published = str(h_low) if h_low == h_high else f"{h_low}-{h_high}"
        return [{**base, "target": t_low, "published": published, "protocol": proto}]
    if h_high - h_low != t_high - t_low:
        raise loc.error(
            f"{show(raw)} — host and container port ranges differ in length",
            hint="write ranges of the same length, e.g. 9000-9001:8000-8001",
        )
    return [
        {**base, "target": t_low + i, "published": str(h_low + i), "protocol": proto}
        for i in range(t_high - t_low + 1)
    ]


def canonical_expose(value: Any, loc: Loc) -> list[str]:
    """``expose:`` as strings (``"8000"``, ``"9000-9001/udp"``). Compose only checks these
    when it creates the container; a port that is not one is refused here, with its line."""
    seq = want_list(value, loc)
    out = []
    for i, item in enumerate(seq):
        at = loc.child(seq, i)
        text = want_scalar_str(item, at)
        number, slash, proto = text.partition("/")
        ports = port_range(number)
        if ports is None or ports[0] == 0 or (slash and proto.lower() not in PROTOCOLS):
            raise at.error(
                f"{show(text)} is not a container port",
                hint="write PORT, PORT-PORT or PORT/PROTOCOL, e.g. 8000 or 9000-9001/udp",
            )
        out.append(text)
    return list(dict.fromkeys(out))  # as Compose, a port exposed twice is exposed once
