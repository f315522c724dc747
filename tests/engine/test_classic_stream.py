"""Podman's classic build stream read into the steps BuildKit reports (pure; the messages
are what Podman 4.3.1 / buildah 1.28.2 sent for these Dockerfiles)."""

from __future__ import annotations

import pytest

from dockdjango.engine.builds.classic import ClassicStream
from dockdjango.engine.podman import shell_healthcheck
from dockdjango.errors import BuildError

TWO_STAGES = [
    {"stream": "[1/2] STEP 1/2: FROM dockdjango/python:3.11-bookworm AS base\n"},
    {"stream": "[1/2] STEP 2/2: RUN echo hello && sleep 0.2\n"},
    {"stream": "--> Using cache a7eff825f36303c74e1d5928dbd915eb5fddf9177c96cf5457044ce8bd51e49e\n"},  # noqa: E501
    {"stream": "--> a7eff825f36\n"},
    {"stream": "[2/2] STEP 1/4: FROM a7eff825f36303c74e1d5928dbd915eb5fddf9177c96cf5457044ce8bd51e49e AS final\n"},  # noqa: E501
    {"stream": "[2/2] STEP 2/4: ARG X=1\n"},
    {"stream": "--> 3c3fe0613b7\n"},
    {"stream": "[2/2] STEP 3/4: RUN echo \"x=$X\"; printf 'no newline'\n"},
    {"stream": "x=0\nno newline"},
    {"stream": "--> baf9b14a2d9\n"},
    {"stream": "[2/2] STEP 4/4: COPY Dockerfile /d\n"},
    {"stream": "[2/2] COMMIT docker.io/library/ddtest-eng:1\n"},
    {"stream": "--> 655c628daf1\n"},
    {"stream": "Successfully tagged docker.io/library/ddtest-eng:1\n"},
    {"stream": "655c628daf150437d70f9b7569b1cb439a7343c964ccd7f975661ac44d9d95e0\n"},
    {"aux": {"ID": "sha256:655c628daf150437d70f9b7569b1cb439a7343c964ccd7f975661ac44d9d95e0"}},
    {"stream": "Successfully built 655c628daf15\n"},
    {"stream": "Successfully tagged ddtest-eng:1\n"},
]


def _read(messages):
    events = []
    stream = ClassicStream(lambda kind, payload: events.append((kind, payload)))
    for message in messages:
        stream.feed(message)
    stream.flush()
    return stream, events


def test_steps_are_named_and_numbered_as_buildkit_names_them():
    stream, _ = _read(TWO_STAGES)
    assert [(s.label, s.status) for s in stream.order] == [
        ("base 1/2", "reused"),  # FROM an image: used, never built
        ("base 2/2", "reused"),
        ("final 1/2", "rebuilt"),  # the ARG is no step of BuildKit's: folded away
        ("final 2/2", "rebuilt"),
    ]
    assert stream.image_id.startswith("sha256:655c628d")


def test_output_without_a_final_line_break_stays_the_steps_own():
    stream, events = _read(TWO_STAGES)
    assert stream.order[2].output == ["x=0", "no newline"]
    assert ("output", "no newline") in events
    kinds = [k for k, p in events if p is stream.order[2]]
    assert kinds == ["step", "done"]  # announced and finished as it happened


def test_a_one_stage_file_has_no_stage_name():
    stream, _ = _read(
        [
            {"stream": "STEP 1/2: FROM dockdjango/python:3.11-bookworm\n"},
            {"stream": "STEP 2/2: RUN true\n"},
            {"stream": "COMMIT web:1\n"},
            {"stream": "--> 1945c2dc550\n"},
            {"aux": {"ID": "sha256:1945c2dc550c"}},
        ]
    )
    assert [s.label for s in stream.order] == ["1/2", "2/2"]


def test_a_failed_step_is_named_with_its_output_and_cause():
    messages = [
        {"stream": "STEP 1/2: FROM dockdjango/python:3.11-bookworm\n"},
        {"stream": 'STEP 2/2: RUN echo about to fail && printf "partial" && false\n'},
        {"stream": "about to fail\n"},
        {"stream": "partial"},
        {
            "errorDetail": {
                "message": 'building at STEP "RUN echo about to fail && printf "partial" && '
                'false": while running runtime: exit status 1'
            },
            "error": "...",
        },
    ]
    with pytest.raises(BuildError) as caught:
        _read(messages)
    error = caught.value
    assert str(error).startswith("step [2/2] `RUN echo about to fail")
    assert "failed: exit code: 1" in str(error)
    assert error.output == ["about to fail", "partial"]


@pytest.mark.parametrize(
    ("test", "sent"),
    [
        (
            ["CMD", "python", "-c", "import urllib.request as u; u.urlopen('http://x/')"],
            ["CMD-SHELL", "python -c 'import urllib.request as u; u.urlopen('\"'\"'http://x/'\"'\"')'"],
        ),
        (["CMD", "pg_isready", "-U", "postgres"], ["CMD", "pg_isready", "-U", "postgres"]),
        (["CMD-SHELL", "pg_isready -U postgres"], ["CMD-SHELL", "pg_isready -U postgres"]),
        (["NONE"], ["NONE"]),
    ],
)
def test_cmd_healthchecks_with_spaces_go_to_podman_through_the_shell(test, sent):
    assert shell_healthcheck(test) == sent


def test_dockerfile_features_buildah_lacks_are_refused_naming_podman():
    from dockdjango.images.frontend import check_dockerfile

    text = "FROM dockdjango/python:3.11-bookworm\nCOPY --link . /app\n"
    check_dockerfile(text, "Dockerfile", "24.0.7")  # Docker 24 has it
    with pytest.raises(BuildError) as caught:
        check_dockerfile(text, "Dockerfile", "4.3.1", buildah="1.28.2")
    assert str(caught.value) == (
        "Dockerfile:2: COPY --link is not understood by Podman's builder (buildah 1.28.2)"
    )
