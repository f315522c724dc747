"""Real builds: the cache facts dockdjango relies on, and `explain` == the engine, step by step.

Each test builds a copy of a small sample project carrying a unique token (in its
requirements file and its source), so its layers are its own even with other builds
running in parallel, and removes the layers it created when it ends.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockdjango.api.images import GENERATED_DOCKERFILE, build_project, explain_project, layer_ids
from dockdjango.errors import BuildError
from dockdjango.images.dockerfile import DockerfileOptions
from dockdjango.images.explain import record_path

pytestmark = pytest.mark.engine

DATA = Path(__file__).parent / "data"
TOKEN_FILES = {"requirements.txt", "greet/__init__.py"}
TOKEN_STEPS = (
    "LABEL token=",
    "COPY requirements.txt",
    "COPY . ",
    "COPY --from=builder",
    "COPY --chown=app:app . ",
)


class Builds:
    """Builds of one project copy; removes the layers its token made unique at the end."""

    def __init__(self, engine, root: Path, tag: str, base: str) -> None:
        self.engine = engine
        self.root = root
        self.tag = tag
        self.base = base
        self.options = DockerfileOptions(base_image=base)
        self.layers: list[str] = []
        self.wheels_images: set[str] = set()

    def build(self, **kw):
        kw.setdefault("options", self.options)
        result = build_project(self.root, tag=self.tag, client=self.engine, **kw)
        if result.wheels_image:
            self.wheels_images.add(result.wheels_image)
        ids = layer_ids(result.result)
        stages_hit: set[str] = set()
        for p in result.predicted:
            # Layers before the first token-bearing step of a stage are shared with other
            # builds (the system stage, the user): never remove those.
            if p.step.text.startswith(TOKEN_STEPS) or set(p.step.files) & TOKEN_FILES:
                stages_hit.add(p.step.stage)
            if p.step.stage in stages_hit and p.step.index in ids:
                self.layers.append(ids[p.step.index])
        return result

    def explain(self, **kw):
        kw.setdefault("options", self.options)
        return explain_project(self.root, client=self.engine, **kw)

    def cleanup(self) -> None:
        for ref in [self.tag, *sorted(self.wheels_images)]:
            try:
                self.engine.api.remove_image(ref, force=True, noprune=True)
            except Exception:
                pass
        for layer in reversed(dict.fromkeys(self.layers)):
            try:
                self.engine.api.remove_image(layer, noprune=True)
            except Exception:  # in use by a later layer of ours, or already gone
                pass
        for target in (None, "system"):
            record_path(self.root, GENERATED_DOCKERFILE, target).unlink(missing_ok=True)
        record_path(self.root, "Dockerfile", None).unlink(missing_ok=True)


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


def engine_report(result) -> list[tuple[int, str]]:
    return [(s.index, "reused" if s.cached else "rebuilt") for s in result.steps]


def rebuilt(result) -> list[str]:
    layered = {p.step.index for p in result.predicted if p.step.has_layer}
    return [s.instruction for s in result.steps if not s.cached and s.index in layered]


def assert_prediction_holds(explained, result) -> None:
    """The plan made before the build (explain) and the engine's report agree per step."""
    assert result.mismatches() == []
    assert [(p.step.index, p.step.text) for p in explained] == [
        (p.step.index, p.step.text) for p in result.predicted
    ]
    for p in explained:
        if p.step.has_layer:
            step = next(s for s in result.steps if s.index == p.step.index)
            assert step.cached == p.reused, (p.step.index, p.step.text, p.cause)


def run(engine, image: str, *cmd: str) -> str:
    out = engine.containers.run(image, list(cmd), remove=True, stdout=True, stderr=True)
    return out.decode().strip()


