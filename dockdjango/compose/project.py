"""The `Project` model: a named set of services, volumes and networks, fully resolved."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import Field, model_validator

from dockdjango.compose.models import Network, Service, SpecModel, Volume


class Project(SpecModel):
    """A resolved compose project: what ``docker compose config`` prints, as typed objects.

    ``working_dir`` is the absolute project directory (relative paths were resolved against
    it); ``config_files`` are the absolute paths of the files it was loaded from (empty for a
    project built in Python).
    """

    name: str
    services: dict[str, Service] = Field(default_factory=dict)
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

    @model_validator(mode="after")
    def _compose_defaults(self) -> Project:
        """Fill what the loader's default stages fill, so a project built in Python matches:
        services with no network join ``default``, resources get ``<project>_<key>`` names."""
        for service in self.services.values():
            if (
                not service.networks
                and not service.network_mode
                and "provider" not in service.other
            ):
                service.networks["default"] = None  # in place: no re-validation loop
        used = {n for s in self.services.values() for n in s.networks}
        if "default" in used and "default" not in self.networks:
            self.networks["default"] = Network()
        for kind in (self.networks, self.volumes):
            for key, resource in kind.items():
                if not resource.name:
                    resource.name = key if resource.external else f"{self.name}_{key}"
        return self

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        name: str | None = None,
        working_dir: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        profiles: tuple[str, ...] | list[str] = (),
    ) -> Project:
        """Load a compose document given as a dict, through the same pipeline as a file.

        Short forms are accepted and canonicalised; errors are `SpecError` with dotted paths.
        """
        from dockdjango.compose.loader import load_dict

        return load_dict(
            data, project_name=name, workdir=working_dir, environ=environ, profiles=profiles
        )

    def service(self, name: str) -> Service:
        """The service called ``name``; `SpecError` naming the known ones if there is none."""
        try:
            return self.services[name]
        except KeyError:
            from dockdjango.errors import SpecError

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
        from dockdjango.compose.output import escape_dollars

        data = self.to_compose_dict()
        for service in data["services"].values():
            # Compose's YAML leaves out the unset command/entrypoint its JSON shows as null
            for key in ("command", "entrypoint"):
                if service.get(key) is None:
                    service.pop(key, None)
        return yaml.safe_dump(
            escape_dollars(data),
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=False,  # escape non-ASCII: PyYAML mis-quotes NEL and other breaks
        )
