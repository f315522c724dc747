"""Running commands in a stack's running containers (``exec``, captured or attached): the
part of `Stack` that runs things in what is up rather than converging it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockdjango.engine.project import execs, lifecycle

if TYPE_CHECKING:
    import docker

__all__ = ["ExecResult", "StackCommands"]


@dataclass(frozen=True)
class ExecResult:
    """What a command run with :meth:`Stack.exec` did."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.stdout + self.stderr


class StackCommands:
    """``exec`` (captured or attached) and container look-ups for
    :class:`~dockdjango.api.stack.stack.Stack`, which provides ``client`` and ``name``."""

    if TYPE_CHECKING:

        @property
        def client(self) -> docker.DockerClient: ...

        @property
        def name(self) -> str: ...

    def container_id(self, service: str, index: int = 1) -> str:
        """The engine id of container ``index`` of ``service``."""
        return lifecycle.container_id(self.client, self.name, service, index)

    def running_container_id(self, service: str, index: int = 1) -> str:
        """Like :meth:`container_id`, but the container must be running (for exec)."""
        return lifecycle.container_id(self.client, self.name, service, index, running=True)

    def exec(
        self,
        service: str,
        cmd: str | Sequence[str],
        *,
        user: str | None = None,
        workdir: str | None = None,
        env: Mapping[str, str] | None = None,
        index: int = 1,
    ) -> ExecResult:
        """Run ``cmd`` in the service's running container; capture its output."""
        argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
        code, out, err = execs.run_captured(
            self.client,
            self.running_container_id(service, index),
            argv,
            user=user,
            workdir=workdir,
            env=env,
        )
        return ExecResult(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def exec_attached(
        self,
        service: str,
        cmd: Sequence[str],
        *,
        tty: bool = False,
        user: str | None = None,
        workdir: str | None = None,
        env: Mapping[str, str] | None = None,
        index: int = 1,
        write_out: Any = None,
        write_err: Any = None,
    ) -> int:
        """Run ``cmd`` in the service's running container as ``docker compose exec`` does;
        return its exit code.

        With ``tty`` this terminal is attached (raw mode; stdin must be a terminal);
        otherwise the output is passed on as it comes, to ``write_out``/``write_err``
        (callables taking bytes; default: this process's stdout and stderr)."""
        cid = self.running_container_id(service, index)
        if tty:
            return execs.run_interactive(self.client, cid, cmd, user=user, workdir=workdir, env=env)
        return execs.run_streamed(
            self.client,
            cid,
            cmd,
            user=user,
            workdir=workdir,
            env=env,
            write_out=write_out or _passed_on("stdout"),
            write_err=write_err or _passed_on("stderr"),
        )


def _passed_on(stream: str) -> Any:
    """A writer of bytes to ``sys.stdout``/``sys.stderr``, flushed at once."""
    import sys

    def write(data: bytes) -> None:
        target = getattr(sys, stream)
        target.buffer.write(data)
        target.flush()

    return write
