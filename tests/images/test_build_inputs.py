"""What an image is built from, as recorded on it: dependency files, the Dockerfile, the
images it starts from, build args -- not the source code a bind mount keeps current."""

from __future__ import annotations

from pathlib import Path

from dockdjango.images.build_inputs import BuildInputs, build_inputs, changes, context_reader

DOCKERFILE = """\
ARG PY=3.11
FROM python:${PY}-slim AS base
COPY requirements.txt /tmp/
RUN --mount=type=bind,source=constraints/dev.txt,target=/c.txt pip install -r /tmp/requirements.txt
COPY requirements*.in ./
COPY --from=base /etc/hostname /x
COPY . /app
"""


def project(root: Path) -> Path:
    for name, text in {
        "requirements.txt": "django\n",
        "constraints/dev.txt": "pytest\n",
        "requirements-a.in": "a\n",
        "requirements-b.in": "b\n",
        "app/views.py": "x = 1\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def inputs(root: Path, dockerfile: str = DOCKERFILE, base: str = "sha256:1", **args: str):
    return build_inputs(
        dockerfile,
        read=context_reader(root),
        resolve=lambda ref: base if ref == "python:3.11-slim" else None,
        buildargs=args,
    )


def test_the_named_files_base_and_dockerfile_are_inputs_not_the_source(tmp_path):
    found = inputs(project(tmp_path))
    assert set(found.digests) == {
        "dockerfile",
        "base:python:3.11-slim",
        "file:requirements.txt",
        "file:constraints/dev.txt",
        "file:requirements-a.in",
        "file:requirements-b.in",
    }
    (tmp_path / "app/views.py").write_text("x = 2\n")  # a source edit: nothing to rebuild
    assert changes(found, inputs(tmp_path)) == []


def test_each_change_is_named(tmp_path):
    before = inputs(project(tmp_path))
    (tmp_path / "requirements.txt").write_text("django\nsix\n")
    (tmp_path / "requirements-c.in").write_text("c\n")
    assert changes(before, inputs(tmp_path)) == [
        "requirements-c.in added",
        "requirements.txt changed",
    ]
    assert changes(before, inputs(tmp_path, base="sha256:2"))[-1] == (
        "base image python:3.11-slim changed"
    )
    assert changes(inputs(tmp_path), inputs(tmp_path, DOCKERFILE + "USER app\n")) == [
        "the Dockerfile changed"
    ]
    # a build arg that picks another base names both
    assert changes(inputs(tmp_path), inputs(tmp_path, PY="3.13")) == [
        "base image python:3.11-slim removed",
        "base image python:3.13-slim added",
        "build arg PY added",
    ]


def test_the_label_holds_digests_only_and_reads_back(tmp_path):
    found = inputs(project(tmp_path), TOKEN="s3cret")
    label = found.label()
    assert "s3cret" not in label and "django" not in label
    assert BuildInputs.from_labels({"org.dockdjango.build.inputs": label}) == found
    assert BuildInputs.from_labels({"other": "x"}) is None
    assert BuildInputs.from_labels({"org.dockdjango.build.inputs": "not json"}) is None


def test_an_added_file_wins_over_the_tree(tmp_path):
    """The derived requirements file of a lock project travels in the context, not on disk."""
    root = project(tmp_path)
    text = "FROM python:3.11-slim\nCOPY requirements.docker.txt /r.txt\n"
    read = context_reader(root, {"requirements.docker.txt": b"django==5.2\n"})
    found = build_inputs(text, read=read, resolve=lambda ref: None)
    assert "file:requirements.docker.txt" in found.digests
