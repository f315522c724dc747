"""The cache plan and its predictions on BuildKit's terms, without an engine (the engine tests
check the same facts against real builds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockdjango.detection.dockerfile_syntax import parse_dockerfile
from dockdjango.images.context import index_context
from dockdjango.images.explain import BuildRecord, files_changed, predict
from dockdjango.images.plan import StepInputs, plan_build

DOCKERFILE = """\
ARG PY=3.11
FROM base:1 AS build
ARG FLAVOR=plain
ENV LANG=C.UTF-8
COPY req.txt ./
RUN install $FLAVOR
FROM base:1 AS src
COPY . /src
RUN rm -rf /src/.secret
FROM base:1 AS final
COPY --from=build /venv /venv
COPY --from=src /src /app
CMD ["run"]
"""

BASES = {"base:1": "sha256:" + "a" * 64}


def resolve(ref: str) -> str | None:
    return BASES.get(ref)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "req.txt").write_text("six\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / ".secret").mkdir()
    (tmp_path / ".secret" / "ca.crt").write_text("CA\n")
    return tmp_path


def plan(root: Path, **kw: object) -> list[StepInputs]:
    return plan_build(DOCKERFILE, index_context(root), resolve=resolve, **kw)  # type: ignore[arg-type]


def built(steps: list[StepInputs]) -> BuildRecord:
    record = BuildRecord()
    record.remember(steps, [s.index for s in steps], "sha256:final")
    return record


def statuses(preds: list) -> dict[int, str]:
    return {p.step.index: p.status for p in preds if p.step.has_layer}


def test_steps_are_named_like_buildkits_vertexes(project: Path) -> None:
    steps = plan(project)
    assert [s.text for s in steps][:3] == [
        "ARG PY=3.11",
        "FROM base:1 AS build",
        "ARG FLAVOR=plain",
    ]
    vertexes = [(s.text, s.vertex) for s in steps if s.vertex]
    assert vertexes == [
        ("FROM base:1 AS build", "build 1/3"),
        ("COPY req.txt ./", "build 2/3"),
        ("RUN install $FLAVOR", "build 3/3"),
        ("FROM base:1 AS src", "src 1/3"),
        ("COPY . /src", "src 2/3"),
        ("RUN rm -rf /src/.secret", "src 3/3"),
        ("FROM base:1 AS final", "final 1/3"),
        ("COPY --from=build /venv /venv", "final 2/3"),
        ("COPY --from=src /src /app", "final 3/3"),
    ]
    # labels only change the image config: no step, no key
    assert [s.key for s in plan(project, labels={"z": "1"})] == [s.key for s in steps]
    one = plan_build("FROM base:1\nENV A=1\nRUN a\n", index_context(project), resolve=resolve)
    assert [s.vertex for s in one] == ["1/2", None, "2/2"]


def test_unused_stages_are_not_built(project: Path) -> None:
    text = "FROM base:1 AS a\nRUN a\nFROM base:1 AS unused\nRUN b\nFROM a\nRUN c\n"
    steps = plan_build(text, index_context(project), resolve=resolve)
    assert [s.text for s in steps if s.has_layer] == ["RUN a", "RUN c"]
    assert steps[-1].vertex == "stage-2 1/1"  # a stage on a stage has no FROM step


def test_continuation_lines_keep_their_whitespace_like_the_engine() -> None:
    ins = parse_dockerfile("FROM x\nCOPY --chown=1:1 b.txt \\\n   /b.txt\n")[1]
    assert ins.text == "COPY --chown=1:1 b.txt    /b.txt"  # as Engine 20.10 prints it
    assert ins.flags == {"chown": "1:1"} and ins.words() == ["b.txt", "/b.txt"]


def test_first_build_rebuilds_everything(project: Path) -> None:
    preds = predict(plan(project), None)
    assert set(statuses(preds).values()) == {"rebuild"}
    firsts = [p for p in preds if p.first]
    assert [p.cause for p in firsts] == ["no earlier build recorded"] * 3  # one per stage


def test_no_change_reuses_every_step(project: Path) -> None:
    record = built(plan(project))
    assert set(statuses(predict(plan(project), record)).values()) == {"reused"}


def test_source_edit_rebuilds_from_the_source_copy_only(project: Path) -> None:
    record = built(plan(project))
    (project / "app.py").write_text("print('edited')\n")
    preds = predict(plan(project), record)
    rebuilt = [p for p in preds if not p.reused]
    assert [p.step.text for p in rebuilt] == [
        "COPY . /src",
        "RUN rm -rf /src/.secret",
        "COPY --from=src /src /app",
    ]
    assert rebuilt[0].cause == "app.py modified"
    assert rebuilt[1].cause == "follows step 8"
    assert rebuilt[2].cause == "stage src changed"


def test_mtime_does_not_matter_mode_does(project: Path) -> None:
    record = built(plan(project))
    os.utime(project / "req.txt", (1, 1))
    assert set(statuses(predict(plan(project), record)).values()) == {"reused"}
    os.chmod(project / "req.txt", 0o755)
    first = next(p for p in predict(plan(project), record) if p.first)
    assert first.step.text == "COPY req.txt ./" and first.cause == "req.txt modified"


def test_build_arg_change_names_the_arg_and_spares_unrelated_steps(project: Path) -> None:
    record = built(plan(project))
    preds = predict(plan(project, buildargs={"FLAVOR": "fancy"}), record)
    first = next(p for p in preds if p.first)
    assert first.step.text == "RUN install $FLAVOR"
    assert first.cause == "build arg changed: FLAVOR 'plain' -> 'fancy'"
    assert statuses(preds)[5] == "reused"  # COPY req.txt does not see the arg


def test_base_image_change_is_named(project: Path) -> None:
    record = built(plan(project))
    BASES["base:1"] = "sha256:" + "b" * 64
    try:
        preds = predict(plan(project), record)
    finally:
        BASES["base:1"] = "sha256:" + "a" * 64
    causes = [p.cause for p in preds if p.first]
    assert causes[0] == "base image changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)"
    assert all(p.status == "rebuild" for p in preds if p.step.has_layer)


def test_instruction_change_and_added_file(project: Path) -> None:
    record = built(plan(project))
    (project / "new.py").write_text("")
    steps = plan_build(
        DOCKERFILE.replace('CMD ["run"]', 'CMD ["serve"]'), index_context(project), resolve=resolve
    )
    preds = predict(steps, record)
    by_text = {p.step.text: p for p in preds}
    assert by_text["COPY . /src"].cause == "new.py added"
    assert not by_text['CMD ["serve"]'].step.has_layer  # CMD only changes the image config


def test_reverting_an_edit_reuses_the_older_layers(project: Path) -> None:
    record = built(plan(project))
    (project / "app.py").write_text("print('v2')\n")
    v2 = plan(project)
    record.remember(v2, [s.index for s in v2], "sha256:v2")
    (project / "app.py").write_text("print('hi')\n")
    assert set(statuses(predict(plan(project), record)).values()) == {"reused"}


def test_an_env_change_reruns_the_runs_after_it_only(project: Path) -> None:
    record = built(plan(project))
    steps = plan_build(
        DOCKERFILE.replace("LANG=C.UTF-8", "LANG=C"), index_context(project), resolve=resolve
    )
    preds = predict(steps, record)
    first = next(p for p in preds if p.first)
    assert first.step.text == "RUN install $FLAVOR"
    assert first.cause == "environment changed: LANG 'C.UTF-8' -> 'C'"


def test_target_builds_only_what_its_stage_needs(project: Path) -> None:
    steps = plan(project, target="src")
    assert [s.stage for s in steps if s.has_layer] == ["src", "src"]


def test_record_round_trips_through_json(project: Path) -> None:
    record = built(plan(project))
    again = BuildRecord.from_json(record.to_json())
    assert again.layers == record.layers and again.last == record.last


def test_files_changed_summary() -> None:
    before = {"a": "1", "b": "2", "c": "3"}
    after = {"a": "9", "c": "3", "d": "4"}
    assert files_changed(before, after) == "a modified, d added, b removed"
    many = {str(i): "x" for i in range(7)}
    assert files_changed({}, many).endswith("+3 more")


def test_a_stage_built_on_a_rebuilt_stage_is_rebuilt(project: Path) -> None:
    text = "FROM base:1 AS a\nCOPY req.txt /r\nFROM a AS b\nRUN make\n"
    record = built(plan_build(text, index_context(project), resolve=resolve))
    (project / "req.txt").write_text("six==1.16.0\n")
    preds = predict(plan_build(text, index_context(project), resolve=resolve), record)
    assert [p.status for p in preds if p.step.has_layer] == ["rebuild", "rebuild"]
    assert preds[-1].cause == "follows step 2"
