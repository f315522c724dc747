"""One-off containers for tests: run with ephemeral 127.0.0.1 ports, inspect, read logs, remove.

Ports are published on 127.0.0.1 with no host port, so the engine picks a free one: two
parallel test workers never ask for the same port, and nothing listens beyond this host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, NotFound

from dockdjango.engine.failures import translate_errors
from dockdjango.engine.image_store import ensure_image
from dockdjango.errors import EngineError

LOCALHOST = "127.0.0.1"


def port_key(port: int | str) -> str:
    """``5432`` -> ``"5432/tcp"``; ``"53/udp"`` unchanged."""
    text = str(port)
    return text if "/" in text else f"{text}/tcp"


@dataclass(frozen=True)
class ContainerSpec:
    """What to run: the image and the few settings tests need; ``options`` go to the SDK."""

    image: str
    env: Mapping[str, str] = field(default_factory=dict)
    ports: Sequence[int | str] = ()
    command: str | Sequence[str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    tmpfs: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)


class RunningContainer:
    """A container a test started: addresses of its published ports, logs, exec, removal."""

    def __init__(self, client: docker.DockerClient, container_id: str, spec: ContainerSpec):
        self.client = client
        self.id = container_id
        self.spec = spec
        self._ports: dict[str, tuple[str, int]] = {}

    @property
    def name(self) -> str:
        """The container's engine name."""
        return str(self.inspect()["Name"]).lstrip("/")

    @translate_errors
    def inspect(self) -> dict[str, Any]:
        """The engine's inspect data."""
        try:
            return dict(self.client.api.inspect_container(self.id))
        except NotFound:
            raise EngineError(f"container {self.id[:12]} ({self.spec.image}) is gone") from None

    def address(self, port: int | str) -> tuple[str, int]:
        """``(host, port)`` on which the container's ``port`` is published."""
        key = port_key(port)
        if key not in self._ports:
            bindings = (self.inspect()["NetworkSettings"].get("Ports") or {}).get(key) or []
            if not bindings:
                raise EngineError(
                    f"port {key} of {self.spec.image} is not published",
                    hint=f"pass ports=[{str(port).split('/')[0]}] when starting the container",
                )
            first = bindings[0]
            host = first.get("HostIp") or LOCALHOST
            self._ports[key] = (
                LOCALHOST if host in ("0.0.0.0", "") else host,
                int(first["HostPort"]),
            )
        return self._ports[key]

    def url(self, port: int | str, path: str = "", scheme: str = "http") -> str:
        """``scheme://host:port/path`` for a published port."""
        host, hport = self.address(port)
        return f"{scheme}://{host}:{hport}{path}"

    def state(self) -> dict[str, Any]:
        """The container's ``State`` (Status, ExitCode, Health ...)."""
        return dict(self.inspect().get("State") or {})

    @translate_errors
    def logs(self, tail: int | None = None) -> list[str]:
        """Log lines (stdout and stderr interleaved), the last ``tail`` when given."""
        try:
            raw = self.client.api.logs(self.id, stdout=True, stderr=True, tail=tail or "all")
        except NotFound:
            return []
        return raw.decode("utf-8", "replace").splitlines()

    @translate_errors
    def exec(self, command: Sequence[str] | str, user: str = "") -> tuple[int, str]:
        """Run ``command`` in the container; ``(exit code, combined output)``."""
        api = self.client.api
        try:
            exec_id = api.exec_create(self.id, command, user=user)["Id"]
            output = api.exec_start(exec_id)
            code = api.exec_inspect(exec_id).get("ExitCode")
        except APIError as exc:  # e.g. the container stopped, or the program does not exist
            return 126, _first_line(str(exc.explanation or exc))
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
        return (int(code) if code is not None else -1), text

    @translate_errors
    def stop(self, timeout: int = 10) -> None:
        """Stop with the image's stop signal (a clean shutdown), SIGKILL after ``timeout``."""
        self.client.api.stop(self.id, timeout=timeout)

    @translate_errors
    def commit(self, repository: str, tag: str, labels: Mapping[str, str]) -> str:
        """Save the container's file system as image ``repository:tag``; its id."""
        try:
            result = self.client.api.commit(
                self.id, repository=repository, tag=tag, conf={"Labels": dict(labels)}
            )
        except APIError as exc:
            reason = _first_line(exc.explanation or str(exc))
            raise EngineError(
                f"saving {self.id[:12]} as {repository}:{tag} failed: {reason}"
            ) from None
        return str(result["Id"])

    @translate_errors
    def remove(self) -> None:
        """Stop and remove the container and its anonymous volumes; quiet if already gone."""
        try:
            self.client.api.remove_container(self.id, force=True, v=True)
        except NotFound:
            pass
        except APIError as exc:
            if exc.status_code != 409:  # 409: removal already in progress
                raise


@translate_errors
def run_container(client: docker.DockerClient, spec: ContainerSpec) -> RunningContainer:
    """Create and start a container for ``spec``; its ports on ephemeral 127.0.0.1 ports."""
    ensure_image(client, spec.image)
    ports = {port_key(p): (LOCALHOST, None) for p in spec.ports}
    kwargs: dict[str, Any] = dict(spec.options)
    if spec.tmpfs:
        kwargs["tmpfs"] = dict(spec.tmpfs)
    try:
        container = client.containers.run(
            spec.image,
            spec.command,
            environment=dict(spec.env),
            ports=ports,
            labels=dict(spec.labels),
            name=spec.name,
            detach=True,
            **kwargs,
        )
    except APIError as exc:
        reason = _first_line(exc.explanation or str(exc))
        raise EngineError(f"starting a container from {spec.image} failed: {reason}") from None
    return RunningContainer(client, str(container.id), spec)


@translate_errors
def running_labelled(client: docker.DockerClient, label: str) -> RunningContainer | None:
    """A running container carrying ``label`` (``key=value``), or None."""
    rows = client.api.containers(filters={"label": label, "status": "running"})
    if not rows:
        return None
    return RunningContainer(client, str(rows[0]["Id"]), ContainerSpec(image=str(rows[0]["Image"])))


def _first_line(text: str) -> str:
    text = (text or "").strip()
    return text.splitlines()[0][:200] if text else "unknown error"
