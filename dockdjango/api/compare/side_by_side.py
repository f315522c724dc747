"""Set a project up two ways — a virtualenv on the host, an image on the engine — and measure.

Every figure in a :class:`~dockdjango.images.comparison.Comparison` is measured on this
machine when :func:`compare_project` runs: wall-clock set-up times (cold: empty pip cache /
no layer cache; warm: the same again with the caches filled), the venv's size on disk and
the image's size, what the environment's own interpreter reports about itself, and the
project's test suite run in each.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockdjango.api.compare.compare_common import (
    Log,
    _count_freeze,
    _last_json,
    _quiet,
    dir_size,
)
from dockdjango.compose import find_compose_files, load_project
from dockdjango.errors import DockdjangoError
from dockdjango.images import comparison as plan
from dockdjango.images.comparison import Comparison, Side, table_rows

__all__ = [
    "Comparison",
    "Side",
    "compare_project",
    "default_project",
    "dir_size",
    "measure_image",
    "table_rows",
]

if TYPE_CHECKING:
    import docker

    from dockdjango.detection.detect import SourceProject

#: Label on the images ``compare`` builds, so they can be found (and removed) later.
LABEL = "dev.dockdjango.compare"


def default_project() -> Path:
    """``examples/library`` of this checkout (or of the working directory)."""
    here = Path(__file__).resolve().parents[2] / "examples" / "library"
    return here if here.is_dir() else Path("examples/library")


def compare_project(
    project_dir: str | os.PathLike[str] | None = None,
    *,
    client: docker.DockerClient | None = None,
    python: str | None = None,
    tag: str | None = None,
    base: str | None = None,
    run_tests: bool = True,
    log: Log = _quiet,
    cold: bool = True,
) -> Comparison:
    """Measure ``project_dir`` (default: the Library example) as a venv and as an image.

    The image is left in the engine under ``tag`` (default ``dockdjango-compare/<dir>``) so
    a second run's warm build can reuse it; the virtualenvs live in a temporary directory
    that is removed before this returns. ``cold=False`` measures only the warm set-up (no
    build without cache, one venv install with a fresh pip cache). Where the virtualenv
    cannot set the project up (a Python the host lacks, a failed install), its side says
    why (:mod:`dockdjango.api.compare.compare_venv`) instead of failing.
    """
    from dockdjango.api.images.base_image import ensure_base_image
    from dockdjango.api.images.detect_here import detect_project
    from dockdjango.engine.client import connect

    project = Path(project_dir) if project_dir is not None else default_project()
    project = project.resolve()
    client = client or connect()
    found = detect_project(project, client=client, create=True)
    base_ref = base or ensure_base_image(client).ref
    tag = tag or f"dockdjango-compare/{_slug(project.name)}:latest"
    venv, requirements_text = _venv_side(
        project, found, python=python, run_tests=run_tests, log=log, cold=cold
    )
    docker_side, image_id, base_bytes = measure_image(
        client, project, base=base_ref, tag=tag, run_tests=run_tests, log=log, cold=cold
    )
    if found.services.database is not None and not docker_side.postgres.startswith("yes"):
        docker_side.postgres = (
            f"{found.services.database.image} as a service (`dockdjango up` starts it; "
            "the suite was not run here)"
        )
    return Comparison(
        project=str(project),
        requirements=requirements_text,
        venv=venv,
        docker=docker_side,
        image=tag,
        image_id=image_id,
        base_image=base_ref,
        base_bytes=base_bytes,
    )


def _venv_side(
    project: Path,
    found: SourceProject,
    *,
    python: str | None,
    run_tests: bool,
    log: Log,
    cold: bool,
) -> tuple[Side, str]:
    """The virtualenv side, set up from the requirements the image installs (written to a
    temporary directory, removed here), and the text of those requirements."""
    from dockdjango.api.compare.compare_venv import measure_venv, venv_requirements

    with tempfile.TemporaryDirectory(prefix="dockdjango-compare-reqs-") as tmp:
        requirements = venv_requirements(project, found, Path(tmp))
        venv = measure_venv(
            project,
            python=python or sys.executable,
            run_tests=run_tests,
            log=log,
            requirements=requirements,
            detected=found,
            cold=cold,
        )
        return venv, requirements.read_text()


def measure_image(
    client: docker.DockerClient,
    project: Path,
    *,
    base: str,
    tag: str,
    run_tests: bool = True,
    log: Log = _quiet,
    cold: bool = True,
) -> tuple[Side, str, int]:
    """Build the project's image as ``dockdjango build`` does, twice, and start a container.

    Cold: no layer cache (``--no-cache``; BuildKit's cache mounts, which hold downloaded
    wheels, stay as they are). Warm: the same build again, with the steps the cold build
    left. Both use a private build-record directory, so the user's own records are neither
    used nor changed. Returns the side, the image id and the
    size of the image the Dockerfile starts from (``base`` when it cannot be told).
    """
    from dockdjango.engine.project.oneoff import image_size, remove_image_quietly, run_once

    side = Side(name="docker")
    labels = {LABEL: "1"}
    old_id = _image_id(client, tag)
    generate = _unbuildable_dockerfile(client, project, side)
    image_id, from_image, made = _timed_builds(
        client, project, tag, labels, side, cold=cold, generate=generate, log=log
    )
    # The cold build made fresh images; the ones it replaced, and the intermediate stages
    # (which only the build cache needed), are ours and unused. Tagged or in-use images are
    # refused by the engine and stay.
    for ref in [*reversed(made), old_id]:
        if ref and ref != image_id:
            remove_image_quietly(client, ref, force=False)
    side.disk_bytes = image_size(client, tag)
    freeze = run_once(client, tag, ["python", "-m", "pip", "freeze"], labels=labels)
    side.packages = _count_freeze(freeze.output)
    _image_suite(client, project, tag, labels, side, run_tests=run_tests, log=log)
    short = image_id.removeprefix("sha256:")[:12]
    side.reproducible = f"image {short} (save/push it; same bytes anywhere)"
    return side, image_id, _base_size(client, from_image or base, base)


def _timed_builds(
    client: docker.DockerClient,
    project: Path,
    tag: str,
    labels: dict[str, str],
    side: Side,
    *,
    cold: bool,
    generate: bool,
    log: Log,
) -> tuple[str, str | None, list[str]]:
    """The cold (no layer cache) and warm builds, each with a container start, timed onto
    ``side``: (the image id, the image the Dockerfile starts from, the images the cold
    build made that only its cache needs)."""
    from dockdjango.api.images.project_images import build_project
    from dockdjango.engine.project.oneoff import run_once

    image_id, from_image = "", None
    made: list[str] = []
    rounds = (("cold", True), ("warm", False)) if cold else (("warm", False),)
    with tempfile.TemporaryDirectory(prefix="dockdjango-compare-cache-") as cache:
        for label, nocache in rounds:
            how = "without layer or wheel cache" if nocache else "with the caches"
            log(f"docker ({label}): dockdjango build {how} + container start")
            started = time.monotonic()
            with _private_cache(cache):
                built = build_project(
                    project,
                    tag=tag,
                    client=client,
                    labels=labels,
                    nocache=nocache,
                    log=log,
                    generate=generate,
                )
            image_id = built.image_id
            probe = run_once(client, tag, ["python", "-c", plan.PROBE], labels=labels)
            if probe.exit_code != 0:
                raise DockdjangoError(f"the probe failed in {tag}: {probe.output.strip()[-300:]}")
            seconds = round(time.monotonic() - started, 3)
            if label == "cold" or not cold:
                side.setup_cold_s = seconds if label == "cold" else side.setup_cold_s
                side.probe = _last_json(probe.output)
                made = [image_id]  # BuildKit keeps its intermediate results in its cache
                from_image = _from_image(built.predicted)
            if label == "warm":
                side.setup_warm_s = seconds
    return image_id, from_image, made


def _image_suite(
    client: docker.DockerClient,
    project: Path,
    tag: str,
    labels: dict[str, str],
    side: Side,
    *,
    run_tests: bool,
    log: Log,
) -> None:
    """The project's test suite in the image (on PostgreSQL when its compose file has
    one), or what would have run, onto ``side``."""
    from dockdjango.engine.project.oneoff import run_once

    service = _postgres_service(project)
    side.postgres = f"no PostgreSQL service in {service[1]}" if service[1] else "no compose file"
    if run_tests and service[0]:
        side.tests, side.postgres = _suite_on_postgres(client, project, tag, labels, service, log)
    elif run_tests:
        log("docker: running the test suite in a container (SQLite)")
        command = plan.suite_command(project)
        ran = run_once(client, tag, command, labels=labels, timeout=900)
        side.tests = plan.parse_test_output(ran.output, ran.exit_code)
        side.tests.database = "SQLite"
    elif service[0]:
        side.postgres = f"service `{service[0]}` in {service[1]} (not started: --no-tests)"


def _base_size(client: docker.DockerClient, resolved: str, given: str) -> int:
    """The size of the image the build started from: the plan's resolution when the engine
    knows it by that name, else the base dockdjango was given; 0 when neither is there."""
    from dockdjango.engine.project.oneoff import image_size
    from dockdjango.errors import EngineError

    for ref in (resolved, given):
        try:
            return image_size(client, ref)
        except EngineError:
            continue
    return 0


def _unbuildable_dockerfile(client: docker.DockerClient, project: Path, side: Side) -> bool:
    """True (and a note) when the project's own Dockerfile starts FROM an image that cannot
    be had here: the image side is then built from the generated Dockerfile."""
    from dockdjango.api.images.basecheck import check_bases
    from dockdjango.errors import BuildError

    if not (project / "Dockerfile").is_file():
        return False
    try:
        check_bases(client, project, "Dockerfile")
    except BuildError as exc:
        side.notes.append(f"built from the generated Dockerfile: {exc.message}")
        return True
    return False


@contextlib.contextmanager
def _private_cache(path: str) -> Iterator[None]:
    """Point dockdjango's caches (wheels, build records) at ``path`` for the block.

    The cache location is read from ``DOCKDJANGO_CACHE`` when it is used; setting it here is
    the only way to measure a cold build without emptying the user's real cache.
    """
    saved = os.environ.get("DOCKDJANGO_CACHE")
    os.environ["DOCKDJANGO_CACHE"] = path
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DOCKDJANGO_CACHE", None)
        else:
            os.environ["DOCKDJANGO_CACHE"] = saved


def _from_image(predicted: Sequence[Any]) -> str:
    """The image the final stage starts from, as the Dockerfile names it (after its ARGs).

    The plan's ``base`` is a digest of the image's layers (how BuildKit keys it), not
    something the engine can look up, so the name is taken from the expanded FROM line.
    """
    froms = [p.step for p in predicted if p.step.keyword == "FROM" and p.step.base]
    real = [s.expanded.split()[0] for s in froms if not str(s.base).startswith("stage:")]
    return real[-1] if real else ""


def _image_id(client: docker.DockerClient, ref: str) -> str:
    from dockdjango.engine.image_store import inspect_image

    data = inspect_image(client, ref)
    return str(data["Id"]) if data else ""


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name.lower()) or "project"


def _postgres_service(project: Path) -> tuple[str, str]:
    """(PostgreSQL service name or "", compose file name or "") from the project's compose
    files, found and loaded as Compose would (override file and profiles included)."""
    try:
        files = find_compose_files(project, parents=False)
    except DockdjangoError:
        return "", ""
    loaded = load_project(files)
    for name, svc in {**loaded.services, **loaded.disabled_services}.items():
        if "postgres" in json.dumps(svc.to_compose_dict()).lower():
            return name, Path(files[0]).name
    return "", Path(files[0]).name


def _suite_on_postgres(
    client: docker.DockerClient,
    project: Path,
    tag: str,
    labels: dict[str, str],
    service: tuple[str, str],
    log: Log,
) -> tuple[plan.SuiteOutcome, str]:
    """Run the suite in a container whose ``DATABASE_URL`` is a real, throw-away PostgreSQL."""
    from dockdjango.api.stack.postgres import resolve_postgres_image
    from dockdjango.api.testing import TestSession, start_postgres
    from dockdjango.engine.project.oneoff import run_once

    choice = resolve_postgres_image(client, log=log)
    log(f"docker: running the test suite in a container (PostgreSQL {choice.version})")
    with TestSession(client) as session:
        server = start_postgres(session, choice.ref, user="compare", password="compare")
        # Both containers are on the engine's default bridge: reach the server by its address.
        ip = server.container.inspect()["NetworkSettings"]["IPAddress"]
        url = f"postgres://compare:compare@{ip}:5432/{server.dbname}"
        ran = run_once(
            client,
            tag,
            plan.suite_command(project),
            environment={"DATABASE_URL": url},
            labels=labels,
            timeout=900,
        )
    outcome = plan.parse_test_output(ran.output, ran.exit_code)
    outcome.database = f"PostgreSQL {choice.version}"
    where = f"service `{service[0]}` in {service[1]}"
    return outcome, f"yes: PostgreSQL {choice.version} ({where}); the suite ran on it"
