"""Real builds on BuildKit: the cache facts dockdjango relies on, and `explain` agreeing with
BuildKit's own ``cached`` flags step by step.

Each test builds a copy of a small sample project carrying a unique token (in its
requirements file and its source), so its cache keys are its own even with other builds
running in parallel; it removes the image it tagged when it ends and every image an
earlier build of it left untagged (BuildKit keeps no intermediate images, only cache records
it garbage-collects itself).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockdjango.api.images.project_images import (
    GENERATED_DOCKERFILE,
    build_project,
    explain_project,
)
from dockdjango.errors import BuildError
from dockdjango.images.dockerfile import DockerfileOptions
from dockdjango.images.explain import record_path

pytestmark = pytest.mark.engine

DATA = Path(__file__).parent / "data"


class Builds:
    """Builds of one project copy; removes its image and build records at the end."""

    def __init__(self, engine, root: Path, tag: str, base: str) -> None:
        self.engine = engine
        self.root = root
        self.tag = tag
        self.base = base
        self.options = DockerfileOptions(base_image=base)
        self.images: list[str] = []

    def build(self, **kw):
        kw.setdefault("options", self.options)
        result = build_project(self.root, tag=self.tag, client=self.engine, **kw)
        self.images.append(result.image_id)  # untagged once the next build takes the tag
        return result

    def explain(self, **kw):
        kw.setdefault("options", self.options)
        return explain_project(self.root, client=self.engine, **kw)

    def cleanup(self) -> None:
        for ref in [self.tag, *reversed(dict.fromkeys(self.images))]:
            try:
                self.engine.api.remove_image(ref, force=True, noprune=True)
            except Exception:  # already gone, or the same image as the tag
                pass
        for name in (GENERATED_DOCKERFILE, "Dockerfile"):
            record_path(self.root, name, None).unlink(missing_ok=True)


@pytest.fixture
def sample(tmp_path: Path, engine, build_base: str, unique_name: str) -> Iterator[Builds]:
    root = tmp_path / "sample"
    shutil.copytree(DATA / "sample", root)
    token = uuid.uuid4().hex
    with open(root / "requirements.txt", "a") as fh:
        fh.write(f"# test token {token}\n")
    with open(root / "greet" / "__init__.py", "a") as fh:
        fh.write(f"# test token {token}\n")
    builds = Builds(engine, root, f"{unique_name}:latest", build_base)
    try:
        yield builds
    finally:
        builds.cleanup()


def rebuilt(result) -> list[str]:
    return [
        p.step.text.split("\n")[0]
        for p in result.predicted
        if p.step.has_layer and (s := result.engine_step(p)) is not None and not s.cached
    ]


def assert_prediction_holds(explained, result) -> None:
    """The plan made before the build (explain) and BuildKit's report agree per step."""
    assert result.mismatches() == []
    assert [(p.step.index, p.step.text) for p in explained] == [
        (p.step.index, p.step.text) for p in result.predicted
    ]
    for p in explained:
        if p.step.has_layer:
            step = result.engine_step(p)
            assert step is not None, p.step.text
            assert step.cached == p.reused, (p.step.index, p.step.text, p.cause)


def run(engine, image: str, *cmd: str) -> str:
    """The command's output in a container of ``image``. Started detached and waited for
    with a bound: Podman 4.3 can leave an attached run's stream open after an auto-removed
    container has exited, which would hang the run for good."""
    container = engine.containers.run(image, list(cmd), detach=True)
    try:
        container.wait(timeout=120)
        return container.logs(stdout=True, stderr=True).decode().strip()
    finally:
        container.remove(force=True, v=True)


