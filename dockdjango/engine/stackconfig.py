"""What the engine converges to: a project in the JSON shape of ``docker compose config``.

The engine works from this plain, Compose-shaped description rather than from the spec
models directly, so it speaks exactly what Compose hashes and what the Compose
Specification documents; :meth:`StackConfig.from_project` projects a loaded
``dockdjango.compose.Project`` into it through ``Project.to_compose_dict()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockdjango.engine.naming import default_image_name, resource_name


@dataclass
class StackConfig:
    """One project: name, services/networks/volumes as Compose JSON, and where it came from."""

    name: str
    services: dict[str, dict[str, Any]]
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    working_dir: str = ""
    config_files: list[str] = field(default_factory=list)
    #: Every service the project knows, including ones left out by :meth:`select`: their
    #: containers are not orphans.
    known_services: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.known_services = set(self.known_services) | set(self.services)

    def select(self, names: Sequence[str]) -> StackConfig:
        """Only ``names`` and what they depend on (``up web`` also starts ``db``)."""
        from dockdjango.engine.graph import dependencies
        from dockdjango.errors import SpecError

        unknown = sorted(set(names) - set(self.services))
        if unknown:
            raise SpecError(
                f"no such service: {', '.join(unknown)}",
                hint=f"services are: {', '.join(sorted(self.services))}",
            )
        chosen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in chosen:
                chosen.add(name)
                todo.extend(dependencies(self.services, name))
        return StackConfig(
            name=self.name,
            services={k: v for k, v in self.services.items() if k in chosen},
            networks=self.networks,
            volumes=self.volumes,
            working_dir=self.working_dir,
            config_files=self.config_files,
            known_services=self.known_services,
        )

    @classmethod
    def from_compose_dict(
        cls,
        data: Mapping[str, Any],
        *,
        name: str | None = None,
        working_dir: str = "",
        config_files: Sequence[str] = (),
    ) -> StackConfig:
        """Build from a ``docker compose config --format json`` shaped mapping."""
        project = name or str(data.get("name") or "")
        services = {k: dict(v or {}) for k, v in (data.get("services") or {}).items()}
        networks = {k: dict(v or {}) for k, v in (data.get("networks") or {}).items()}
        volumes = {k: dict(v or {}) for k, v in (data.get("volumes") or {}).items()}
        # Compose adds a `default` network whenever a service uses no explicit network.
        for svc in services.values():
            if "network_mode" not in svc and not svc.get("networks"):
                svc["networks"] = {"default": None}
        if any("default" in (s.get("networks") or {}) for s in services.values()):
            networks.setdefault("default", {"ipam": {}})
        for key, net in networks.items():
            net.setdefault("name", resource_name(project, key))
            net.setdefault("ipam", {})
        for key, vol in volumes.items():
            vol.setdefault("name", resource_name(project, key))
        return cls(
            name=project,
            services=services,
            networks=networks,
            volumes=volumes,
            working_dir=working_dir,
            config_files=list(config_files),
        )

    @classmethod
    def from_project(cls, project: Any) -> StackConfig:
        """Project a loaded ``dockdjango.compose.Project``."""
        cfg = cls.from_compose_dict(
            project.to_compose_dict(),
            name=project.name,
            working_dir=str(getattr(project, "working_dir", "") or ""),
            config_files=[str(f) for f in getattr(project, "config_files", ()) or ()],
        )
        # Services switched off by profiles are still the project's (Compose's
        # DisabledServiceNames): their containers are not orphans.
        cfg.known_services |= set(getattr(project, "disabled_services", None) or ())
        return cfg

    def image_ref(self, service: str) -> str:
        """The image a service runs: its ``image:``, else the name Compose builds it as."""
        return str(self.services[service].get("image") or default_image_name(self.name, service))

    def scale(self, service: str) -> int:
        """How many containers the service wants (``scale`` or ``deploy.replicas``, else 1)."""
        svc = self.services[service]
        scale = svc.get("scale")
        if scale is None:
            scale = (svc.get("deploy") or {}).get("replicas")
        return 1 if scale is None else int(scale)
