"""Credential files: the generated `.dockerignore` leaves them out at any depth, a project's
own `.dockerignore` that lets one through is warned about, and ordinary files stay in."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockdjango.images.context import iter_context_files
from dockdjango.images.credentials import credential_files, credential_warning, is_credential
from dockdjango.images.dockerignore import DockerIgnore, generate_dockerignore

CREDENTIALS = [
    "id_rsa",
    "id_rsa.pub",
    "id_rsa_deploy",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".ssh/config",
    ".ssh/known_hosts",
    ".gnupg/private-keys-v1.d/abc.key",
    "server.pem",
    "privkey.pem",
    "server.key",
    "client.p12",
    "client.pfx",
    "putty.ppk",
    ".aws/credentials",
    ".aws/config",
    ".s3cfg",
    ".azure/accessTokens.json",
    ".config/gcloud/application_default_credentials.json",
    ".kube/config",
    "credentials.json",
    "service-account.json",
    "service-account-prod.json",
    "secrets.json",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".docker/config.json",
    ".git-credentials",
    ".htpasswd",
    ".pgpass",
    ".my.cnf",
]

#: What a Django project needs in its image, some with names close to a credential's.
KEPT = [
    "manage.py",
    "mysite/settings.py",
    "books/views.py",
    "books/fixtures/books.json",
    "books/credentials.py",
    "books/keys.py",
    "accounts/ssh_keys.py",
    "templates/registration/password_reset_form.html",
    "static/js/keyboard.js",
    "static/img/key.svg",
    "certs/rds-ca.crt",
    "certs/ca-bundle.cer",
    "requirements.txt",
    "pyproject.toml",
    "locale/de/LC_MESSAGES/django.po",
    ".docker/daemon.json",
    "config/settings.json",
]


@pytest.mark.parametrize("path", CREDENTIALS)
@pytest.mark.parametrize("where", ["", "app/", "deploy/keys/"])
def test_generated_file_leaves_credentials_out_at_any_depth(where: str, path: str) -> None:
    assert DockerIgnore(generate_dockerignore()).ignored(where + path)
    assert is_credential(where + path)


@pytest.mark.parametrize("path", KEPT)
def test_generated_file_keeps_project_files(path: str) -> None:
    assert not DockerIgnore(generate_dockerignore()).ignored(path)
    assert not is_credential(path)


def test_the_context_walk_drops_every_credential(tmp_path: Path) -> None:
    for rel in [*CREDENTIALS, *(f"app/{p}" for p in CREDENTIALS), *KEPT]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    sent = list(iter_context_files(tmp_path, DockerIgnore(generate_dockerignore())))
    assert sent == sorted(KEPT)
    assert credential_files(sent) == []


def test_credentials_a_projects_own_ignore_lets_through_are_found() -> None:
    own = DockerIgnore(".git\n*.key\n")
    paths = ["manage.py", "secrets.json", "server.key", "deploy/.aws/credentials"]
    sent = [p for p in paths if not own.ignored(p)]
    assert credential_files(sent, own) == ["secrets.json", "deploy/.aws/credentials"]


@pytest.mark.parametrize(
    ("ignore", "reported"),
    [
        # named by a `!` line: deliberate, not reported
        ("*.pem\n!certs/rds-ca.pem\n", []),
        ("**/*.pem\n!**/*-ca.pem\n", []),
        # re-included only as part of a directory, or by a bare wildcard: still reported
        ("*\n!certs\n", ["certs/rds-ca.pem"]),
        ("*\n!certs/**\n", ["certs/rds-ca.pem"]),
        ("*\n!*\n", ["certs/rds-ca.pem"]),
        ("", ["certs/rds-ca.pem"]),
    ],
)
def test_a_file_re_included_by_name_is_deliberate(ignore: str, reported: list[str]) -> None:
    assert credential_files(["certs/rds-ca.pem", "manage.py"], DockerIgnore(ignore)) == reported


def test_warning_names_the_file_and_the_fix() -> None:
    assert credential_warning([]) is None
    one = credential_warning(["secrets.json"])
    assert one is not None and "\n" not in one
    assert "secrets.json" in one and "add `secrets.json` to .dockerignore" in one
    many = [f"k{i}.key" for i in range(8)]
    text = credential_warning(many)
    assert text is not None and "\n" not in text
    assert "8 credential files (k0.key, k1.key, k2.key, k3.key, k4.key and 3 more)" in text
    assert "k5.key" not in text and "add them to .dockerignore" in text
