"""Credential files never reach `/app` of an image built with dockdjango's generated files,
and a project whose own `.dockerignore` lets one through is warned, naming it (API and CLI).

Each test builds a copy of the small sample project under its own tag, reads the built image's
`/app` with `find` in a container, and removes its containers and images however it ends.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockdjango.api.images.project_images import GENERATED_DOCKERFILE, ImageBuild, build_project
from dockdjango.cli import main
from dockdjango.images.dockerfile import DockerfileOptions
from dockdjango.images.dockerignore import generate_dockerignore
from dockdjango.images.explain import record_path

pytestmark = pytest.mark.engine

DATA = Path(__file__).parent / "data"
SECRETS = {
    "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    ".aws/credentials": "[default]\naws_secret_access_key = x\n",
    ".netrc": "machine example.com login me password x\n",
    "secrets.json": '{"SECRET_KEY": "x"}\n',
    "server.key": "-----BEGIN PRIVATE KEY-----\n",
    "greet/.ssh/id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    "deploy/.npmrc": "//registry.npmjs.org/:_authToken=x\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A copy of the sample project (with a token of its own) holding credential files."""
    root = tmp_path / "sample"
    shutil.copytree(DATA / "sample", root)
    with open(root / "greet" / "__init__.py", "a") as fh:
        fh.write(f"# test token {uuid.uuid4().hex}\n")
    for rel, text in SECRETS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    try:
        yield root
    finally:
        record_path(root, GENERATED_DOCKERFILE, None).unlink(missing_ok=True)


def build(engine, root: Path, tag: str, base: str, cleanup: list[str]) -> ImageBuild:
    """Build ``root`` as ``tag`` on ``base``; the tag and the image are removed after the test."""
    cleanup.append(tag)
    result = build_project(root, tag=tag, client=engine, options=DockerfileOptions(base_image=base))
    cleanup.append(result.image_id)
    return result


def files_in_app(engine, image: str) -> set[str]:
    """Every path under `/app` of ``image``, relative to it (`find` in a container)."""
    container = engine.containers.create(image, ["find", "/app"])
    try:
        container.start()
        assert container.wait(timeout=120)["StatusCode"] == 0
        out = container.logs(stdout=True, stderr=False).decode()
    finally:
        container.remove(force=True)
    return {line.removeprefix("/app/") for line in out.split() if line != "/app"}


def test_generated_dockerignore_keeps_credentials_out_of_the_image(
    project: Path, engine, build_base: str, unique_name: str, cleanup_images: list[str]
) -> None:
    # the file `dockdjango init` and `dockerfile --write` commit; without one the build
    # applies the same text
    (project / ".dockerignore").write_text(generate_dockerignore())
    tag = f"{unique_name}:creds"
    result = build(engine, project, tag, build_base, cleanup_images)
    assert result.warnings == []
    files = files_in_app(engine, tag)
    assert {"app.py", "greet/__init__.py", "requirements.txt"} <= files
    assert not set(SECRETS) & files, files
    assert not {".aws", "greet/.ssh"} & files, files


def test_a_projects_own_dockerignore_that_lets_a_secret_through_is_warned(
    project: Path,
    engine,
    build_base: str,
    unique_name: str,
    cleanup_images: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a hand-written list that covers the keys but forgets secrets.json
    (project / ".dockerignore").write_text(
        ".git\n**/id_rsa*\n**/id_ed25519*\n**/.aws\n**/.netrc\n**/.npmrc\n*.key\n"
    )
    tag = f"{unique_name}:creds"
    result = build(engine, project, tag, build_base, cleanup_images)
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "a credential file, secrets.json" in warning
    assert "add `secrets.json` to .dockerignore" in warning
    assert "secrets.json" in files_in_app(engine, tag)  # the warning told the truth

    # the CLI prints it on stderr, as a warning
    capsys.readouterr()
    assert main(["build", "-t", tag, "--base", build_base, str(project)]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert lines == [f"warning: {warning}"], err


def test_a_stack_build_reports_the_warning_as_an_image_event(
    tmp_path: Path, engine, base_image: str, unique_name: str, cleanup_images: list[str]
) -> None:
    from dockdjango.api.stack.stack import Stack
    from dockdjango.engine.progress import Event

    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nCOPY . /app\n")
    (tmp_path / ".dockerignore").write_text(".git\n")
    (tmp_path / "secrets.json").write_text('{"SECRET_KEY": "x"}\n')
    (tmp_path / "compose.yaml").write_text(
        f"name: {unique_name}\nservices:\n  app:\n    build: .\n    init: true\n"
        '    command: ["sleep", "1000000"]\n'
    )
    tag = f"{unique_name}-app"  # Compose's name for a built image with no `image:`
    cleanup_images.append(tag)
    stack = Stack.load(tmp_path / "compose.yaml", client=engine)
    events: list[Event] = []
    try:
        stack.up(on_progress=events.append)
    finally:
        stack.down(volumes=True)
    warnings = [e for e in events if e.kind == "image" and e.action == "warning"]
    assert [e.name for e in warnings] == [tag]
    assert "a credential file, secrets.json" in warnings[0].detail
