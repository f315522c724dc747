"""Classes of divergence from Compose, each checked against the Compose binary itself:
paths normalised as Compose does, the port syntax (port 0, host IPs), Compose's typed
numbers, and documents Compose rejects (which must be rejected here too, on one line
naming file, line, field and the fix)."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_oracle import (
    assert_read_as_compose,
    clean_environ,
    compose_config,
    differences,
    ours_and_theirs,
)

from dockdjango.compose import load_project
from dockdjango.errors import SpecError

MOUNTS = [
    "/var/www/:/var/www/html/",
    "/abs//x/./y/../z/:/t1//a/./b/../c/",
    "./rel/:/t2/",
    "./rel/../rel/./:/t4/.",
    "~/foo/:/t5",
    "~user/x:/t5b",
    ".:/t6/",
    "..:/up/",
    "named:/t7/",
    "/t8//",
    "/a/:/b/../..",
    "C:\\\\x:/win/",
    "{type: bind, source: /long/src/, target: /long/target/}",
    "{type: bind, source: ./rel//, target: /long2//x/}",
    "{type: volume, source: named, target: /long3/../x/}",
    "{type: tmpfs, target: /tmp/x/}",
]


def test_paths_are_normalised_as_compose_does(tmp_path: Path, compose_bin: str) -> None:
    """Targets cleaned, absolute sources kept as written, relative and ~ ones resolved."""
    mounts = "".join(f"      - {m}\n" for m in MOUNTS)
    text = (
        "services:\n  web:\n    image: nginx\n    volumes:\n" + mounts + "    build:\n"
        "      context: /abs//ctx/./x/\n      additional_contexts:\n"
        "        a: /abs//x/\n        b: ./a/../b/\n        c: ~/x/\n"
        "    develop:\n      watch:\n        - {path: /abs//w/, action: sync, target: /app//t/}\n"
        "        - {path: ./a/../b/, action: rebuild}\n"
        "  two:\n    image: nginx\n    secrets: [s1, s2]\n    volumes: [v1:/a, v2:/b, v3:/c]\n"
        "secrets:\n  s1: {file: /abs//s/}\n  s2: {file: ./a//../s2}\n"
        "volumes:\n  named: {}\n"
        "  v1: {driver: local, driver_opts: {type: none, o: bind, device: ./a/../dev/}}\n"
        "  v2: {driver_opts: {type: none, o: bind, device: ./a/../dev/}}\n"
        "  v3: {driver: local, driver_opts: {type: none, o: 'ro,bind', device: ./d/}}\n"
    )
    ours, theirs = ours_and_theirs(compose_bin, tmp_path, text)
    assert theirs.accepted and ours is not None, theirs.error
    assert not differences(ours, theirs.output)
    volumes = ours["services"]["web"]["volumes"]
    assert (volumes[0]["source"], volumes[0]["target"]) == ("/var/www/", "/var/www/html")
    assert volumes[1]["source"] == "/abs//x/./y/../z/" and volumes[1]["target"] == "/t1/a/c"


@pytest.mark.parametrize(
    "text",
    [
        # the same container path twice, once the targets are cleaned
        "volumes: [{type: bind, source: ./x, target: /a/}, {type: bind, source: ./y, target: /a}]",
        "volumes: [{type: tmpfs, target: /a}, {type: volume, target: /a/}]",
        "volumes: [/app]\n    tmpfs: [/app]",
    ],
)
def test_two_mounts_on_one_path_are_refused(tmp_path: Path, text: str, compose_bin: str) -> None:
    ours, theirs = ours_and_theirs(
        compose_bin, tmp_path, f"services:\n  web:\n    image: x\n    {text}\n"
    )
    assert ours is None and not theirs.accepted


def test_a_later_short_mount_on_a_target_replaces_the_earlier(
    tmp_path: Path, compose_bin: str
) -> None:
    text = "services:\n  web:\n    image: x\n    volumes: ['./x:/a', './y:/b', './z:/a/']\n"
    ours, theirs = ours_and_theirs(compose_bin, tmp_path, text)
    assert ours is not None and not differences(ours, theirs.output)
    assert [v["target"] for v in ours["services"]["web"]["volumes"]] == ["/a", "/b"]


PORTS_ACCEPTED = [
    "127.0.0.1:0:8000",
    "0:8000",
    "0-1:80-81",
    ":8080:80",
    "[::1]:8080:80",
    "::1:8080:80",
    "::ffff:1.2.3.4:80:80",
    "[1.2.3.4]:80:80",
    "1.2.3.4::80",
    "127.0.0.1:8080-8081:80",
    "8080:80/UDP",
    "8080:80/sctp",
    "8080:80/",
    "08080:080",
    "8000-8010:80",
    "{target: 80, published: ''}",
    "{target: 80.0, host_ip: '::1'}",
    "{target: 80, x-note: kept out}",
]
PORTS_REJECTED = [
    "localhost:18081:80",
    "127.1:18081:80",
    "999.1.1.1:18081:80",
    "010.0.0.1:80:80",
    "fe80::1%eth0:8080:80",
    "8080:80:90",
    "[::1]:80",
    "8080:80/foo",
    "0:0",
    "80:80-81",
    " 80",
    "{target: 80, host_ip: localhost}",
    "{target: 80, host_ip: ''}",
    "{target: 80, published: true}",
]


def _ports_doc(port: str) -> str:
    item = port if port.startswith("{") else f"'{port}'"
    return f"services:\n  web:\n    image: x\n    ports: [{item}]\n"


def test_port_syntax_as_compose_reads_it(tmp_path: Path, compose_bin: str) -> None:
    cases = [(p, _ports_doc(p), True) for p in PORTS_ACCEPTED]
    cases += [(p, _ports_doc(p), False) for p in PORTS_REJECTED]
    assert_read_as_compose(compose_bin, tmp_path, cases)


# Numeric service keys Compose types: what both accept prints the same; what Compose
# rejects is rejected. (Where Compose silently mangles a value, e.g. truncating 1.5 to 1,
# dockdjango refuses it: those are not listed.)
NUMBERS = {
    "cpus": ["1.5", "'0.1'", "1.1234567891", "'+5'", "'05'", "0", "-1", "3e38", "'1e3'"],
    "cpu_shares": ["512", "'-5'", "'+5'", "0", "1e3", "9223372036854775807"],
    "cpu_count": ["'05'", "0", "2"],
    "cpu_percent": ["'1.0'", "100", "0"],
    "scale": ["0", "'0'", "3"],
    "oom_score_adj": ["-1000", "'500'"],
    "pids_limit": ["100", "-1"],
    "mem_limit": ["-5", "'1k'", "'1 KiB'", "'1.5g'", "'1b'", "'1.0'", "0", "'512M'"],
    "mem_swappiness": ["'1e3'", "60", "'1.1234567891'"],
    "shm_size": ["'64m'", "67108864"],
}
NUMBERS_REJECTED = {
    "cpus": ["1e400", "'abc'", "'  2'", "'1k'", "true"],
    "cpu_shares": ["'abc'", "'1.5'", "''", "'1e3'", "'9999999999999999999'"],
    "cpu_count": ["-5", "0.1"],
    "cpu_percent": ["101", "-5", "1.5", "'0.1'"],
    "scale": ["-1", "1.5", "'1e3'", "99999999999999999999"],
    "oom_score_adj": ["1001", "1.5", "99999999999999999999"],
    "mem_limit": ["'-5'", "'1.2.3'", "'abc'"],
    "mem_swappiness": ["0.1", "'  2'"],
}


def test_typed_numbers_as_compose_reads_them(tmp_path: Path, compose_bin: str) -> None:
    def doc(key: str, value: str) -> str:
        return f"services:\n  web:\n    image: x\n    {key}: {value}\n"

    cases = [((k, v), doc(k, v), True) for k, vs in NUMBERS.items() for v in vs]
    cases += [((k, v), doc(k, v), False) for k, vs in NUMBERS_REJECTED.items() for v in vs]
    assert_read_as_compose(compose_bin, tmp_path, cases)


# Values Compose accepts and then mangles (truncates, drops, wraps, or cannot print as
# JSON): refused here, with the fix.
MANGLED = {
    "cpus": [".inf", "4e38"],
    "pids_limit": ["1.5", "99999999999999999999"],
    "mem_limit": ["1.5", "1e3"],
    "cpu_shares": ["0.1"],
}


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in MANGLED.items() for v in vs])
def test_values_compose_would_mangle_are_refused(tmp_path: Path, key: str, value: str) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(f"services:\n  web:\n    image: x\n    {key}: {value}\n")
    with pytest.raises(SpecError) as info:
        load_project([path], environ={})
    assert info.value.path == f"services.web.{key}" and info.value.line == 4


REJECTED = {
    "host IP not an IP": "services:\n  web:\n    image: x\n    ports: ['localhost:18081:80']\n",
    "negative scale": "services:\n  web:\n    image: x\n    scale: -1\n",
    "undefined secret": "services:\n  web:\n    image: x\n    secrets: [nope]\n",
    "undefined config": "services:\n  web:\n    image: x\n    configs: [{source: nope}]\n",
    "undefined build secret": (
        "services:\n  web:\n    image: x\n    build: {context: ., secrets: [nope]}\n"
    ),
    "service name with $": "services:\n  we$$b:\n    image: x\n",
    "volume name with a space": "services:\n  web:\n    image: x\nvolumes:\n  'a b': {}\n",
    "secret with no source": "services:\n  web:\n    image: x\nsecrets:\n  s: {}\n",
    "secret with two sources": (
        "services:\n  web:\n    image: x\nsecrets:\n  s: {file: ./x, environment: X}\n"
    ),
    "config with no source": "services:\n  web:\n    image: x\nconfigs:\n  c: {name: c}\n",
    "dependency name with a space": (
        "services:\n  web:\n    image: x\n    depends_on: {'a b': {condition: service_started}}\n"
    ),
    "network key with $": (
        "services:\n  web:\n    image: x\n    networks: {'a$$b': {}}\nnetworks:\n  'a$$b': {}\n"
    ),
    "cpus out of range": "services:\n  web:\n    image: x\n    cpus: 1e400\n",
    "unquoted date": "services:\n  web:\n    image: 2001-12-14\n",
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_rejected_like_compose_on_one_line(tmp_path: Path, case: str, compose_bin: str) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(REJECTED[case])
    theirs = compose_config(compose_bin, [str(path)], cwd=tmp_path, env=clean_environ())
    assert not theirs.accepted, f"Compose accepts {case}; the table is wrong"
    with pytest.raises(SpecError) as info:
        load_project([path], environ={}, project_name="fid")
    error = info.value
    assert error.file and error.file.endswith("compose.yaml") and error.line, str(error)
    assert error.path and error.hint and "\n" not in str(error) + error.hint, str(error)


def test_files_of_services_off_by_profile_are_not_read(tmp_path: Path, compose_bin: str) -> None:
    """Compose reads ``env_file`` and ``label_file`` of enabled services only: a missing one on
    a service whose profile is off is no error; once the profile is on, it is one."""
    text = (
        "services:\n  web:\n    image: x\n"
        "  engine:\n    image: x\n    profiles: [engine]\n    env_file: dev/.env.dev\n"
        "    label_file: dev/labels\n"
    )
    ours, theirs = ours_and_theirs(compose_bin, tmp_path, text)
    assert theirs.accepted and ours is not None, theirs.error
    assert not differences(ours, theirs.output)
    with pytest.raises(SpecError, match="env file .* not found"):
        load_project([tmp_path / "compose.yaml"], environ={}, profiles=["engine"])
