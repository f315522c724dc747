"""``Stack.run``: a one-off container of a service, like ``docker compose run``.

```python
result = stack.run("web", ["python", "manage.py", "migrate"])   # deps up first
assert result.exit_code == 0, result.output
```

Without writers the output is captured into the result; with them (the CLI) it streams.
``tty=True`` wires this terminal to the container (raw mode): for ``pdb``, shells and
``createsuperuser``.
"""

from __future__ import annotations

import io
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockdjango.api.stack.running_stack import RunningStack
    from dockdjango.engine.progress import OnProgress
    from dockdjango.engine.project.run import RunOptions


@dataclass(frozen=True)
class RunResult:
    """What a one-off container did. ``stdout``/``stderr`` are empty when streamed."""

    exit_code: int
    container: str
    stdout: str = ""
    stderr: str = ""

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.stdout + self.stderr


def run(
    stack: RunningStack,
    service: str,
    command: str | Sequence[str] | None = None,
    *,
    remove: bool = True,
    environment: Mapping[str, str | None] | None = None,
    deps: bool = True,
    tty: bool = False,
    stdin: IO[bytes] | bytes | None = None,
    write_out: Callable[[bytes], Any] | None = None,
    write_err: Callable[[bytes], Any] | None = None,
    user: str | None = None,
    workdir: str | None = None,
    entrypoint: Sequence[str] | None = None,
    service_ports: bool = False,
    detach: bool = False,
    on_progress: OnProgress | None = None,
    timeout: float = 120.0,
) -> RunResult:
    """Run ``command`` (default: the service's) in a new container of ``service``."""
    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.progress import ignore
    from dockdjango.engine.project.run import RunOptions, prepare, start_detached

    argv = shlex.split(command) if isinstance(command, str) else command
    feed = io.BytesIO(stdin) if isinstance(stdin, bytes) else stdin
    opts = RunOptions(
        command=list(argv) if argv is not None else None,
        entrypoint=entrypoint,
        environment=dict(environment or {}),
        user=user,
        workdir=workdir,
        tty=tty,
        interactive=tty or feed is not None,
        remove=remove and not detach,
        deps=deps,
        service_ports=service_ports,
    )
    report = on_progress or stack.on_progress or ignore
    with engine_errors():
        cid, name = prepare(
            stack.client,
            stack.project,
            service,
            opts,
            on_progress=report,
            builder=stack.image_builder(report),
            stand_in=stack.stand_ins(),
            timeout=timeout,
        )
        if detach:
            start_detached(stack.client, cid)
            return RunResult(0, name)
        return _attached(stack, cid, name, service, opts, feed, write_out, write_err)


def _attached(
    stack: RunningStack,
    cid: str,
    name: str,
    service: str,
    opts: RunOptions,
    feed: IO[bytes] | None,
    write_out: Callable[[bytes], Any] | None,
    write_err: Callable[[bytes], Any] | None,
) -> RunResult:
    """Run the prepared container attached until it exits; its output captured unless
    written out as it comes. A container to remove is removed even when this fails."""
    from dockdjango.engine.project.run import remove_quietly, run_attached

    out, err = bytearray(), bytearray()
    try:
        code = run_attached(
            stack.client,
            cid,
            service,
            tty=opts.tty,
            stdin=feed,
            write_out=write_out or out.extend,
            write_err=write_err or err.extend,
            removed=opts.remove,
        )
    except BaseException:
        if opts.remove:
            remove_quietly(stack.client, cid)
        raise
    return RunResult(
        code, name, bytes(out).decode("utf-8", "replace"), bytes(err).decode("utf-8", "replace")
    )
