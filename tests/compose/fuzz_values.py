"""Value pools for the fuzz suite: for each service key, values Compose accepts ("valid")
and values at or past the edge ("odd": wrong types, odd scalars, escapes, bad syntax).

A document drawn "clean" takes only valid values, so most of those load in both tools
and their output can be compared; the others mix odd values in.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

# Variables every run sets; others are unset.
ENV = {"SET": "value", "PORT": "8000", "EMPTY": "", "FLAG": "true", "IMAGE": "busybox:1"}


class Plain(str):
    """A string written as a plain (unquoted) YAML scalar when YAML allows it."""


class Dumper(yaml.SafeDumper):
    """YAML out, with `Plain` strings left unquoted (so YAML's rules decide their type)."""


def _plain(dumper: yaml.SafeDumper, value: Plain) -> yaml.ScalarNode:
    tag = dumper.resolve(yaml.ScalarNode, str(value), (True, False))
    return dumper.represent_scalar(tag, str(value))


Dumper.add_representer(Plain, _plain)

# Plain scalars whose type depends on the YAML rules in force (and Compose's casts).
ODD_PLAIN = (
    "017 0o17 0x1F 1_000 1e3 1:20 8000:8000 .inf -.5 0b101 1. 1e400 99999999999999999999 "
    "yes no on True ~ null = 2001-12-14 -0 09 1E3 12.50 1e-7 3.0e10"
).split() + ["2001-12-14 21:59:43"]
# Interpolation and escapes, valid ones (both tools accept them) and the rest.
DOLLARS = (
    "$$ $$HOME $${X} ${SET} $SET ${UNSET:-d} ${UNSET-d} ${EMPTY:-d} ${EMPTY-d} ${SET:+r} "
    "${UNSET:+r} ${SET?boom} $ $1 ${SET:-${PORT}} ${UNSET:-$$x} $${SET} $$$SET ${PORT}:${PORT} "
    "${IMAGE} a$$b"
).split() + ['[ $$(cli --pass "$${PASSWORD}" ping) = PONG ]', "redis-server --requirepass $$PW"]
BAD_DOLLARS = ["${", "${SET", "${UNSET:?need it}", "${1}", "${SET:x}"]
TEXT = [
    "",
    " ",
    "x",
    "web",
    "a b",
    "café",
    "quote's",
    'dq"x',
    "tab\tx",
    "#hash",
    "line\nbreak",
    "- dash",
    "key: value",
    "*",
    "&a",
    "!tag",
    "%",
    "@",
    "`tick`",
    "\\",
    "日本",
]
ODD_NUMBERS = [
    0,
    -1,
    1,
    7,
    100,
    101,
    512,
    65535,
    65536,
    2**31,
    2**63,
    -(2**63),
    1.5,
    0.1,
    80.0,
    -0.0,
    1e20,
    3e38,
    4e38,
]

texts = st.one_of(
    st.sampled_from(TEXT + DOLLARS),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10),
)
odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(ODD_NUMBERS),
    st.integers(min_value=-70000, max_value=70000),
    st.sampled_from(ODD_PLAIN).map(Plain),
    st.sampled_from(BAD_DOLLARS),
    texts,
)
valid_text = st.sampled_from(["web", "x", "a b", "café", "quote's", "", *DOLLARS])
valid_scalars = st.one_of(
    valid_text,
    st.integers(-1000, 70000),
    st.booleans(),
    st.none(),
    st.sampled_from([1.5, 0.25, 1e20, 12.0]),
    st.sampled_from(["017", "0x1F", "1e3", "1:20", "yes", "12.50"]).map(Plain),
)

