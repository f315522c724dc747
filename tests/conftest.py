"""Shared test set-up: a real engine client for tests marked ``engine``; nothing mocked.

``DOCKDJANGO_TEST_ENGINE`` picks the engine the whole session talks to, as a user picks
it with ``DOCKER_HOST``: ``docker`` (the default: whatever ``DOCKER_HOST`` or the default
socket names), ``podman`` (Podman's socket, scripts/ensure-podman.sh) or ``ssh`` (this
machine's engine behind an sshd of the session's own, taken for a remote engine). The
tests marked ``matrix`` are those that must pass on every one of them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# pytester (for the plugin's own tests) must be declared here, in the top-level conftest.
pytest_plugins = ["pytester"]

TEST_LABEL = "org.dockdjango.test"
MATRIX_VAR = "DOCKDJANGO_TEST_ENGINE"
PODMAN_SOCKET = "unix:///run/podman/podman.sock"
#: the ssh engine a DOCKDJANGO_TEST_ENGINE=ssh session started (stopped at its end)
_SESSION_SSH: list[Any] = []


def pytest_configure(config: pytest.Config) -> None:
    """Point the session (and the CLI processes it starts) at the engine asked for."""
    kind = os.environ.get(MATRIX_VAR, "docker")
    if kind == "podman":
        os.environ["DOCKER_HOST"] = os.environ.get("DOCKDJANGO_PODMAN_HOST", PODMAN_SOCKET)
    elif kind == "ssh" and not _SESSION_SSH:
        import sshengine

        why = sshengine.missing()
        if why:
            raise pytest.UsageError(f"{MATRIX_VAR}=ssh: {why}")
        started = sshengine.start()
        _SESSION_SSH.append(started)
        os.environ.update(started.environ())
    elif kind not in ("docker", "podman", "ssh"):
        raise pytest.UsageError(f"{MATRIX_VAR}={kind}: use docker, podman or ssh")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the session's sshd, if it started one."""
    while _SESSION_SSH:
        _SESSION_SSH.pop().stop()


@pytest.fixture(scope="session")
def engine():
    """A client for the real Docker engine (fails clearly when none answers)."""
    from dockdjango.engine.client import connect

    return connect()


@pytest.fixture(scope="session")
def base_image(engine) -> str:
    """The registry-free base image, made if missing."""
    from dockdjango.api.images.base_image import ensure_base_image

    return ensure_base_image(engine).ref


@pytest.fixture(scope="session")
def ca_trusting(engine) -> Iterator[Callable[[str], str]]:
    """``ca_trusting(base)``: a local image of ``base`` that trusts the host's CA bundle the
    way public base images trust public CAs, so that a Dockerfile built by another tool
    (``docker compose build``) gets through this machine's TLS-intercepting proxy as it
    would get to PyPI elsewhere. ``base`` itself when the host configures no bundle. The
    images made are removed at the end of the session."""
    import hashlib

    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.images.ca import find_ca_bundle
    from dockdjango.images.context import make_context

    found = find_ca_bundle()
    made: dict[str, str] = {}

    def derive(base: str) -> str:
        from dockdjango.engine.image_store import inspect_image

        if found is None:
            return base
        # made again when gone (a test's image clean-up may take a tag it did not make)
        if base not in made or inspect_image(engine, made[base]) is None:
            bundle = found.read_bytes()
            digest = hashlib.sha256(bundle + base.encode()).hexdigest()[:12]
            tag = f"ddtest-catrust:{digest}"
            dockerfile = (
                f"FROM {base}\n"
                "COPY ca.pem /etc/ssl/certs/ca-certificates.crt\n"
                "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\n"
            )
            files = {"Dockerfile": dockerfile.encode(), "ca.pem": bundle}
            build_image(engine, make_context(None, extra_files=files), tag=tag)
            made[base] = tag
        return made[base]

    yield derive
    for tag in made.values():
        try:
            engine.api.remove_image(tag, noprune=True)
        except Exception:  # still used by a test's image, or gone
            pass


@pytest.fixture(scope="session")
def trust_ca(ca_trusting: Callable[[str], str]) -> Callable[[Path], None]:
    """``trust_ca(dockerfile)``: point each ``FROM dockdjango/...`` of a written Dockerfile
    at its :func:`ca_trusting` twin, for a build by another tool behind the proxy (a
    project's own ``FROM python:...`` is left as it is)."""
    return lambda dockerfile: _trust_ca_in(dockerfile, ca_trusting)


def _trust_ca_in(dockerfile: Path, ca_trusting: Callable[[str], str]) -> None:
    lines = dockerfile.read_text().splitlines(keepends=True)
    stages = set()
    for i, line in enumerate(lines):
        words = line.split()
        if len(words) >= 2 and words[0].upper() == "FROM":
            ref = words[1]
            if ref.lower() not in stages and ref.startswith("dockdjango/"):
                lines[i] = line.replace(ref, ca_trusting(ref), 1)
            if len(words) >= 4 and words[2].upper() == "AS":
                stages.add(words[3].lower())
    dockerfile.write_text("".join(lines))


@pytest.fixture
def unique_name() -> str:
    """A name no other test (or parallel worker) uses: ``ddtest-<8 hex>``."""
    return f"ddtest-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cleanup_images(engine) -> Iterator[list[str]]:
    """Append image refs/ids to the yielded list; they are removed after the test."""
    refs: list[str] = []
    yield refs
    for ref in reversed(refs):
        try:
            engine.api.remove_image(ref, force=True, noprune=False)
        except Exception:  # already gone, or removed by the test itself
            pass


@pytest.fixture(scope="session")
def ssh_engine() -> Iterator[Any]:
    """This machine's engine behind an sshd of the tests' own: ``.environ()`` gives the
    ``DOCKER_HOST=ssh://ddremote@127.0.0.1:PORT`` (and ``HOME`` with its ssh config) a
    client uses to reach it as a remote engine (tests/sshengine.py)."""
    import sshengine

    if os.environ.get(MATRIX_VAR) == "ssh":
        yield _SESSION_SSH[0]  # the whole session already talks to it
        return
    why = sshengine.missing()
    if why:  # machine set-up, not a failure of the code under test (CI runs the script)
        pytest.skip(f"no ssh engine here: {why}")
    started = sshengine.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(autouse=True)
def _ssh_config_for_pytester(request: pytest.FixtureRequest) -> None:
    """pytester points ``HOME`` at its own directory: in an ssh session, the inner runs need
    the session's ssh config and known_hosts there, as the user's own HOME has them."""
    if not _SESSION_SSH or "pytester" not in request.fixturenames:
        return
    import shutil

    inner = request.getfixturevalue("pytester").path
    shutil.copytree(Path(_SESSION_SSH[0].home) / ".ssh", inner / ".ssh", dirs_exist_ok=True)
