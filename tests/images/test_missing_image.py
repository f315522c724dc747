"""The exact command that builds an app image nothing can pull, from the project's own
Dockerfile (pure: files only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.images.missing_image import build_command, find_dockerfiles


def _tree(root: Path, files: list[str]) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("FROM scratch\n" if "ockerfile" in name else "")
    return root


@pytest.mark.parametrize(
    ("ref", "files", "command"),
    [
        # the root Dockerfile; test fixtures' Dockerfiles are not candidates
        (
            "pub.kiwitcms.eu/kiwitcms/kiwi:latest",
            ["Dockerfile", "tests/bugzilla/Dockerfile", "manage.py"],
            "docker build -t pub.kiwitcms.eu/kiwitcms/kiwi:latest .",
        ),
        # named Dockerfiles in a docker/ folder build from the repository
        (
            "sissbruecker/linkding:latest",
            ["docker/alpine.Dockerfile", "docker/default.Dockerfile", "manage.py"],
            "docker build -t sissbruecker/linkding:latest -f docker/default.Dockerfile .",
        ),
        # a sub-project's Dockerfile builds from its folder; a dev one is not preferred
        (
            "grafana/oncall",
            ["engine/Dockerfile", "engine/requirements.txt", "grafana-plugin/Dockerfile.dev"],
            "docker build -t grafana/oncall engine",
        ),
        # the image's name picks among several
        (
            "mathesar/mathesar-caddy:latest",
            ["Dockerfile", "Dockerfile.caddy", "Dockerfile.devdb", "api_tests/Dockerfile"],
            "docker build -t mathesar/mathesar-caddy:latest -f Dockerfile.caddy .",
        ),
        ("mathesar/mathesar:latest", ["Dockerfile", "Dockerfile.caddy"], None),
    ],
)
def test_the_build_command_names_the_dockerfile_that_makes_the_image(
    tmp_path: Path, ref: str, files: list[str], command: str | None
) -> None:
    root = _tree(tmp_path, files)
    expected = command or f"docker build -t {ref} ."
    assert build_command(ref, root) == expected


def test_no_dockerfile_no_command(tmp_path: Path) -> None:
    _tree(tmp_path, ["manage.py", ".github/Dockerfile", "node_modules/x/Dockerfile"])
    assert find_dockerfiles(tmp_path) == []
    assert build_command("someone/app", tmp_path) is None
