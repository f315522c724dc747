"""The one boundary where the Docker SDK's exceptions become dockdjango's.

Every engine operation the API calls is wrapped in :func:`translate_errors`: a vanished
daemon becomes :class:`~dockdjango.errors.EngineUnavailable`, any other refusal an
:class:`~dockdjango.errors.EngineError` with the engine's own explanation, so neither the
API nor the CLI (nor a script) ever sees ``docker.errors``. Refusals that need a sentence
of their own (a port in use) are explained where they happen, with
:func:`explain_start_error`.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from docker.errors import APIError, DockerException
from requests.exceptions import ConnectionError as RequestsConnectionError

from dockdjango.engine.address import engine_address
from dockdjango.errors import EngineError, EngineUnavailable, ServiceError, start_refusal

if TYPE_CHECKING:
    from dockdjango.compose.project import Project

F = TypeVar("F", bound=Callable[..., Any])


def explain_start_error(
    service: str, exc: APIError, project: Project | None = None
) -> ServiceError:
    """A :class:`ServiceError` for a container that would not start.

    With the ``project``, the hint of a port conflict also says where the port was written
    (``compose.yaml:9``)."""
    text = str(exc.explanation or exc)
    text = text if text.strip() else type(exc).__name__
    return start_refusal(service, text, project.origin if project is not None else None)


@contextmanager
def engine_errors() -> Iterator[None]:
    """Turn the SDK's exceptions raised in the block into ours (see the module docstring)."""
    try:
        yield
    except APIError as exc:
        raise EngineError(
            f"the engine refused: {_first_line(str(exc.explanation or exc))}"
        ) from None
    except (RequestsConnectionError, ConnectionError) as exc:
        raise EngineUnavailable(engine_address(), _first_line(str(exc))[:160]) from None
    except DockerException as exc:
        raise EngineError(f"Docker SDK error: {_first_line(str(exc))}") from None


def translate_errors(function: F) -> F:
    """Wrap an engine operation (a function or a generator) in :func:`engine_errors`."""
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def generator(*args: Any, **kwargs: Any) -> Any:
            with engine_errors():
                yield from function(*args, **kwargs)

        return generator  # type: ignore[return-value]

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with engine_errors():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no details"


#: an outside host a program failed to reach (requests/urllib3, curl, socket errors)
_UNREACHED_HOST = re.compile(
    r"HTTPS?ConnectionPool\(host='([^']+)'|Failed to resolve '([^']+)'"
    r"|Could not resolve host: ([\w.-]+)|getaddrinfo failed for ([\w.-]+)"
)


def unreachable_host(lines: list[str]) -> str | None:
    """The outside host (a dotted name, not an address nor a service of the stack) a
    crashed program's last output says it could not connect to; None when it says none."""
    for line in reversed(lines[-40:]):
        for match in _UNREACHED_HOST.finditer(line):
            host = next(g for g in match.groups() if g)
            if "." in host and not re.fullmatch(r"[\d.]+", host) and host != "localhost":
                return host
    return None
