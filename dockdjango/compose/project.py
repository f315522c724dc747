"""The `Project` model: a named set of services, volumes and networks, fully resolved.

This is the one model that travels from the loader to the engine: ``up`` plans and
converges from these typed services, and errors found late (by the engine) still name
the file and line, because the project keeps the origin of every entry it was loaded from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import Field, PrivateAttr, model_validator

from dockdjango.compose import graph
from dockdjango.compose.loader.tree import Origin, Seq, Tree
from dockdjango.compose.models import Network, Service, SpecModel, Volume
from dockdjango.compose.naming import DEFAULT_NETWORK, default_image_name, resource_name
from dockdjango.errors import SpecError


class Project(SpecModel):
    """A resolved compose project: what ``docker compose config`` prints, as typed objects.

    ``working_dir`` is the absolute project directory (relative paths were resolved against
    it); ``config_files`` are the absolute paths of the files it was loaded from (empty for a
    project built in Python). ``disabled_services`` are the project's services that are not
    part of this run: those whose profiles are all inactive, and those left out by
    :meth:`with_selected_services` (Compose's ``DisabledServices``). They are not printed,
    started or hashed, but their containers are the project's, never orphans.
    """

    name: str
    services: dict[str, Service] = Field(default_factory=dict)
    disabled_services: dict[str, Service] = Field(default_factory=dict)
    volumes: dict[str, Volume] = Field(default_factory=dict)
    networks: dict[str, Network] = Field(default_factory=dict)
    secrets: dict[str, Any] = Field(default_factory=dict, description="kept as written")
    configs: dict[str, Any] = Field(default_factory=dict, description="kept as written")
    models: dict[str, Any] = Field(default_factory=dict, description="kept as written")
    working_dir: str = Field(default_factory=os.getcwd)
    config_files: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list, description="what Compose would warn about (unset variables...)"
    )
    extensions: dict[str, Any] = Field(default_factory=dict)
    #: dotted path -> where it was written (``services.web.ports`` -> compose.yaml:14)
    _origins: dict[str, Origin] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _compose_defaults(self) -> Project:
        """Fill what the loader's default stages fill, so a project built in Python matches:
        services with no network join ``default``, resources get ``<project>_<key>`` names."""
        for service in self.services.values():
            if (
                not service.networks
                and service.network_mode is None  # `network_mode: ""` too: no network
                and "provider" not in service.other
            ):
                service.networks[DEFAULT_NETWORK] = None  # in place: no re-validation loop
        used = {n for s in self.services.values() for n in s.networks}
        if DEFAULT_NETWORK in used and DEFAULT_NETWORK not in self.networks:
            self.networks[DEFAULT_NETWORK] = Network()
        for kind in (self.networks, self.volumes):
            for key, resource in kind.items():
                if not resource.name:
                    resource.name = resource_name(self.name, key, external=bool(resource.external))
        return self

    # -- where things were written ----------------------------------------------------------

    def record_origins(self, tree: Tree) -> None:
        """Remember where each entry of the loaded ``tree`` was written (the loader calls it)."""
        self._origins = _origins(tree)

    def origin(self, path: str) -> Origin | None:
        """Where ``path`` (``services.web.ports[0]``) was written, or where the nearest
        entry holding it was; None for a project built in Python."""
        while path:
            if path in self._origins:
                return self._origins[path]
            path = path.rpartition("[")[0] if path.endswith("]") else path.rpartition(".")[0]
        return None

    def where(self, path: str) -> str:
        """``compose.yaml:14: services.web.ports`` (just the path when its origin is unknown),
        the prefix of a message about something found after loading."""
        origin = self.origin(path)
        return f"{origin.file}:{origin.line}: {path}" if origin else path

    def error(self, path: str, message: str, *, hint: str | None = None) -> SpecError:
        """A `SpecError` about ``path``, naming the file and line it was written at."""
        origin = self.origin(path)
        return SpecError(
            message,
            file=origin.file if origin else None,
            line=origin.line if origin else None,
            path=path,
            hint=hint,
        )

    # -- services -------------------------------------------------------------------------

    @property
    def service_names(self) -> list[str]:
        """The services of this run, dependencies first."""
        return graph.order(graph.graph(self.services))

    @property
    def all_service_names(self) -> set[str]:
        """Every service of the project: those of this run and the disabled ones."""
        return set(self.services) | set(self.disabled_services)

    def with_selected_services(self, names: Iterable[str]) -> Project:
        """The project with only ``names`` and what they depend on; the other services move
        to ``disabled_services`` (``up web`` also starts ``db``, and leaves the rest alone).
        """
        wanted = list(names)
        unknown = sorted(set(wanted) - set(self.services))
        if unknown:
            raise SpecError(
                f"no such service: {', '.join(unknown)}",
                hint=f"services are: {', '.join(sorted(self.services))}",
            )
        chosen = graph.closure(graph.graph(self.services), wanted)
        selected = self.model_copy(
            update={
                "services": {k: v for k, v in self.services.items() if k in chosen},
                "disabled_services": {
                    **self.disabled_services,
                    **{k: v for k, v in self.services.items() if k not in chosen},
                },
            }
        )
        selected._origins = self._origins
        return selected

    def image_ref(self, service: str) -> str:
        """The image a service runs: its ``image:``, else the name Compose builds it as."""
        return self.services[service].image or default_image_name(self.name, service)

    def scale(self, service: str) -> int:
        """How many containers the service wants (``scale`` or ``deploy.replicas``, else 1)."""
        other = self.services[service].other
        scale = other.get("scale")
        if scale is None:
            scale = (other.get("deploy") or {}).get("replicas")
        return 1 if scale is None else int(scale)

    def service(self, name: str) -> Service:
        """The service called ``name``; `SpecError` naming the known ones if there is none."""
        try:
            return self.services[name]
        except KeyError:
            known = ", ".join(sorted(self.services)) or "none"
            raise SpecError(
                f"no service named {name!r}", hint=f"services in {self.name}: {known}"
            ) from None

    def to_compose_dict(self) -> dict[str, Any]:
        """The project as ``docker compose config --format json`` prints it (plain data)."""
        out: dict[str, Any] = {"name": self.name}
        out["services"] = {k: s.to_compose_dict() for k, s in sorted(self.services.items())}
        if self.networks:
            out["networks"] = {k: n.to_compose_dict() for k, n in sorted(self.networks.items())}
        if self.volumes:
            out["volumes"] = {k: v.to_compose_dict() for k, v in sorted(self.volumes.items())}
        for kind in ("secrets", "configs", "models"):
            if getattr(self, kind):
                out[kind] = dict(getattr(self, kind))
        out.update(self.extensions)
        return out

    def to_yaml(self) -> str:
        """The project as a compose YAML document that Docker Compose accepts (``$`` as ``$$``)."""
        from dockdjango.compose.dollars import escape_dollars

        data = self.to_compose_dict()
        for service in data["services"].values():
            # Compose's YAML leaves out the unset command/entrypoint its JSON shows as null
            for key in ("command", "entrypoint"):
                if service.get(key) is None:
                    service.pop(key, None)
            # and prints a limit pair whole, zeros included (its JSON leaves zeros out)
            build = service.get("build")
            for owner in (service, build if isinstance(build, dict) else {}):
                for name, limit in (owner.get("ulimits") or {}).items():
                    if isinstance(limit, dict):
                        owner["ulimits"][name] = {k: limit.get(k, 0) for k in ("soft", "hard")}
        return yaml.safe_dump(
            escape_dollars(data),
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=False,  # escape non-ASCII: PyYAML mis-quotes NEL and other breaks
        )


def _origins(tree: Tree) -> dict[str, Origin]:
    """Dotted path -> origin for every entry of a loaded tree."""
    out: dict[str, Origin] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Tree):
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                origin = node.where(key)
                if origin is not None and origin.line > 0:  # 0: loaded from a dict
                    out[child] = origin
                walk(value, child)
        elif isinstance(node, Seq):
            for i, value in enumerate(node):
                origin = node.where(i)
                if origin is not None and origin.line > 0:
                    out[f"{path}[{i}]"] = origin
                walk(value, f"{path}[{i}]")

    walk(tree, "")
    return out