# Booleans as Compose reads them: YAML's, and text it casts (any case; no 0/1 or "").
VALID_FLAGS = [True, False, "yes", "TRUE", "off", "${FLAG}", Plain("on"), Plain("n"), Plain("tRUE")]
ODD_FLAGS = ["", "0", "1", 0, 1, " true", "${EMPTY}", "${UNSET}", "maybe", 1.0, None]
valid_flags = st.sampled_from(VALID_FLAGS)
odd_flags = st.sampled_from(ODD_FLAGS)
yaml_flags = st.booleans()  # keys whose schema takes only true or false

VALID_DURATIONS = ["10s", "1m30s", "500ms", "90s", "1h", "0s", "2m", "1.5s", "1h2m3s", "30"]
durations = st.sampled_from(VALID_DURATIONS)
odd_durations = st.sampled_from(["-1s", "abc", "1d", "", "10", 30, 0, 1.5])

VALID_PORTS = (
    "8000:8000 127.0.0.1:8000:8000 127.0.0.1:0:8000 0:8000 8000 80/udp 9000-9001:9000-9001 "
    "127.0.0.1::80 [::1]:8080:80 ::1:8080:80 8080:80/UDP 8000-8010:80 ${PORT}:${PORT} "
    "${UNSET:-9000}:9000 1.2.3.4:80:80/sctp 08080:080 :8081:81"
).split()
ODD_PORTS = (
    "localhost:80:80 127.1:80:80 99999:80 80:99999 a:80 80:80-81 [::1]:80 0:0 80/foo".split()
)
valid_port_maps = st.fixed_dictionaries(
    {"target": st.integers(1, 65535)},
    optional={
        "published": st.one_of(
            st.sampled_from(["8080", "0", "", "8000-8001"]), st.integers(0, 65535)
        ),
        "host_ip": st.sampled_from(["127.0.0.1", "::1", "0.0.0.0"]),
        "protocol": st.sampled_from(["tcp", "udp"]),
        "mode": st.sampled_from(["ingress", "host"]),
        "x-note": valid_scalars,
    },
)
odd_port_maps = st.fixed_dictionaries(
    {"target": st.one_of(st.integers(0, 70000), st.sampled_from(["80", "abc", 80.0]))},
    optional={"host_ip": st.sampled_from(["localhost", ""]), "published": st.just(True)},
)

SOURCES = "./src ./src/ . .. ./a/../b/ /abs /abs/ /abs//x/./y/ ~/x ~/x/ ~user/x data cache".split()
ODD_SOURCES = ["undeclared", "C:\\x", "${SET}", "$$odd", ""]
TARGETS = ["/app", "/app/", "/app//x/", "/a/./b/../c", "/data", "/tmp/x/", "/", "/srv", "/b"]
MODES = ["", ":ro", ":rw", ":z", ":ro,z", ":nocopy", ":cached", ":rprivate"]


@st.composite
def mounts(draw: st.DrawFn, clean: bool) -> Any:
    """One volume mount, short or long syntax."""
    sources = SOURCES if clean else SOURCES + ODD_SOURCES
    modes = MODES if clean else [*MODES, ":foo", "::", ":ro:rw"]
    source, target = draw(st.sampled_from(sources)), draw(st.sampled_from(TARGETS))
    if draw(st.booleans()):
        return draw(st.sampled_from([f"{source}:{target}{draw(st.sampled_from(modes))}", target]))
    kinds = ["bind", "volume", "tmpfs"] if clean else ["bind", "volume", "tmpfs", "npipe", "x"]
    kind = draw(st.sampled_from(kinds))
    out: dict[str, Any] = {"type": kind, "target": target}
    if kind == "bind" or (kind == "volume" and draw(st.booleans())):
        out["source"] = (
            source if kind == "bind" or not clean else draw(st.sampled_from(["data", "cache"]))
        )
    if draw(st.booleans()):
        out["read_only"] = draw(st.booleans() if clean else st.sampled_from([Plain("yes"), 1]))
    if kind == "tmpfs" and draw(st.booleans()):
        out["tmpfs"] = {"size": draw(st.sampled_from([1024, "64m"] if clean else [-1, 1.5, "x"]))}
    if kind == "bind" and draw(st.booleans()):
        out["bind"] = {"create_host_path": draw(st.booleans())}
    return out


