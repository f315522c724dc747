"""The build context against the docker CLI (oracle), the Library example, and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from dockdjango.cli import main
from dockdjango.images.context import iter_context_files
from dockdjango.images.dockerignore import DockerIgnore

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
IGNORE = """
# comment
*.log
!keep.log
**/__pycache__
build/
docs/*.md
!docs/README.md
/secret
data
!data/seed.json
a/**/z.txt
temp?
"""
FILES = [
    "app.py", "x.log", "keep.log", "pkg/__pycache__/m.pyc", "pkg/mod.py", "build/out.bin",
    "docs/a.md", "docs/README.md", "docs/img.png", "secret", "sub/secret", "data/big.bin",
    "data/seed.json", "a/z.txt", "a/b/c/z.txt", "a/b/y.txt", "tempa", "tempab", "sub/tempa",
]  # fmt: skip


def test_context_files_match_the_docker_cli(tmp_path: Path, engine, base_image: str) -> None:
    """The docker CLI applies .dockerignore itself (classic builder); compare what it sends."""
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    (tmp_path / ".dockerignore").write_text(IGNORE)
    (tmp_path / "Dockerfile").write_text(
        f'FROM {base_image}\nCOPY . /ctx\nCMD ["sh", "-c", "cd /ctx && find . -type f | sort"]\n'
    )
    tag = f"ddtest-{uuid.uuid4().hex[:8]}:ctx"
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    try:
        subprocess.run(
            ["docker", "build", "-q", "-t", tag, str(tmp_path)], env=env, check=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        out = subprocess.run(
            ["docker", "run", "--rm", tag], check=True, capture_output=True, text=True, timeout=60
        ).stdout
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
    docker_sees = sorted(line.removeprefix("./") for line in out.split())
    ours = list(iter_context_files(tmp_path, DockerIgnore(IGNORE)))
    assert ours == docker_sees
    assert "keep.log" in ours and "data/seed.json" in ours and "x.log" not in ours


@pytest.mark.slow
def test_library_example_source_edit_is_predicted(tmp_path: Path, engine, build_base: str) -> None:
    """examples/library: no-change and source-only rebuilds, explain == engine."""
    from dockdjango.api.images import (
        GENERATED_DOCKERFILE,
        build_project,
        explain_project,
        layer_ids,
    )
    from dockdjango.images.dockerfile import DockerfileOptions
    from dockdjango.images.explain import record_path

    opts = DockerfileOptions(base_image=build_base)
    root = tmp_path / "library"
    shutil.copytree(REPO / "examples" / "library", root, ignore=shutil.ignore_patterns("*.sqlite3"))
    token = uuid.uuid4().hex
    (root / "books" / "token.py").write_text(f"TOKEN = {token!r}\n")
    tag = f"ddtest-{token[:8]}:library"
    made: list[str] = []
    try:
        first = build_project(root, tag=tag, client=engine, options=opts)
        made.append(first.wheels_image or "")
        explained = explain_project(root, client=engine, options=opts)
        assert all(p.reused for p in explained)
        again = build_project(root, tag=tag, client=engine, options=opts)
        assert again.mismatches() == [] and again.reused == len(
            [p for p in again.predicted if p.step.has_layer]
        )
        with open(root / "books" / "views.py", "a") as fh:
            fh.write("# tweak\n")
        explained = explain_project(root, client=engine, options=opts)
        first = next(p for p in explained if p.first)
        assert first.cause == "books/views.py modified"
        edited = build_project(root, tag=tag, client=engine, options=opts)
        assert edited.mismatches() == []
        assert [p.status for p in explained] == [p.status for p in edited.predicted]
        ids = layer_ids(edited.result)
        made += [ids[s.index] for s in edited.steps if not s.cached and s.index in ids]
        rebuilt = [s.instruction for s in edited.steps if not s.cached and s.index in ids]
        assert rebuilt == [
            "COPY --chown=app:app . /app",
            'CMD ["python3", "manage.py", "runserver", "0.0.0.0:8000"]',
        ]

        # a requirements edit: rebuilt from the dependency files, one new wheel fetched
        with open(root / "requirements.txt", "a") as fh:
            fh.write("six==1.16.0\n")
        explained = explain_project(root, client=engine, options=opts)
        first = next(p for p in explained if p.first)
        assert (first.step.text, first.cause) == (
            "COPY requirements.txt ./",
            "requirements.txt modified",
        )
        added = build_project(root, tag=tag, client=engine, options=opts)
        made.append(added.wheels_image or "")
        assert added.mismatches() == []
        assert set(added.wheels_fetched) <= {"six-1.16.0-py2.py3-none-any.whl"}
        ids = layer_ids(added.result)
        rebuilt = [s.instruction for s in added.steps if not s.cached and s.index in ids]
        assert rebuilt[0] == "COPY requirements.txt ./"
        assert "RUN python3 -m venv /opt/venv" not in rebuilt
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        for layer in reversed(made):
            subprocess.run(["docker", "rmi", layer], capture_output=True)
        for target in (None, "system"):
            record_path(root, GENERATED_DOCKERFILE, target).unlink(missing_ok=True)


def test_cli_dockerfile_explain_and_errors(tmp_path: Path, capsys, base_image: str) -> None:
    sample = tmp_path / "sample"
    shutil.copytree(Path(__file__).parent / "data" / "sample", sample)
    assert main(["dockerfile", str(sample), "--offline"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Generated by dockdjango") and "FROM " in out
    assert main(["dockerfile", "--dockerignore"]) == 0
    assert ".git" in capsys.readouterr().out.split()
    assert main(["explain", str(sample), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "COPY --chown=app:app . /app" in out and "steps reused" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["explain", str(empty)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and "requirements" in err
    assert main(["build", str(sample), "--build-arg", "NOEQUALS"]) == 1
    assert "KEY=VALUE" in capsys.readouterr().err