def test_cache_facts_and_explain_match_buildkit(sample: Builds, engine) -> None:
    cold = sample.build()
    assert cold.mismatches() == []
    assert "hello from the sample six 1.16.0" in run(engine, sample.tag, "python3", "app.py")
    # non-root, /app writable by the app user, no proxy CA in the final image's environment
    assert run(engine, sample.tag, "id", "-u") == "10001"
    listing = run(engine, sample.tag, "sh", "-c", "ls -A /app; touch /app/db.sqlite3 && echo w")
    assert listing.split() == [GENERATED_DOCKERFILE, "app.py", "greet", "requirements.txt", "w"]
    assert "SSL_CERT_FILE" not in run(engine, sample.tag, "env")

    # 1. nothing changed: every step reused, as predicted, and the same image
    explained = sample.explain()
    assert all(p.reused for p in explained), [(p.step.text, p.cause) for p in explained if p.first]
    again = sample.build()
    assert_prediction_holds(explained, again)
    assert rebuilt(again) == []
    assert again.image_id == cold.image_id

    # 2. a modification time is not part of BuildKit's key; a file mode is
    os.utime(sample.root / "app.py", (1_000_000, 1_000_000))
    explained = sample.explain()
    touched = sample.build()
    assert_prediction_holds(explained, touched)
    assert rebuilt(touched) == []
    os.chmod(sample.root / "app.py", 0o755)
    explained = sample.explain()
    first = next(p for p in explained if p.first)
    assert (first.step.text, first.cause) == ("COPY --chown=app:app . /app", "app.py modified")
    assert_prediction_holds(explained, sample.build())

    # 3. a source edit rebuilds only the source copy
    with open(sample.root / "greet" / "__init__.py", "a") as fh:
        fh.write("# edited\n")
    explained = sample.explain()
    first = next(p for p in explained if p.first)
    assert first.cause == "greet/__init__.py modified"
    edited = sample.build()
    assert_prediction_holds(explained, edited)
    assert rebuilt(edited) == ["COPY --chown=app:app . /app"]

    # 4. a new requirement reruns the install (and what follows) only
    with open(sample.root / "requirements.txt", "a") as fh:
        fh.write("idna==3.7\n")
    explained = sample.explain()
    first = next(p for p in explained if p.first)
    assert "uv pip install" in first.step.text and first.cause == "requirements.txt modified"
    added = sample.build()
    assert_prediction_holds(explained, added)
    assert [line.split()[0] for line in rebuilt(added)] == ["RUN", "COPY"]
    assert (
        run(engine, sample.tag, "python3", "-c", "import idna, six; print(idna.__version__)")
        == "3.7"
    )

    # 5. offline, with every wheel in the cache mount: the same install needs no network
    with open(sample.root / "requirements.txt", "a") as fh:
        fh.write("# offline rebuild\n")
    offline = sample.build(offline=True)
    assert offline.mismatches() == []
    assert any("uv pip install" in line for line in rebuilt(offline))


def test_offline_names_the_wheel_the_cache_lacks(sample: Builds) -> None:
    missing = f"dockdjango-nonexistent-{uuid.uuid4().hex[:6]}"
    with open(sample.root / "requirements.txt", "a") as fh:
        fh.write(f"{missing}==1.0\n")
    with pytest.raises(BuildError) as info:
        sample.build(offline=True)
    assert missing in str(info.value) and "offline" in str(info.value)


def test_build_arg_change_is_predicted(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base}\n"
        f"RUN echo {uuid.uuid4().hex} > /token\n"  # this test's own cache keys
        "ARG FLAVOR=plain\n"
        "ENV LANG=C.UTF-8\n"
        "RUN echo $FLAVOR > /flavor\n"
        "COPY greet /greet\n"
    )
    labels = {"org.dockdjango.test": sample.tag}
    sample.build(labels=labels)
    explained = sample.explain(buildargs={"FLAVOR": "fancy"}, labels=labels)
    first = next(p for p in explained if p.first)
    assert first.step.text == "RUN echo $FLAVOR > /flavor"
    assert first.cause == "build arg changed: FLAVOR 'plain' -> 'fancy'"
    result = sample.build(buildargs={"FLAVOR": "fancy"}, labels=labels)
    assert_prediction_holds(explained, result)
    assert rebuilt(result) == ["RUN echo $FLAVOR > /flavor", "COPY greet /greet"]