valid_commands = st.one_of(
    st.sampled_from([*DOLLARS, "echo hi", "sh -c 'echo $$HOME'", 'a "b c"']),
    st.lists(valid_text, max_size=3),
)
odd_commands = st.one_of(
    st.sampled_from(["unbalanced 'q", *BAD_DOLLARS]),
    st.lists(st.one_of(texts, st.sampled_from(ODD_PLAIN).map(Plain)), max_size=3),
)
KEYS = ["A", "B", "PW", "PORT", "X_1", "a.b", "1X"]
valid_key_values = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), valid_scalars, max_size=4),
    st.lists(
        st.sampled_from(["A=1", "B", "C=$$x", "D=${SET}", "E=", "F==", "G=a=b"]),
        max_size=4,
        unique=True,
    ),
)
odd_key_values = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), odd_scalars, max_size=4),
    st.lists(st.sampled_from(["=x", "A=1", "A=1", 5, None]), max_size=4),
)
valid_healthchecks = st.fixed_dictionaries(
    {},
    optional={
        "test": st.one_of(
            st.sampled_from([*DOLLARS, "curl -f http://localhost", "true"]),
            st.sampled_from([["CMD", "true"], ["CMD-SHELL", "exit 0"], ["NONE"]]),
        ),
        "interval": durations,
        "timeout": durations,
        "start_period": durations,
        "retries": st.sampled_from([0, 3, 10]),
        "disable": valid_flags,
    },
)
odd_healthchecks = st.fixed_dictionaries(
    {},
    optional={
        "test": st.sampled_from([["X", "y"], [], [True], "${"]),
        "interval": odd_durations,
        "retries": st.sampled_from([-1, 1.5, "3", "x"]),
        "disable": st.just("maybe"),
    },
)
_devices = st.lists(
    st.fixed_dictionaries(
        {"path": st.sampled_from(["/dev/sda", "/dev/sdb"])},
        optional={"rate": st.sampled_from(["1mb", 1024, "2k", "30", 0])},
    ),
    max_size=2,
)
valid_blkio = st.fixed_dictionaries(
    {},
    optional={
        "weight": st.sampled_from([10, 500, 1000, 0]),
        "weight_device": st.lists(
            st.fixed_dictionaries(
                {"path": st.just("/dev/sda")}, optional={"weight": st.sampled_from([10, 20])}
            ),
            max_size=2,
        ),
        "device_read_bps": _devices,
        "device_write_iops": _devices,
    },
)
odd_blkio = st.fixed_dictionaries(
    {},
    optional={
        "weight": st.sampled_from(["10", 70000, -1, 1.5, 10.0, None]),
        "device_read_bps": st.lists(
            st.fixed_dictionaries(
                {}, optional={"rate": st.sampled_from([1.5, 1.0, "x", -1, "${UNSET}", None])}
            ),
            max_size=2,
        ),
    },
)
NUMERIC = {
    "cpus": ([1.5, "0.5", 2, 0.25, "1e3"], [".inf", "abc", 4e38, True]),
    "cpu_shares": ([512, "1024", 0, 2], [1.5, "1e3", ""]),
    "cpu_count": ([1, "2", 0], [-5, 0.1]),
    "cpu_percent": ([50, "100", 0], [101, 1.5]),
    "mem_limit": (["512m", "1g", 1073741824, "1.5g", "1 KiB"], [1.5, "-5", "abc"]),
    "shm_size": (["64m", 67108864], ["x"]),
    "scale": ([1, "2", 0], [-1, 1.5]),
    "pids_limit": ([100, -1, "50"], [1.5]),
    "oom_score_adj": ([-500, "500", 0], [1001]),
    "mem_swappiness": ([60, "0"], [0.1]),
}


