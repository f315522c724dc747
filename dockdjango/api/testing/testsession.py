"""A test session's containers: labelled with the session, waited for, always removed.

Import these from :mod:`dockdjango.api.testing`, which gathers everything for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dockdjango.engine.testing.containers import ContainerSpec, RunningContainer, run_container
from dockdjango.engine.testing.readiness import (
    Call,
    Healthy,
    HttpOk,
    LogPattern,
    PortOpen,
    WaitFor,
    as_conditions,
    wait_ready,
)
from dockdjango.engine.testing.sessions import (
    Leftovers,
    Owner,
    find_leftovers,
    new_session_id,
    remove_leftovers,
    session_labels,
)

if TYPE_CHECKING:
    import docker

#: ``wait_for.log(r"ready")``, ``wait_for.port(5432)``, ``wait_for.http(8000, "/health")``,
#: ``wait_for.healthy()``, ``wait_for.call(fn)``: the readiness conditions by short names.
wait_for = SimpleNamespace(log=LogPattern, port=PortOpen, http=HttpOk, healthy=Healthy, call=Call)

Wait = WaitFor | Sequence[WaitFor] | Callable[..., object] | str | None


def prune(client: docker.DockerClient, *, include_kept: bool = False) -> list[Leftovers]:
    """Remove what test sessions whose process is gone left behind; return what was removed.

    ``include_kept`` also removes stacks and containers kept on purpose by
    ``--dockdjango-reuse``. An object another session still uses is left, with a line in
    its entry's ``warnings``.
    """
    leftovers = find_leftovers(client, include_kept=include_kept)
    remove_leftovers(client, leftovers)
    return leftovers


class TestSession:
    """One test session's containers: every one labelled with the session and its owner.

    ``owner_pid`` names the process whose death makes the session's objects leftovers; under
    pytest-xdist that is the controller, so a worker finishing early orphans nothing.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        client: docker.DockerClient,
        session_id: str | None = None,
        owner_pid: int | None = None,
    ) -> None:
        self.client = client
        self.id = session_id or new_session_id()
        self.owner = Owner.current(owner_pid)
        self._started: list[RunningContainer] = []

    def labels(self, *, keep: bool = False) -> dict[str, str]:
        """The labels naming this session and its owner (``keep`` marks a reused object)."""
        return session_labels(self.id, self.owner, keep=keep)

    def prune(self) -> list[Leftovers]:
        """Remove leftovers of dead sessions (never this one, whose owner is alive)."""
        return prune(self.client)

    def start(
        self,
        image: str,
        *,
        env: Mapping[str, str] | None = None,
        ports: Sequence[int | str] = (),
        command: str | Sequence[str] | None = None,
        wait: Wait = None,
        timeout: float = 60.0,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        tmpfs: Mapping[str, str] | None = None,
        keep: bool = False,
        **options: Any,
    ) -> RunningContainer:
        """Run ``image`` and wait until ready; removed by :meth:`close` unless ``keep``.

        On a wait failure the container is removed and :class:`~dockdjango.errors.ServiceError`
        says what was awaited, with the container's last log lines.
        """
        spec = ContainerSpec(
            image=image,
            env=dict(env or {}),
            ports=tuple(ports),
            command=command,
            labels={**dict(labels or {}), **self.labels(keep=keep)},
            name=name,
            tmpfs=dict(tmpfs or {}),
            options=options,
        )
        container = run_container(self.client, spec)
        if not keep:
            self._started.append(container)
        try:
            wait_ready(container, as_conditions(wait), timeout)
        except BaseException:
            self.remove(container)
            raise
        return container

    def remove(self, container: RunningContainer) -> None:
        """Remove one container now."""
        container.remove()
        if container in self._started:
            self._started.remove(container)

    def release(self, container: RunningContainer) -> None:
        """Stop tracking ``container``: :meth:`close` leaves it to whoever owns the session
        (a server shared by the xdist workers of a run, removed by its controller)."""
        if container in self._started:
            self._started.remove(container)

    def close(self) -> None:
        """Remove every container this session started (newest first), kept ones aside."""
        errors: list[BaseException] = []
        while self._started:
            try:
                self._started.pop().remove()
            except Exception as exc:  # keep removing the others; report the first failure
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> TestSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
