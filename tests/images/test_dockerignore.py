"""`.dockerignore` semantics: Docker's documented examples and moby's matching rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.images.context import iter_context_files
from dockdjango.images.dockerignore import DockerIgnore, generate_dockerignore


@pytest.mark.parametrize(
    ("patterns", "path", "ignored"),
    [
        # Examples from Docker's documentation of .dockerignore
        ("*/temp*", "somedir/temporary.txt", True),
        ("*/temp*", "somedir/temp", True),
        ("*/temp*", "temp", False),
        ("*/temp*", "a/b/temp.txt", False),
        ("*/*/temp*", "somedir/subdir/temporary.txt", True),
        ("*/*/temp*", "somedir/temporary.txt", False),
        ("temp?", "tempa", True),
        ("temp?", "tempab", False),
        ("temp?", "dir/tempa", False),
        ("**/*.go", "main.go", True),
        ("**/*.go", "a/b/c.go", True),
        ("*.md\n!README.md", "README.md", False),
        ("*.md\n!README.md", "CHANGES.md", True),
        ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", True),
        ("*.md\n!README*.md\nREADME-secret.md", "README.md", False),
        ("*.md\nREADME-secret.md\n!README*.md", "README-secret.md", False),
        # A pattern excludes a directory's whole subtree (parent matching)
        ("foo", "foo/bar/baz.txt", True),
        ("foo/bar", "foo/bar/baz.txt", True),
        ("foo/bar", "foo/baz", False),
        # Cleaning: leading slash, ./, trailing slash, doubled slashes
        ("/foo", "foo/x", True),
        ("./foo", "foo", True),
        ("foo/", "foo/x", True),
        ("a//b", "a/b", True),
        # ** forms
        ("**", "anything/at/all", True),
        ("a/**", "a/b/c", True),
        ("a/**/z", "a/z", True),
        ("a/**/z", "a/b/c/z", True),
        ("**/__pycache__", "pkg/__pycache__/m.pyc", True),
        # Escapes and classes
        ("\\*.txt", "*.txt", True),
        ("\\*.txt", "a.txt", False),
        ("[ab].txt", "a.txt", True),
        ("[ab].txt", "c.txt", False),
        ("[^ab].txt", "c.txt", True),
        # Comments and blank lines are not patterns
        ("# foo\n\n", "# foo", False),
        # `*` never crosses a slash
        ("*.py", "pkg/mod.py", False),
    ],
)
def test_pattern(patterns: str, path: str, ignored: bool) -> None:
    assert DockerIgnore(patterns).ignored(path) is ignored


def test_last_matching_rule_wins_across_reinclusion() -> None:
    ig = DockerIgnore("logs\n!logs/keep.log\nlogs/keep.log")
    assert ig.ignored("logs/keep.log")
    ig = DockerIgnore("logs\n!logs/keep.log")
    assert not ig.ignored("logs/keep.log")
    assert ig.ignored("logs/other.log")


def test_can_prune_only_without_reaching_reinclusions() -> None:
    ig = DockerIgnore("node_modules\ndata\n!data/seed.json")
    assert ig.can_prune("node_modules")
    assert not ig.can_prune("data")  # `!data/seed.json` starts with data/
    assert ig.can_prune("other")


def test_context_walk_respects_reinclusion(tmp_path: Path) -> None:
    for rel in ("data/seed.json", "data/big.bin", "app.py", ".git/HEAD", "pkg/__pycache__/m.pyc"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    ig = DockerIgnore(generate_dockerignore() + "data\n!data/seed.json\n")
    assert list(iter_context_files(tmp_path, ig)) == ["app.py", "data/seed.json"]


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        "venv/x",
        "pkg/__pycache__/a.pyc",
        ".env",
        ".env.local",
        "media/upload.png",
        "node_modules/x/index.js",
        "db.sqlite3",
        "Dockerfile",
        "compose.yaml",
    ],
)
def test_generated_file_leaves_out(path: str) -> None:
    assert DockerIgnore(generate_dockerignore()).ignored(path)


@pytest.mark.parametrize(
    "path", ["manage.py", "books/views.py", "requirements.txt", "static/app.css"]
)
def test_generated_file_keeps_source(path: str) -> None:
    assert not DockerIgnore(generate_dockerignore()).ignored(path)
