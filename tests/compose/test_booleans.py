"""Every boolean key Compose knows, read as Compose reads it (checked against its binary).

Compose's schema takes a boolean or text for most of them, and casts the text the way
YAML 1.1 reads a word: ``true``/``false``, ``yes``/``no``, ``y``/``n``, ``on``/``off``, in
any case (so ``${FLAG}`` may give any of those). Not ``0``/``1`` (as numbers or text), not
``""`` and not a word with spaces around it. Three keys take a YAML boolean alone, no text
and no variable: ``use_api_socket``, ``depends_on.*.required``,
``develop.watch[].initial_sync``. A value Compose reads is printed as Compose prints it (a
boolean; left out where Compose leaves a false one out).
"""

from __future__ import annotations

from pathlib import Path

from compose_oracle import assert_read_as_compose

_SERVICE = "services:\n  web:\n    image: x\n"
_DB = "  db:\n    image: x\n"

# Each boolean key as a document, with {v} where the value goes.
CAST_KEYS = {
    **{
        key: _SERVICE + f"    {key}: {{v}}\n"
        for key in (
            "attach",
            "init",
            "oom_kill_disable",
            "privileged",
            "read_only",
            "stdin_open",
            "tty",
        )
    },  # fmt: skip
    **{
        f"build.{key}": f"services:\n  web:\n    build: {{{{context: ., {key}: {{v}}}}}}\n"
        for key in ("no_cache", "pull", "privileged")
    },
    "depends_on.restart": _SERVICE
    + "    depends_on: {{db: {{condition: service_started, restart: {v}}}}}\n"
    + _DB,
    "volumes.read_only": _SERVICE
    + "    volumes: [{{type: bind, source: /a, target: /b, read_only: {v}}}]\n",
    "volumes.bind.create_host_path": _SERVICE
    + "    volumes: [{{type: bind, source: /a, target: /b, bind: {{create_host_path: {v}}}}}]\n",
    "volumes.volume.nocopy": _SERVICE
    + "    volumes: [{{type: volume, source: v, target: /b, volume: {{nocopy: {v}}}}}]\n"
    + "volumes: {{v: {{}}}}\n",
    "healthcheck.disable": _SERVICE + "    healthcheck: {{disable: {v}}}\n",
    "post_start.privileged": _SERVICE + "    post_start: [{{command: ls, privileged: {v}}}]\n",
    "env_file.required": _SERVICE + "    env_file: [{{path: ./e.env, required: {v}}}]\n",
    **{
        f"networks.{key}": _SERVICE + f"networks:\n  n: {{{{{key}: {{v}}}}}}\n"
        for key in ("internal", "attachable", "enable_ipv4", "enable_ipv6", "external")
    },
    "volumes.external": _SERVICE + "volumes:\n  v: {{external: {v}}}\n",
    "secrets.external": _SERVICE + "secrets:\n  s: {{file: ./e.env, external: {v}}}\n",
    "configs.external": _SERVICE + "configs:\n  c: {{file: ./e.env, external: {v}}}\n",
}
YAML_ONLY_KEYS = {
    "use_api_socket": _SERVICE + "    use_api_socket: {v}\n",
    "depends_on.required": _SERVICE
    + "    depends_on: {{db: {{condition: service_started, required: {v}}}}}\n"
    + _DB,
    "develop.watch.initial_sync": _SERVICE
    + "    develop: {{watch: [{{action: sync, path: ./a, target: /a, initial_sync: {v}}}]}}\n",
}

BOOLEANS = ["true", "FALSE"]
WORDS = ["tRUE", "'No'", "on", "y", "'${FLAG}'"]  # a few of each kind, to keep it quick
NOT_BOOLEANS = ["''", "'0'", "1", "'  true'"]


def _cases(
    keys: dict[str, str], values: list[str], accepted: bool
) -> list[tuple[object, str, bool]]:
    return [((key, v), doc.format(v=v), accepted) for key, doc in keys.items() for v in values]


def test_every_boolean_key_reads_as_compose_reads_it(tmp_path: Path, compose_bin: str) -> None:
    cases = [
        *_cases(CAST_KEYS, BOOLEANS + WORDS, True),
        *_cases(CAST_KEYS, NOT_BOOLEANS, False),
        *_cases(YAML_ONLY_KEYS, BOOLEANS, True),
        *_cases(YAML_ONLY_KEYS, ["yes", "'true'", "'${FLAG}'", "0"], False),
    ]
    for i in range(len(cases)):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "e.env").write_text("A=1\n")
    assert_read_as_compose(compose_bin, tmp_path, cases, env={"FLAG": "true", "EMPTY": ""})


# provenance and sbom: text or a boolean, printed as text; "" as if unset; no numbers.
BUILD_ATTESTATIONS = [
    (f"services:\n  web:\n    build: {{context: ., {key}: {value}}}\n", ok)
    for key in ("provenance", "sbom")
    for value, ok in [
        ("true", True),
        ("False", True),
        ("mode=max", True),
        ("''", True),
        ("1", False),
        ("1.5", False),
    ]  # fmt: skip
]


def test_build_attestations_read_as_compose_reads_them(tmp_path: Path, compose_bin: str) -> None:
    assert_read_as_compose(compose_bin, tmp_path, [(d, d, ok) for d, ok in BUILD_ATTESTATIONS])
