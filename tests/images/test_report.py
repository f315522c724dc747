"""Reading the engine's build report: layer ids, creation times, prediction vs report."""

from __future__ import annotations

from dockdjango.api.images import compare
from dockdjango.engine.build import BuildResult, StepResult
from dockdjango.engine.layers import created_key, layer_ids
from dockdjango.images.explain import StepPrediction
from dockdjango.images.plan import StepInputs


def test_layer_ids_take_the_last_arrow_line_of_each_step() -> None:
    steps = [
        StepResult(1, "FROM x", True, output=[" ---> 8f753b7edea4"]),
        StepResult(
            2, "RUN a", False, output=[" ---> Running in 1234", "hello", " ---> 0123456789ab"]
        ),
        StepResult(3, "ARG A=1", False, output=[]),
    ]
    result = BuildResult("sha256:f", None, steps, 1.0)
    assert layer_ids(result) == {1: "8f753b7edea4", 2: "0123456789ab"}


def test_created_key_orders_like_time() -> None:
    a = "2026-11-24T08:16:58.1Z"
    b = "2026-11-24T08:16:58.123456789Z"
    c = "2026-11-24T08:16:59Z"
    assert created_key(a) < created_key(b) < created_key(c)
    assert a > b  # plain string order would get this wrong


def test_compare_reports_each_disagreement() -> None:
    def pred(i: int, text: str, reused: bool, kw: str = "RUN") -> StepPrediction:
        return StepPrediction(StepInputs(i, text, kw, "s", i), reused)

    predicted = [pred(1, "FROM x", True, "FROM"), pred(2, "RUN a", True), pred(3, "RUN b", False)]
    actual = [
        StepResult(1, "FROM x", True),
        StepResult(2, "RUN a", False),
        StepResult(3, "RUN b", False),
    ]
    assert compare(predicted, actual) == ["step 2 `RUN a`: predicted reused, engine rebuilt"]
    actual[2] = StepResult(3, "RUN c", False)
    assert "engine ran `RUN c`, plan `RUN b`" in compare(predicted, actual)[1]
    assert compare(predicted, actual[:2])[0] == "the engine ran 2 steps, the plan has 3"
