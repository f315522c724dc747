"""The Dockerfile sent to Podman's builder: the uv stage from an image, bind mounts keyed."""

from __future__ import annotations

from dockdjango.images.buildah import (
    key_bind_mounts,
    mount_stage_from,
    stage_image,
    stage_text,
)

DOCKERFILE = """FROM dockdjango/python:3.11-bookworm AS uv
RUN python3 -c "fetch uv"

FROM dockdjango/python:3.11-bookworm AS runtime
RUN --mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv \\
    --mount=type=bind,source=requirements.txt,target=/tmp/deps/requirements.txt \\
    /opt/uv/bin/uv pip install -r /tmp/deps/requirements.txt
COPY . /app
"""


def test_a_stage_is_named_by_its_own_text():
    assert stage_text(DOCKERFILE, "uv") == (
        'FROM dockdjango/python:3.11-bookworm AS uv\nRUN python3 -c "fetch uv"\n'
    )
    assert stage_image(DOCKERFILE, "uv") == stage_image(DOCKERFILE + "RUN true\n", "uv")
    assert stage_image(DOCKERFILE.replace("fetch uv", "fetch uv 2"), "uv") != stage_image(
        DOCKERFILE, "uv"
    )
    assert stage_image(DOCKERFILE, "nope") is None


def test_mounts_from_the_stage_name_the_image():
    sent = mount_stage_from(DOCKERFILE, "uv", "dockdjango/uv:abc")
    assert "--mount=type=bind,from=dockdjango/uv:abc,source=/opt/uv" in sent
    assert "FROM dockdjango/python:3.11-bookworm AS uv" in sent  # the stage stays


def test_a_step_that_mounts_context_files_is_keyed_by_their_content():
    files = {"requirements.txt": b"django==4.2\n"}
    sent, args = key_bind_mounts(DOCKERFILE, files.get)
    lines = sent.split("\n")
    assert lines[4] == "ARG DOCKDJANGO_MOUNTED_5"
    assert lines[5].startswith("RUN --mount=type=bind,from=uv")
    files["requirements.txt"] = b"django==5.0\n"
    _, changed = key_bind_mounts(DOCKERFILE, files.get)
    assert set(args) == set(changed) == {"DOCKDJANGO_MOUNTED_5"}
    assert args != changed
    assert key_bind_mounts("FROM x\nRUN true\n", files.get) == ("FROM x\nRUN true\n", {})
