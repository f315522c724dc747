"""``up --wait`` returns once a ``runserver``'s reloader watches the source.

Django's dev server answers before its autoreloader is ready: the reloader subscribes to
watchman only after the first requests can be served, and watchman reports only what
changes after a subscription. An edit made as soon as ``up`` said the site is up could be
lost for good (a template stays cached until the next change). So, for each container
this ``up`` started whose log says Django's reloader runs with watchman, ``up`` waits (one
exec, bounded) until watchman holds the reloader's subscriptions for the working
directory's project root. Django's ``StatReloader`` (no watchman) shows nothing to wait
for: its first scan follows the server by about a second, as without dockdjango.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dockdjango.engine.progress import Event, OnProgress
from dockdjango.engine.project import lifecycle
from dockdjango.engine.project.execs import run_captured
from dockdjango.engine.project.logs import iter_logs
from dockdjango.errors import DockdjangoError

if TYPE_CHECKING:
    import docker


__all__ = ["WATCHING", "wait_watching"]

#: What Django's runserver logs as its reloader starts with watchman.
WATCHING = "Watching for file changes with WatchmanReloader"

#: Exit 0 once watchman has a ``files:`` subscription (the reloader's, made after its
#: template globs) on the project root of the working directory; 2 without watchman or
#: root; 1 when none came within $1 tenths of a second.
_GATE = (
    'command -v watchman >/dev/null 2>&1 || exit 2; '
    'root=$(watchman --no-pretty watch-project "$PWD" 2>/dev/null '
    "| sed -n 's/.*\"watch\": *\"\\([^\"]*\\)\".*/\\1/p'); "
    '[ -n "$root" ] || exit 2; i=0; while [ "$i" -lt "$1" ]; do '
    'watchman --no-pretty debug-get-subscriptions "$root" 2>/dev/null '
    "| grep -q '\"info\": *\"files:' && exit 0; sleep 0.1; i=$((i+1)); done; exit 1"
)


def wait_watching(
    client: docker.DockerClient,
    stack: str,
    services: Iterable[str],
    seconds: float,
    on_progress: OnProgress,
) -> None:
    """Wait up to ``seconds`` for each service's reloader to watch its source (see the
    module docstring); say so, as a warning, where it does not."""
    for row in lifecycle.ps(client, stack, list(services)):
        if row.state != "running":
            continue
        logs = iter_logs(client, stack, [row.service], tail=200)
        if not any(WATCHING in line.text for line in logs):
            continue
        try:  # the row's name is the container's: no second look-up
            code, _, _ = run_captured(
                client, row.name, ["sh", "-c", _GATE, "gate", str(max(1, int(seconds * 10)))]
            )
        except DockdjangoError:
            continue  # gone meanwhile: the caller's checks say so
        if code == 1:
            on_progress(
                Event(
                    "service",
                    row.service,
                    "warning",
                    f"runserver's reloader was not watching the source after {seconds:.0f} s:"
                    " an edit made now may be missed until the next one (or a restart)",
                )
            )