def numeric(key: str, clean: bool) -> st.SearchStrategy[Any]:
    valid, odd = NUMERIC[key]
    plain = [Plain(str(v)) for v in valid if isinstance(v, str)]
    pool = valid + plain if clean else valid + odd + [Plain(p) for p in ODD_PLAIN]
    return st.sampled_from(pool)


def field(clean: bool, valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """``valid`` for a clean document; otherwise mostly ``valid``, sometimes ``odd``."""
    return valid if clean else st.one_of(valid, valid, odd)


def service_fields(names: list[str], clean: bool) -> dict[str, st.SearchStrategy[Any]]:
    """What each service key is drawn from (``names``: the document's service names)."""
    refs = st.sampled_from(names if clean else [*names, "ghost"])
    f = lambda valid, odd: field(clean, valid, odd)  # noqa: E731 - a short local alias
    return {
        "image": f(
            st.sampled_from(
                ["nginx", "redis:7", "${IMAGE}", "${UNSET:-alpine}", "a/b:c@sha256:" + "0" * 64]
            ),
            odd_scalars,
        ),
        "build": f(
            st.one_of(
                st.sampled_from([".", "./app", "/abs/ctx/", "~/ctx"]),
                st.fixed_dictionaries(
                    {"context": st.sampled_from([".", "./x/../y/"])},
                    optional={
                        "dockerfile": valid_text,
                        "args": valid_key_values,
                        **dict.fromkeys(
                            ("no_cache", "pull", "privileged"), f(valid_flags, odd_flags)
                        ),
                        **dict.fromkeys(
                            ("provenance", "sbom"),
                            f(st.sampled_from([True, False, "mode=max", ""]), odd_scalars),
                        ),
                    },
                ),
            ),
            st.fixed_dictionaries({"context": odd_scalars}),
        ),
        "command": f(st.one_of(valid_commands, st.none()), odd_commands),
        "entrypoint": f(valid_commands, odd_commands),
        "environment": f(valid_key_values, odd_key_values),
        "labels": f(valid_key_values, odd_key_values),
        "ports": st.lists(
            f(
                st.one_of(st.sampled_from(VALID_PORTS), st.integers(1, 65535), valid_port_maps),
                st.one_of(st.sampled_from(ODD_PORTS), odd_port_maps),
            ),
            max_size=3,
        ),
        "expose": st.lists(
            f(
                st.one_of(st.sampled_from(["80", "80-82/udp", "9000/tcp"]), st.integers(1, 65535)),
                st.sampled_from(["abc", "0", "8000/foo", 0, 70000]),
            ),
            max_size=2,
        ),
        "volumes": st.lists(mounts(clean), max_size=3),
        "healthcheck": f(valid_healthchecks, odd_healthchecks),
        "depends_on": st.one_of(
            st.lists(refs, max_size=2, unique=True),
            st.dictionaries(
                refs,
                st.fixed_dictionaries(
                    {
                        "condition": st.sampled_from(
                            ["service_started", "service_healthy"]
                            if clean
                            else ["service_started", "bad"]
                        )
                    },
                    optional={
                        "required": f(yaml_flags, valid_flags),
                        "restart": f(valid_flags, odd_flags),
                    },
                ),
                max_size=2,
            ),
        ),
        "networks": st.one_of(
            st.lists(st.sampled_from(["front", "back", "default"]), max_size=2, unique=True),
            st.dictionaries(
                st.sampled_from(["front", "back"] if clean else ["front", "a$b"]),
                st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "aliases": st.lists(
                                st.sampled_from(["a", "b.c"]), max_size=2, unique=True
                            ),
                            "priority": st.integers(-5, 5),
                        },
                    ),
                ),
                max_size=2,
            ),
        ),
        "restart": f(
            st.sampled_from(["no", "always", "on-failure:3", "unless-stopped", ""]),
            st.sampled_from(["sometimes", Plain("no"), 3]),
        ),
        "user": f(st.sampled_from(["1000", "1000:1000", "app", "${SET}"]), odd_scalars),
        "working_dir": f(st.sampled_from(["/app", "/app/", "rel", "/a/./b/../c", ""]), odd_scalars),
        "hostname": f(valid_text, odd_scalars),
        "init": f(valid_flags, st.sampled_from([Plain("yes"), "true", "1", 1])),
        "tty": f(valid_flags, st.one_of(odd_flags, odd_scalars)),
        "read_only": f(valid_flags, st.just(Plain("on"))),
        "privileged": f(valid_flags, st.one_of(odd_flags, odd_scalars)),
        "stop_grace_period": f(durations, odd_durations),
        "stop_signal": f(st.sampled_from(["SIGTERM", "SIGINT", "9"]), odd_scalars),
        "extra_hosts": f(
            st.one_of(
                st.lists(
                    st.sampled_from(["h:1.2.3.4", "h=::1", "g=10.0.0.1"]), max_size=2, unique=True
                ),
                st.dictionaries(
                    st.sampled_from(["h", "g"]), st.sampled_from(["1.2.3.4", "::1"]), max_size=2
                ),
            ),
            st.sampled_from([["bad"], ["h:1.2.3.4", "h:1.2.3.4"]]),
        ),
        "dns": f(
            st.one_of(
                st.just("8.8.8.8"), st.lists(st.sampled_from(["1.1.1.1", "9.9.9.9"]), max_size=2)
            ),
            st.lists(odd_scalars, max_size=2),
        ),
        "cap_add": st.lists(st.sampled_from(["NET_ADMIN", "SYS_PTRACE"]), max_size=3),
        "secrets": st.lists(
            f(
                st.one_of(
                    st.sampled_from(["s1", "s2"]),
                    st.fixed_dictionaries(
                        {"source": st.just("s1")},
                        optional={
                            "mode": st.sampled_from([0o440, 288, "0440"]),
                            "target": st.sampled_from(["x", "/run/y"]),
                        },
                    ),
                ),
                st.sampled_from(["nope", {"target": "x"}]),
            ),
            max_size=2,
        ),
        "configs": st.lists(f(st.just("c1"), st.just("nope")), max_size=1),
        "tmpfs": st.one_of(
            st.sampled_from(["/run", "/tmp"]),
            st.lists(
                st.sampled_from(["/run", "/tmp:size=64m", "/cache/"]), max_size=2, unique=True
            ),
        ),
        "sysctls": f(
            st.dictionaries(
                st.sampled_from(["net.core.somaxconn", "kernel.x"]),
                st.one_of(st.integers(0, 9), st.sampled_from(["1", "a"])),
                max_size=2,
            ),
            odd_key_values,
        ),
        "ulimits": f(
            st.dictionaries(
                st.sampled_from(["nofile", "nproc"]),
                st.one_of(
                    st.integers(1, 70000),
                    st.fixed_dictionaries({"soft": st.integers(0, 9), "hard": st.integers(0, 9)}),
                ),
                max_size=1,
            ),
            st.just({"nofile": 1.5}),
        ),
        "logging": f(
            st.fixed_dictionaries(
                {"driver": st.sampled_from(["json-file", "none"])},
                optional={
                    "options": st.dictionaries(
                        st.sampled_from(["max-size", "tag"]),
                        st.one_of(st.integers(0, 9), st.none(), valid_text),
                        max_size=2,
                    )
                },
            ),
            st.just({"options": {"a": True}}),
        ),
        "x-note": odd_scalars,
        **{key: numeric(key, clean) for key in NUMERIC},
        **{key: f(valid_flags, odd_flags) for key in ("attach", "oom_kill_disable", "stdin_open")},
        "use_api_socket": f(yaml_flags, st.one_of(valid_flags, odd_flags)),
        "blkio_config": f(valid_blkio, odd_blkio),
    }