def test_cache_and_bind_mounts_in_a_users_dockerfile(sample: Builds, engine) -> None:
    token = uuid.uuid4().hex
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base} AS tools\n"
        f"RUN echo tool-{token} > /tool\n"
        f"FROM {sample.base}\n"
        f"RUN --mount=type=cache,target=/cache,id=ddtest-{token} echo kept > /cache/x\n"
        f"RUN --mount=type=cache,target=/cache,id=ddtest-{token} "
        "--mount=type=bind,source=requirements.txt,target=/tmp/req.txt "
        "--mount=type=bind,from=tools,source=/tool,target=/tmp/tool "
        "cat /cache/x /tmp/tool > /seen && grep -c six /tmp/req.txt >> /seen\n"
        'CMD ["cat", "/seen"]\n'
    )
    first = sample.build()
    assert run(engine, sample.tag).split() == ["kept", f"tool-{token}", "1"]
    assert first.mismatches() == []
    # a bind-mounted file is part of the step's key: editing it reruns the step
    with open(sample.root / "requirements.txt", "a") as fh:
        fh.write("# bound\n")
    explained = sample.explain()
    edited = sample.build()
    assert_prediction_holds(explained, edited)
    assert len(rebuilt(edited)) == 1 and "--mount=type=bind" in rebuilt(edited)[0]


@pytest.mark.matrix
def test_a_failing_step_is_named_with_its_last_lines(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base}\nRUN echo first-line && echo boom-line && exit 3\n"
    )
    with pytest.raises(BuildError) as info:
        sample.build()
    err = info.value
    assert "[2/2]" in str(err) and "exit code: 3" in str(err) and "exit 3" in (err.step or "")
    assert any("boom-line" in line for line in err.output)


def test_what_the_builtin_frontend_lacks_is_named_before_building(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base}\nRUN <<EOT\necho hi\nEOT\nHEALTHCHECK CMD true\n"
    )
    with pytest.raises(BuildError, match=r"Dockerfile:2: a heredoc .*Engine 23\.0 or newer"):
        sample.build()
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base}\nRUN --mount=type=secret,id=token cat /run/secrets/token\n"
    )
    with pytest.raises(BuildError, match=r"Dockerfile:2: RUN --mount=type=secret needs a Build"):
        sample.build()


@pytest.mark.matrix
def test_users_dockerfile_is_used_as_it_is(sample: Builds, engine) -> None:
    (sample.root / "Dockerfile").write_text(
        f'FROM {sample.base}\nCOPY app.py /only/app.py\nCMD ["ls", "/only"]\n'
    )
    result = sample.build()
    assert [s.instruction for s in result.steps] == ["COPY app.py /only/app.py"] or [
        s.instruction for s in result.steps if not s.instruction.startswith("FROM")
    ] == ["COPY app.py /only/app.py"]
    assert run(engine, sample.tag) == "app.py"


def test_plan_names_steps_like_buildkit_with_meta_args(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"ARG BASE={sample.base}\n"
        "FROM $BASE AS one\n"
        "COPY --chown=1:1 app.py \\\n    /app.py\n"
        "FROM $BASE AS unused\n"
        "RUN echo never\n"
        "FROM one\n"
        "COPY --from=one /app.py /copy.py\n"
    )
    explained = sample.explain()
    result = sample.build()
    assert not any("never" in s.instruction for s in result.steps)  # unused stage: not built
    assert result.mismatches() == []
    vertexes = {p.step.vertex for p in explained if p.step.has_layer}
    assert vertexes == {s.label for s in result.steps if not s.instruction.startswith("FROM")}
    explained = sample.explain()
    assert all(p.reused for p in explained)
    assert_prediction_holds(explained, sample.build())


