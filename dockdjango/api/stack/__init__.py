"""`Stack` — a compose-style project brought up, inspected and torn down from Python.

``stack`` holds the class, assembled from mixins by area: ``stack_load`` (from files,
options or a name), ``stack_exec`` (commands in running containers), ``stack_inspect``
(``ps``, ports, URLs, logs). Its methods' work lives beside it: ``stack_build`` (a
service's image), ``stack_run`` (``run``), ``running_stack`` (the protocol ``run``,
``watch`` and ``attached`` take),
``attached`` (an attached ``up``), ``stack_watch`` and ``watchrules`` (``watch``), ``links``
(the URLs services announce), ``zeroconfig`` (a Django project with no compose file),
``postgres`` and ``service_images`` (the image a backing service runs, official or a
stand-in), ``standin_provider`` (what ``up`` gives the engine for images it cannot have),
``webport`` (where a zero-config ``web`` publishes). Modules here import the top of
``api``, ``api.images`` and the floors below. ``from dockdjango.api.stack import Stack``
is the public path (names re-exported here).
"""

from __future__ import annotations

from dockdjango.api.stack.stack import (
    ContainerStatus,
    DownResult,
    Event,
    ExecResult,
    Link,
    LogLine,
    OnProgress,
    Stack,
    UpResult,
    compose_files,
    down_project,
    host_port,
)

__all__ = [
    "ContainerStatus",
    "DownResult",
    "Event",
    "ExecResult",
    "Link",
    "LogLine",
    "OnProgress",
    "Stack",
    "UpResult",
    "compose_files",
    "down_project",
    "host_port",
]
