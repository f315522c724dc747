"""Reading BuildKit's progress (recorded streams of real builds) and comparing it with a plan.

The streams in ``data/buildkit/`` are the JSON messages Engine 20.10 sent for one
two-stage build: run from scratch, run again (everything cached), and with its last step
failing. They are read exactly as a live build's are.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from dockdjango.api.images.project_images import compare
from dockdjango.engine.builds.buildkit import BuildStream, StepResult
from dockdjango.engine.builds.buildkit_status import DecodeError, decode_status, decode_trace
from dockdjango.errors import BuildError
from dockdjango.images.explain import StepPrediction
from dockdjango.images.plan import StepInputs

STREAMS = Path(__file__).parent / "data" / "buildkit"


def replay(name: str) -> tuple[BuildStream, list[tuple[str, object]]]:
    events: list[tuple[str, object]] = []
    stream = BuildStream(lambda kind, payload: events.append((kind, payload)))
    for line in (STREAMS / f"{name}.jsonl").read_text().splitlines():
        stream.feed(json.loads(line))
    stream.flush()
    return stream, events


def test_a_fresh_build_reports_every_step_run_with_its_output() -> None:
    stream, events = replay("run")
    labels = sorted((s.label, s.instruction.split()[0], s.cached) for s in stream.order[1:])
    assert stream.order[0].label == "tools 1/2"  # FROM: BuildKit's flag says nothing useful
    assert labels == [
        ("stage-1 2/4", "WORKDIR", False),
        ("stage-1 3/4", "COPY", False),
        ("stage-1 4/4", "RUN", False),
        ("tools 2/2", "RUN", False),
    ]
    assert stream.image_id.startswith("sha256:")
    last = stream.order[-1]
    # chunks that split a line are joined: "partial" and " done" arrive apart
    assert last.output == ["tool", "second-line", "partial done"]
    assert last.done and last.seconds > 0.1
    kinds = [k for k, _ in events]
    assert kinds.count("step") == 5 and kinds.count("done") >= 4 and "output" in kinds


def test_a_cached_build_reports_buildkits_cached_flags() -> None:
    stream, events = replay("cached")
    flags = {s.label: s.cached for s in stream.order if not s.instruction.startswith("FROM")}
    assert flags == {
        "tools 2/2": True,
        "stage-1 2/4": True,
        "stage-1 3/4": True,
        "stage-1 4/4": True,
    }
    assert all(s.output == [] for s in stream.order)
    assert [k for k, _ in events].count("cached") >= 4


def test_a_failed_step_is_named_with_its_output() -> None:
    with pytest.raises(BuildError) as info:
        replay("failed")
    err = info.value
    assert str(err).startswith("step [stage-1 4/4] `RUN --mount=type=bind,from=tools")
    assert "exit code: 7" in str(err)
    assert err.output[-2:] == ["second-line", "partial"]


def test_the_decoder_reads_fields_and_skips_unknown_ones() -> None:
    def varint(n: int) -> bytes:
        out = b""
        while True:
            byte, n = n & 0x7F, n >> 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out

    def field(number: int, data: bytes | int) -> bytes:
        if isinstance(data, int):
            return varint(number << 3) + varint(data)
        return varint(number << 3 | 2) + varint(len(data)) + data

    ts = field(1, 1_700_000_000) + field(2, 500_000_000)
    vertex = (
        field(1, b"sha256:abc") + field(3, b"[2/3] RUN x") + field(4, 1) + field(5, ts)
        + field(6, ts) + field(99, b"a future field") + varint(100 << 3 | 5) + b"\0\0\0\0"
    )  # fmt: skip
    log = field(1, b"sha256:abc") + field(3, 2) + field(4, b"out\n")
    update = decode_status(field(1, vertex) + field(3, log))
    v = update.vertexes[0]
    assert (v.digest, v.name, v.cached, v.started) == (
        "sha256:abc",
        "[2/3] RUN x",
        True,
        1.7e9 + 0.5,
    )
    assert (update.logs[0].stream, update.logs[0].data) == (2, b"out\n")
    assert decode_trace(base64.b64encode(field(1, vertex)).decode()).vertexes[0].cached
    with pytest.raises(DecodeError):
        decode_status(field(1, vertex)[:-3])
    with pytest.raises(DecodeError):
        decode_trace("not base64!")


def test_comparison_names_each_disagreement() -> None:
    def step(i: int, text: str, vertex: str | None) -> StepInputs:
        s = StepInputs(i, text, text.split()[0], "s", i - 1, chain=f"c{i}")
        s.vertex = vertex
        return s

    predicted = [
        StepPrediction(step(1, "FROM x", "1/3"), True),
        StepPrediction(step(2, "RUN a", "2/3"), True),
        StepPrediction(step(3, "RUN b", "3/3"), False, "follows"),
    ]
    actual = [
        StepResult(1, "RUN a", cached=True, position=2, total=3),
        StepResult(2, "RUN b", cached=False, position=3, total=3),
    ]
    assert compare(predicted, actual) == []
    actual[0].cached = False
    assert compare(predicted, actual) == ["step 2 `RUN a`: predicted reused, BuildKit rebuilt"]
    actual.append(StepResult(3, "RUN c", position=4, total=4))
    assert (
        compare(predicted, actual)[-1] == "BuildKit ran [4/4] `RUN c`, which the plan does not have"
    )