def test_cache_facts_and_explain_match_the_engine(sample: Builds, engine) -> None:
    cold = sample.build()
    assert "hello from the sample six 1.16.0" in run(engine, sample.tag, "python3", "app.py")
    # non-root, and the CA bundle used while building never reaches the final image
    assert run(engine, sample.tag, "id", "-u") == "10001"
    listing = run(engine, sample.tag, "sh", "-c", "ls -A /app; env | grep -c PIP_CERT || true")
    assert listing.split() == ["app.py", "greet", "requirements.txt", "0"]

    # 1. nothing changed: every step reused, as predicted
    explained = sample.explain()
    assert all(p.reused for p in explained), [(p.step.text, p.cause) for p in explained if p.first]
    again = sample.build()
    assert_prediction_holds(explained, again)
    assert rebuilt(again) == []
    assert again.image_id == cold.image_id

    # 2. a modification time is not an input of the engine's cache; a file mode is
    os.utime(sample.root / "app.py", (1_000_000, 1_000_000))
    touched = sample.build()
    assert rebuilt(touched) == []
    os.chmod(sample.root / "app.py", 0o755)
    explained = sample.explain()
    first = next(p for p in explained if p.first)
    assert (first.step.text, first.cause) == ("COPY --chown=app:app . /app", "app.py modified")
    moded = sample.build()
    assert_prediction_holds(explained, moded)

    # 3. a source edit rebuilds only the source copy and what follows it
    with open(sample.root / "greet" / "__init__.py", "a") as fh:
        fh.write("# edited\n")
    explained = sample.explain()
    first = next(p for p in explained if p.first)
    assert first.cause == "greet/__init__.py modified"
    edited = sample.build()
    assert_prediction_holds(explained, edited)
    assert rebuilt(edited) == ["COPY --chown=app:app . /app"]

    # 4. a new requirement rebuilds from the dependency step and fetches only the new wheel
    with open(sample.root / "requirements.txt", "a") as fh:
        fh.write("idna==3.7\n")
    explained = sample.explain()
    first = next(p for p in explained if p.first)
    assert (first.step.text, first.cause) == (
        "COPY requirements.txt ./",
        "requirements.txt modified",
    )
    added = sample.build()
    assert_prediction_holds(explained, added)
    assert set(added.wheels_fetched) <= {"idna-3.7-py3-none-any.whl"}  # six came from the cache
    assert rebuilt(added)[0] == "COPY requirements.txt ./"
    assert "RUN python3 -m venv /opt/venv" not in rebuilt(added)
    assert (
        run(engine, sample.tag, "python3", "-c", "import idna, six; print(idna.__version__)")
        == "3.7"
    )


def test_build_arg_and_labels_are_predicted(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base}\n"
        f"LABEL token={uuid.uuid4().hex}\n"  # this test's own layers, even for FLAVOR=fancy
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
    assert result.steps[-1].instruction == f"LABEL org.dockdjango.test={sample.tag}"


def test_a_failing_step_is_named_with_its_last_lines(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"FROM {sample.base}\nRUN echo first-line && echo boom-line && exit 3\n"
    )
    with pytest.raises(BuildError) as info:
        sample.build()
    err = info.value
    assert "step 2" in str(err) and "exit 3" in (err.step or "")
    assert any("boom-line" in line for line in err.output)


def test_users_dockerfile_is_used_as_it_is(sample: Builds, engine) -> None:
    (sample.root / "Dockerfile").write_text(
        f'FROM {sample.base}\nCOPY app.py /only/app.py\nCMD ["ls", "/only"]\n'
    )
    result = sample.build()
    assert [s.instruction for s in result.steps][1] == "COPY app.py /only/app.py"
    assert run(engine, sample.tag) == "app.py"


def test_plan_numbers_steps_like_the_engine_with_meta_args(sample: Builds) -> None:
    (sample.root / "Dockerfile").write_text(
        f"ARG BASE={sample.base}\n"
        "FROM $BASE AS one\n"
        "COPY --chown=1:1 app.py \\\n    /app.py\n"
        "FROM one\n"
        "COPY --from=one /app.py /copy.py\n"
    )
    explained = sample.explain()
    result = sample.build()
    assert [s.instruction for s in result.steps] == [p.step.text for p in explained]
    explained = sample.explain()
    assert all(p.reused for p in explained)
    assert_prediction_holds(explained, sample.build())


def test_offline_names_the_wheel_the_cache_lacks(sample: Builds) -> None:
    missing = f"dockdjango-nonexistent-{uuid.uuid4().hex[:6]}==1.0"
    with open(sample.root / "requirements.txt", "a") as fh:
        fh.write(missing + "\n")
    with pytest.raises(BuildError) as info:
        sample.build(offline=True)
    assert missing in str(info.value)
    assert info.value.hint and "offline" in info.value.hint


def test_cli_explain_json_names_the_edited_file(sample: Builds, engine) -> None:
    """`dockdjango explain --json` through the real CLI: shape, counts, and the cause."""
    import json
    import subprocess
    import sys

    sample.build()

    def explain_json() -> dict:
        proc = subprocess.run(
            [sys.executable, "-m", "dockdjango", "explain", "--json", "--base", sample.base],
            cwd=sample.root,
            capture_output=True,
            text=True,
            timeout=120,
        )
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
    assert len(first) == 1
    assert first[0]["instruction"].startswith("COPY --chown=app:app . ")
    assert "app.py" in first[0]["cause"] and "modified" in first[0]["cause"]
    layered_rebuilds = [s for s in after["steps"] if s["has_layer"] and s["cache"] == "rebuild"]
    assert after["rebuild"] == len(layered_rebuilds) >= 1
