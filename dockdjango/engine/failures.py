"""Turning the engine's refusals into one sentence that names the service and the fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from docker.errors import APIError

from dockdjango.errors import EngineError, EngineUnavailable, ServiceError

_LISTEN = re.compile(
    r"listen (?:tcp|udp)[46]? (\[?[0-9a-fA-F.:]*\]?):(\d+): bind: address already in use"
)
_ALLOCATED = re.compile(r"Bind for (\[?[0-9a-fA-F.:]*\]?):(\d+) failed: port is already allocated")


def explain_start_error(service: str, exc: APIError) -> ServiceError:
    """A :class:`ServiceError` for a container that would not start."""
    text = str(exc.explanation or exc)
    for pattern, who in ((_LISTEN, "by another program"), (_ALLOCATED, "by another container")):
        m = pattern.search(text)
        if m:
            host = m.group(1) or "0.0.0.0"
            return ServiceError(
                service,
                f"port {host}:{m.group(2)} is already in use ({who}) — free it or change "
                f"services.{service}.ports",
                hint=f"find the owner with: ss -ltnp 'sport = :{m.group(2)}'",
            )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return ServiceError(service, f"service {service} could not start: {first}")


@contextmanager
def engine_errors() -> Iterator[None]:
    """Turn the SDK's exceptions into ours: a vanished daemon is :class:`EngineUnavailable`,
    any other refusal an :class:`EngineError` with the engine's own explanation."""
    from docker.errors import DockerException
    from requests.exceptions import ConnectionError as RequestsConnectionError

    from dockdjango.engine.client import engine_address

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


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no details"
