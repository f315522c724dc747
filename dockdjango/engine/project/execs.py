"""Running a command in a service's container: captured, streamed, or interactive."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import docker

from dockdjango.engine.failures import translate_errors


def _create(
    client: docker.DockerClient,
    container: str,
    cmd: Sequence[str],
    *,
    tty: bool,
    stdin: bool,
    user: str | None,
    workdir: str | None,
    env: Mapping[str, str] | None,
) -> str:
    made = client.api.exec_create(
        container,
        list(cmd),
        stdout=True,
        stderr=True,
        stdin=stdin,
        tty=tty,
        user=user or "",
        workdir=workdir,
        environment=dict(env or {}) or None,
    )
    return str(made["Id"])


@translate_errors
def run_captured(
    client: docker.DockerClient,
    container: str,
    cmd: Sequence[str],
    *,
    user: str | None = None,
    workdir: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, bytes, bytes]:
    """Run ``cmd``; return (exit code, stdout, stderr)."""
    exec_id = _create(
        client, container, cmd, tty=False, stdin=False, user=user, workdir=workdir, env=env
    )
    out, err = client.api.exec_start(exec_id, demux=True)
    code = int(client.api.exec_inspect(exec_id).get("ExitCode") or 0)
    return code, out or b"", err or b""


@translate_errors
def run_streamed(
    client: docker.DockerClient,
    container: str,
    cmd: Sequence[str],
    *,
    write_out: Callable[[bytes], Any],
    write_err: Callable[[bytes], Any],
    user: str | None = None,
    workdir: str | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run ``cmd``, passing its output on as it comes; return its exit code."""
    exec_id = _create(
        client, container, cmd, tty=False, stdin=False, user=user, workdir=workdir, env=env
    )
    for out, err in client.api.exec_start(exec_id, stream=True, demux=True):
        if out:
            write_out(out)
        if err:
            write_err(err)
    return int(client.api.exec_inspect(exec_id).get("ExitCode") or 0)


@translate_errors
def run_interactive(
    client: docker.DockerClient,
    container: str,
    cmd: Sequence[str],
    *,
    user: str | None = None,
    workdir: str | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run ``cmd`` with this terminal attached (raw mode, TTY); return its exit code."""
    from dockdjango.engine.project.terminal import attach_terminal

    exec_id = _create(
        client, container, cmd, tty=True, stdin=True, user=user, workdir=workdir, env=env
    )
    sock: Any = client.api.exec_start(exec_id, tty=True, socket=True)
    attach_terminal(
        sock, lambda rows, cols: client.api.exec_resize(exec_id, height=rows, width=cols)
    )
    return int(client.api.exec_inspect(exec_id).get("ExitCode") or 0)


@translate_errors
def run_detached(
    client: docker.DockerClient,
    container: str,
    cmd: Sequence[str],
    *,
    user: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Start ``cmd`` and return at once (``docker exec -d``); the exec's id.

    The command goes on inside the container after this process exits: for work nobody
    has to wait for (dropping a database that was swapped out, a copy made ahead of time).
    """
    exec_id = _create(
        client, container, cmd, tty=False, stdin=False, user=user, workdir=None, env=env
    )
    client.api.exec_start(exec_id, detach=True)
    return exec_id
