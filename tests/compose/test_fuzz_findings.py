"""What the fuzz suite found, each class checked against the Compose binary itself:
``command``/``entrypoint`` strings split into words as Compose splits them (``$(...)``,
backquotes, backslashes, parentheses), a line Compose would cut at a shell operator
refused, and the smaller shapes (additional contexts, an empty context, mount options
printed without their zero values, top-level models, `version` a string, the empty profile)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compose_oracle import assert_read_as_compose, ours_and_theirs

from dockdjango.compose import load_project
from dockdjango.compose.schema.shellwords import split_words
from dockdjango.errors import SpecError

# Accepted by Compose; each must print the same words here.
COMMANDS = [
    '[ $$(cli --pass "$${PASSWORD}" ping) = PONG ]',  # the real-world healthcheck
    "echo $$(a b) c",
    "echo a$$(b)c d",
    "echo `a b` c",
    "echo `a (b` c",
    'echo "a `b c` d"',
    "echo $$(a \\) b) c",
    "echo $$(a 'b c) d",
    'echo "a\\b" a\\tb',
    "echo \\a b \\  c",
    "echo 'a\\b' \"\" '' x",
    'a"b\'c"d',
    "echo a#b # c",
    "echo $${a b} c",
    "echo \u00a0x\u2003y",
    "echo a\\;b 'c;d' \"e|f\"",
]
# Rejected by Compose (unbalanced, or a `(` not after `$`): rejected here.
BAD_COMMANDS = [
    "echo (a b)",
    "echo a)b c",
    "echo $$(a (b c) d) e",
    "echo $$((1 + 2))",
    'echo `a "b c` d',
    "echo a\\",
    "echo $$(",
    "echo 'x",
]
# Accepted by Compose, which keeps only what comes before the operator: refused here.
CUT_COMMANDS = ["a; b", "a && b", "a | b c", "cmd 2>/dev/null x", "cmd x >y", "a <in"]


def _doc(key: str, command: str) -> str:
    return f"services:\n  web:\n    image: x\n    {key}: {json.dumps(command)}\n"


def test_commands_split_as_compose_splits_them(tmp_path: Path, compose_bin: str) -> None:
    cases = [((k, c), _doc(k, c), True) for c in COMMANDS for k in ("command", "entrypoint")]
    assert_read_as_compose(compose_bin, tmp_path, cases)


def test_commands_compose_rejects_are_rejected(tmp_path: Path, compose_bin: str) -> None:
    cases = [(c, _doc("command", c), False) for c in BAD_COMMANDS]
    assert_read_as_compose(compose_bin, tmp_path, cases)


@pytest.mark.parametrize("command", CUT_COMMANDS)
def test_a_command_compose_would_cut_is_refused(
    tmp_path: Path, compose_bin: str, command: str
) -> None:
    ours, theirs = ours_and_theirs(compose_bin, tmp_path, _doc("command", command))
    assert theirs.accepted, theirs
    # Compose runs fewer words than were written
    assert len(theirs.output["services"]["web"]["command"]) < len(command.split())
    with pytest.raises(SpecError) as info:
        load_project([tmp_path / "compose.yaml"], environ={}, project_name="fid")
    error = info.value
    assert (error.path, error.line) == ("services.web.command", 4), str(error)
    assert "cut off" in str(error) and error.hint and "sh, -c" in error.hint


def test_the_words_and_where_compose_stops() -> None:
    assert split_words('[ $(cli --pass "${P}" ping) = PONG ]').words == [
        "[",
        '$(cli --pass "${P}" ping)',
        "=",
        "PONG",
        "]",
    ]
    assert split_words("run 2>/dev/null").words == ["run"]
    assert split_words("run 2>/dev/null").cut_at == 5
    assert split_words("a\tb\nc").cut_at is None


# Small shapes: (document, whether Compose accepts it). Accepted ones print the same.
SHAPES = [
    ("services:\n  web:\n    build: {context: ., additional_contexts: {a: 1}}\n", False),
    ("services:\n  web:\n    build: {context: ., additional_contexts: ['a=./x']}\n", True),
    (
        "services:\n  web:\n    build: {context: ., additional_contexts: {a: 'service:no'}}\n",
        False,
    ),
    (
        "services:\n  web:\n    build: {context: ., additional_contexts: {a: 'service:db'}}\n"
        "  db:\n    image: x\n",
        False,
    ),
    (
        "services:\n  web:\n    build: {context: ., additional_contexts: {a: 'service:db'}}\n"
        "  db:\n    build: .\n",
        True,
    ),
    ("services:\n  web:\n    image: x\n    build: {context: ''}\n", True),
    *(
        (f"services:\n  web:\n    build: {{context: ., {build}}}\n", ok)
        for build, ok in [
            ("entitlements: [network.host], isolation: default", True),
            ("entitlements: network.host", False),
            ("entitlements: [1]", False),
            ("isolation: 1", False),
        ]
    ),
    (
        "services:\n  web:\n    image: x\n    volumes: [{type: bind, source: /a, target: /b, "
        "bind: {create_host_path: false, propagation: rprivate}}]\n",
        True,
    ),
    (
        "services:\n  web:\n    image: x\n    volumes: [{type: volume, source: v, target: /b, "
        "volume: {nocopy: false}}]\nvolumes: {v: {}}\n",
        True,
    ),
    (
        "services:\n  web:\n    image: x\n    volumes: [{type: tmpfs, target: /b, "
        "tmpfs: {size: 0, mode: 0}}, {type: tmpfs, target: /c, tmpfs: {size: 1k, mode: 0o777}}]\n",
        True,
    ),
    ("services:\n  web:\n    image: x\n    blkio_config: {weight: abc}\n", False),
    # blkio_config: rates are sizes printed as bytes; a device in full; nothing empty
    *(
        (f"services:\n  web:\n    image: x\n    blkio_config: {blkio}\n", ok)
        for blkio, ok in [
            (
                "{weight: 10, weight_device: [{path: /dev/sda, weight: 20}, {path: /dev/sdb}], "
                "device_read_bps: [{path: /dev/sda, rate: 1mb}, {rate: 1024}], "
                "device_write_iops: [{path: /dev/sda, rate: '30'}]}",
                True,
            ),
            ("{weight: 0, device_read_bps: [], device_write_bps: [{path: /a, rate: 1.5k}]}", True),
            ("{weight: '10'}", False),
            ("{weight: -1}", False),
            ("{weight_device: [{path: /a, weight: '5'}]}", False),
            ("{device_read_bps: [{path: /a, rate: ''}]}", False),
        ]
    ),
    # ports: one mapping per host IP, host port (a number, text and "" differ), container
    # port and protocol; a later one replaces an earlier one in its place
    (
        "services:\n  web:\n    image: x\n    ports:\n"
        + "".join(
            f"    - {port}\n"
            for port in [
                "80",
                "{target: 80, mode: host}",
                "'82'",
                "{target: 82, published: '8082'}",
                "'8082:82'",
                "{target: 82, published: 8082, host_ip: 0.0.0.0, name: x}",
                "{target: 82, published: 8082, mode: host}",
                "'127.0.0.1:90:90'",
                "'90:90'",
                "'0.0.0.0:90:90/udp'",
                "'90:90/udp'",
                "{target: 90, published: '90', protocol: UDP}",
                "'8000-8001:9000-9001'",
                "'8001:9001'",
                "83",
                "{target: 83, published: ''}",  # "" is not the same as left out
                "{target: 83, published: '', mode: host}",
            ]
        ),
        True,
    ),
    # volumes: a later mount replaces an earlier one on the same target as written, then
    # on the same target once the short syntax is cleaned; two left on one path: refused
    *(
        (f"services:\n  web:\n    image: x\n    volumes: {mounts}\nvolumes: {{data: {{}}}}\n", ok)
        for mounts, ok in [
            ("[/app, /app/, {type: volume, target: /app}]", True),
            ("[/app/, {type: volume, target: /app}]", True),
            ("[data:/app/, /app]", True),
            ("[/app/, {type: volume, source: data, target: /app}]", True),
            ("[{type: volume, source: data, target: /app/}, {type: volume, target: /app}]", False),
            ("[./a:/app/, data:/app, /app//, {type: bind, source: ./b, target: /app/}]", False),
        ]
    ),
    # secrets and configs: `external` is a boolean Compose prints as one (left out if false)
    *(
        (f"services:\n  web:\n    image: x\n{kind}:\n  s: {{file: ./s, external: {v}}}\n", True)
        for kind in ("secrets", "configs")
        for v in ("yes", "'no'", "'TRUE'")
    ),
    *((f"version: {v}\nservices:\n  web:\n    image: x\n", False) for v in ("null", "3.8", "3")),
    ("version: '3.8'\nservices:\n  web:\n    image: x\n", True),
    ("version: '3.8'\n", False),  # only `version`: Compose's "empty compose file"
    ("services:\n  web:\n    image: x\n    deploy: {resources: null}\n", False),
    ("services:\n  web:\n    provider: {type: foo, options: {a: 80.0, b: [1e3, true]}}\n", True),
    ("services:\n  web:\n    provider: {type: null}\n", False),
    ("version: '3.8'\nx-a: 1\n", True),
    (
        "services:\n  web:\n    image: x\n    develop: {watch: [{path: ./a, action: sync, "
        "target: /a, ignore: [], include: x}]}\n",
        True,
    ),
    *(
        (f"services:\n  web:\n    image: x\n    develop: {{watch: {watch}}}\n", ok)
        for watch, ok in [
            ("[]", True),  # printed as no watch
            ("null", False),
            ("[{path: ., target: /a, action: sync+exec, exec: {}}]", False),  # no command
            ("[{path: ., target: /a, action: sync+exec, exec: {command: ls}}]", True),
            ("[{path: '', target: /a, action: sync}]", False),
            ("[{path: ., target: /a, action: sync+exec, exec: null}]", False),
        ]
    ),
    ("services:\n  web:\n    image: x\n  t:\n    image: y\n    profiles: ['']\n", True),
    *(
        (f"services:\n  web:\n    image: x\n    models: [m]\nmodels:\n  m: {model}\n", ok)
        for model, ok in [
            ("null", False),
            ("{}", False),
            ("ai/x", False),
            ("{model: 1}", False),
            ("{model: ai/x, size: 1}", False),
            ("{model: ai/x, context_size: '10'}", False),
            ("{model: ai/x, runtime_flags: null}", False),
            ("{model: ai/x, context_size: 10, runtime_flags: [a], x-a: null}", True),
        ]
    ),
    # a secret or config reference: Compose's schema allows its five keys (and x-) only
    *(
        (
            f"services:\n  web:\n    image: x\n    {where}:\n    - {{source: s, {extra}}}\n"
            f"{where}:\n  s:\n    file: ./s.txt\n",
            ok,
        )
        for where in ("secrets", "configs")
        for extra, ok in [("arget: /x", False), ("uid: '1', mode: 0o440", True)]
    ),
]


def test_build_and_mount_shapes_as_compose_reads_them(tmp_path: Path, compose_bin: str) -> None:
    assert_read_as_compose(compose_bin, tmp_path, [(doc, doc, ok) for doc, ok in SHAPES])


@pytest.mark.parametrize(
    ("blkio", "compose_prints"),
    [("{weight: 70000}", {"weight": 4464}), ("{device_read_bps: [{path: /a, rate: 1.0}]}", None)],
)
def test_a_block_io_value_compose_would_mangle_is_refused(
    tmp_path: Path, compose_bin: str, blkio: str, compose_prints: object
) -> None:
    text = f"services:\n  web:\n    image: x\n    blkio_config: {blkio}\n"
    ours, theirs = ours_and_theirs(compose_bin, tmp_path, text)
    assert theirs.accepted and ours is None, theirs
    printed = theirs.output["services"]["web"]["blkio_config"]
    if compose_prints is not None:
        assert printed == compose_prints  # 70000 wraps around a 16-bit weight
    else:
        assert printed["device_read_bps"][0]["rate"] == "0"  # 1.0 is read as 0
    with pytest.raises(SpecError) as info:
        load_project([tmp_path / "compose.yaml"], environ={}, project_name="fid")
    assert info.value.line == 4 and "services.web.blkio_config" in str(info.value.path)


def test_an_error_on_a_value_with_control_characters_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text('services:\n  web:\n    image: x\n    command: ")\\r\\n\\t"\n')
    with pytest.raises(SpecError) as info:
        load_project([path], environ={}, project_name="fid")
    assert "\n" not in str(info.value) and "\r" not in str(info.value), str(info.value)
    assert '")\\r\\n\\t"' in str(info.value)