def test_cli_build_and_explain_json(sample: Builds, engine) -> None:
    """`dockdjango build` (plain progress) and `explain --json` through the real CLI."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", "build", "-t", sample.tag, "--base", sample.base],
        cwd=sample.root, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "#1 [" in proc.stderr and ("CACHED" in proc.stderr or "DONE" in proc.stderr)
    assert "steps reused" in proc.stdout
    # --no-cache: the summary counts what the table shows, so nothing is called reused
    proc = subprocess.run(
        [sys.executable, "-m", "dockdjango", "build", "--no-cache", "-t", sample.tag,
         "--base", sample.base],
        cwd=sample.root, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line[:1].isdigit() or "rebuilt" in line]
    assert rows and all("reused" not in line for line in rows), proc.stdout
    assert f" 0 of {len(rows)} steps reused" in proc.stdout, proc.stdout

    def explain_json() -> dict:
        proc = subprocess.run(
            [sys.executable, "-m", "dockdjango", "explain", "--json", "--base", sample.base],
            cwd=sample.root, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = explain_json()
    layered = [s for s in before["steps"] if s["has_layer"]]
    assert {s["cache"] for s in layered} == {"reused"}
    assert before["rebuild"] == 0 and before["reused"] == len(layered)
    with open(sample.root / "app.py", "a") as fh:
        fh.write("# edited\n")
    after = explain_json()
    first = [s for s in after["steps"] if s["first_rebuild"]]
    assert len(first) == 1 and first[0]["instruction"].startswith("COPY --chown=app:app . ")
    assert first[0]["cause"] == "app.py modified"


@pytest.mark.slow
def test_a_source_distribution_builds_in_the_build_stage_only(
    tmp_path: Path, engine, build_base: str, unique_name: str
) -> None:
    """psycopg2 from source (the classic C build): compiled in the build stage with gcc and
    libpq-dev, run with libpq5 only; the final image has no compiler."""
    root = tmp_path / "sdist"
    root.mkdir()
    (root / "requirements.txt").write_text(f"psycopg2==2.9.10\n# {uuid.uuid4().hex}\n")
    (root / "main.py").write_text("import psycopg2\nprint(psycopg2.__version__.split()[0])\n")
    builds = Builds(engine, root, f"{unique_name}:sdist", build_base)
    try:
        built = builds.build()
        assert built.mismatches() == []
        assert run(engine, builds.tag, "python3", "main.py") == "2.9.10"
        assert run(engine, builds.tag, "sh", "-c", "command -v gcc || echo none") == "none"
    finally:
        builds.cleanup()


def test_a_source_edit_never_reinstalls_the_dev_dependencies(
    tmp_path: Path, engine, build_base: str, unique_name: str
) -> None:
    """With dev dependencies, dev installs them before its own source copy: a source edit
    rebuilds that copy alone, in the dev target as in runtime; dev has them, runtime not."""
    root = tmp_path / "site"
    shutil.copytree(DATA / "django_min", root)
    token = uuid.uuid4().hex
    (root / "requirements-dev.txt").write_text(f"-r requirements.txt\nsix==1.16.0\n# {token}\n")
    (root / "proj" / "views.py").write_text(f"TOKEN = {token!r}\n")
    builds = Builds(engine, root, f"{unique_name}:dev", build_base)
    try:
        cold = builds.build(target="dev")  # the target compose names
        assert cold.mismatches() == []
        assert run(engine, builds.tag, "python3", "-c", "import six; print(six.__version__)") == (
            "1.16.0"
        )
        with open(root / "proj" / "views.py", "a") as fh:
            fh.write("# edited\n")
        explained = builds.explain(target="dev")
        edited = builds.build(target="dev")
        assert_prediction_holds(explained, edited)
        assert rebuilt(edited) == ["COPY --chown=app:app . /app"]
        # no target: the last stage, runtime (what a plain `docker build .` gives)
        runtime = build_project(
            root, tag=f"{unique_name}:runtime", client=engine, options=builds.options
        )
        builds.images.append(runtime.image_id)
        probe = "python3 -c 'import six' 2>/dev/null || echo no six"
        assert "no six" in run(engine, runtime.image_id, "sh", "-c", probe)
    finally:
        builds.cleanup()
        record_path(root, GENERATED_DOCKERFILE, "dev").unlink(missing_ok=True)
        try:
            engine.api.remove_image(f"{unique_name}:runtime", force=True, noprune=True)
        except Exception:  # never made
            pass
