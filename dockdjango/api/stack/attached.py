"""An attached ``up``: every service's output as it comes, input for a debugger, and the
two-step Ctrl-C (stop gracefully, then kill).

```python
with AttachedUp(stack) as session:
    session.start()                       # up, without waiting for health
    for event in session.events():        # Output / Exited, until everything stopped
        ...
```

The CLI draws the events; a script can read them the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dockdjango.engine.project.attach import AttachEvent, Exited, Output

if TYPE_CHECKING:
    from dockdjango.api.stack.running_stack import RunningStack
    from dockdjango.engine.project.attach import Attachment
    from dockdjango.engine.up.converge import UpResult

__all__ = ["AttachedUp", "Exited", "Output"]


class AttachedUp:
    """``up`` with the output of ``services`` (default: all) followed until they stop."""

    def __init__(self, stack: RunningStack, *services: str) -> None:
        self.stack = stack
        self.services = services
        self.attachment: Attachment | None = None
        self.stopping: threading.Thread | None = None

    def __enter__(self) -> AttachedUp:
        from dockdjango.engine.failures import engine_errors
        from dockdjango.engine.project.attach import Attachment

        project = self.stack.project
        chosen = project.with_selected_services(self.services) if self.services else project
        with engine_errors():
            self.attachment = Attachment(
                self.stack.client, self.stack.name, list(chosen.services)
            ).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.attachment is not None:
            self.attachment.close()

    def _attachment(self) -> Attachment:
        if self.attachment is None:
            raise RuntimeError("use AttachedUp as a context manager")
        return self.attachment

    def start(self, **up_options: Any) -> UpResult:
        """``Stack.up`` (no waiting for health unless asked), each container attached
        before it starts."""
        up_options.setdefault("wait", False)
        return self.stack.up(*self.services, before_start=self._attachment().add, **up_options)

    def events(self) -> Iterator[AttachEvent]:
        """Output and exits until every container stopped (or :meth:`close`)."""
        yield from self._attachment().events()

    def send(self, data: bytes) -> str | None:
        """Input for the container that prompted last (``stdin_open`` ones); its name."""
        return self._attachment().send(data)

    def stop(self) -> None:
        """Stop the containers gracefully, in the background (output keeps coming)."""
        if self.stopping is None:
            self.stopping = threading.Thread(
                target=self._stop, daemon=True, name="dd-graceful-stop"
            )
            self.stopping.start()

    def _stop(self) -> None:
        from dockdjango.errors import DockdjangoError

        try:
            self.stack.stop(*self.services)
        except DockdjangoError:
            pass  # kill() is the way out; the containers' exits say the rest

    def kill(self) -> list[str]:
        """Kill what still runs (the second Ctrl-C); the names of the containers killed."""
        return self.stack.kill(*self.services)

    def close(self) -> None:
        """Stop following output (the containers are left as they are)."""
        self._attachment().close()
