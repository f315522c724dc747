"""The stages after merging: env files, profiles, defaults, cross-references, names.

Each function takes the merged canonical tree and returns it (or a new one), so the
loader reads as the list of stages Compose runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from dockdjango.compose.graph import find_cycle
from dockdjango.compose.loader.dotenv import parse_dotenv
from dockdjango.compose.loader.tree import Tree, display_path
from dockdjango.compose.naming import DEFAULT_NETWORK, resource_name
from dockdjango.compose.schema.shapes import Loc, show


def _services(tree: Tree) -> Tree:
    services = tree.get("services")
    if services is None:
        services = Tree(origin=tree.origin)
        tree["services"] = services
    return services  # type: ignore[no-any-return]


def _loc(tree: Tree, name: str) -> Loc:
    return Loc(f"services.{name}", _services(tree).where(name))


def check_images(tree: Tree) -> Tree:
    """Every service needs an ``image`` or a ``build`` (or a ``provider``)."""
    for name, svc in _services(tree).items():
        build = svc.get("build") or {}
        platform = svc.get("platform")
        if platform and build.get("platforms") and platform not in build["platforms"]:
            raise (
                _loc(tree, name)
                .child(svc, "platform")
                .error(
                    f"{show(platform)} is not among build.platforms",
                    hint="add it to build.platforms or change platform",
                )
            )
        if not (svc.get("image") or svc.get("build") or svc.get("provider")):
            raise _loc(tree, name).error(
                "has neither an image nor a build context",
                hint="add `image: <name>` or `build: <directory>`",
            )
    return tree


def apply_env_files(tree: Tree, environ: Mapping[str, str]) -> Tree:
    """``env_file`` values merged under ``environment`` (explicit entries win), as Compose does;
    a bare ``KEY`` takes its value from the interpolation environment when it is set there."""
    for name, svc in _services(tree).items():
        build = svc.get("build")
        if isinstance(build, dict) and build.get("args"):
            # a bare build arg takes its value from the environment, or is left out
            build["args"] = {
                k: environ[k] if v is None else v
                for k, v in build["args"].items()
                if v is not None or k in environ
            }
        entries = svc.get("env_file") or []
        if not entries:
            if svc.get("environment"):
                svc["environment"] = _resolve_bare(svc["environment"], environ)
            continue
        merged: dict[str, str | None] = {}
        for entry in entries:
            path = entry["path"]
            if not os.path.exists(path):
                if entry.get("required", True):
                    raise (
                        _loc(tree, name)
                        .child(svc, "env_file")
                        .error(
                            f"env file {display_path(path)} not found",
                            hint="create it, fix the path, or mark it `required: false`",
                        )
                    )
                continue
            raw = entry.get("format") == "raw"
            merged.update(parse_dotenv(path, environ, expand=not raw, raw=raw))
        merged.update(svc.get("environment") or {})
        svc["environment"] = _resolve_bare(merged, environ)
    return tree


def _resolve_bare(
    environment: Mapping[str, str | None], environ: Mapping[str, str]
) -> dict[str, str | None]:
    return {k: environ.get(k) if v is None else v for k, v in environment.items()}


def apply_label_files(tree: Tree) -> Tree:
    """``label_file`` entries read under ``labels`` (explicit labels win), as Compose does."""
    for name, svc in _services(tree).items():
        files = svc.pop("label_file", None)
        if not files:
            continue
        merged: dict[str, str | None] = {}
        for i, path in enumerate(files):
            if not isinstance(path, str):
                raise (
                    _loc(tree, name)
                    .child(svc, "label_file")
                    .error(f"entry {i} must be a file path", hint="write e.g. ./labels.env")
                )
            values = parse_dotenv(path, {}, expand=False)
            merged.update({k: v or "" for k, v in values.items()})
        merged.update(svc.get("labels") or {})
        svc["labels"] = merged
    return tree


def implicit_dependencies(tree: Tree) -> Tree:
    """``links``, ``network_mode``/``ipc: service:x`` and ``volumes_from`` imply depends_on."""
    for svc in _services(tree).values():
        implied: dict[str, dict[str, Any]] = {}
        for link in svc.get("links") or []:
            if isinstance(link, str):
                implied[link.split(":")[0]] = {"restart": True}
        for key in ("network_mode", "ipc", "pid"):
            value = svc.get(key)
            if isinstance(value, str) and value.startswith("service:"):
                implied[value.split(":", 1)[1]] = {"restart": True}
        for source in svc.get("volumes_from") or []:
            if isinstance(source, str) and not source.startswith("container:"):
                implied[source.split(":")[0]] = {}
        if not implied:
            continue
        deps = dict(svc.get("depends_on") or {})
        for dep, extra in implied.items():
            if dep not in deps:
                deps[dep] = {"condition": "service_started", **extra, "required": True}
        svc["depends_on"] = deps
    return tree


def apply_profiles(
    tree: Tree, profiles: Sequence[str], disabled_out: dict[str, Any] | None = None
) -> Tree:
    """Services whose profiles are all inactive are left out (``*`` enables every profile);
    they go to ``disabled_out`` when given (the project keeps them, as Compose does)."""
    active = set(profiles) or {""}  # with none given, Compose's active profile is ""
    services = _services(tree)
    disabled = {
        name: svc["profiles"]
        for name, svc in services.items()
        if svc.get("profiles") and "*" not in active and not active & set(svc["profiles"])
    }
    for name, svc in services.items():
        if name not in disabled:
            _check_service_references(tree, services, name, svc)
    for name in disabled:
        removed = services.pop(name)
        if disabled_out is not None:
            disabled_out[name] = removed
    for name, svc in services.items():
        for dep, spec in (svc.get("depends_on") or {}).items():
            # an optional dependency on a disabled service is kept, as Compose does
            if dep in disabled and spec.get("required", True):
                raise (
                    _loc(tree, name)
                    .child(svc, "depends_on")
                    .error(
                        f"depends on {show(dep)}, which is only in inactive profiles",
                        hint=f"enable it with --profile {disabled[dep][0]} "
                        "or remove the dependency",
                    )
                )
    return tree


def _check_service_references(tree: Tree, services: Tree, name: str, svc: Any) -> None:
    """An enabled service's ``build.additional_contexts`` name buildable services, and its
    ``depends_on`` (even an optional one, which profiles may leave out) services there are."""
    deps = svc.get("depends_on") or {}
    build: Any = svc.get("build") if isinstance(svc.get("build"), dict) else {}
    for context, ref in (build.get("additional_contexts") or {}).items():
        other = ref[len("service:") :] if str(ref).startswith("service:") else None
        if other is None:
            continue
        buildable = [k for k, v in services.items() if v.get("build")]
        if other not in buildable:
            what = "undefined" if other not in services else "non-buildable"
            raise (
                _loc(tree, name)
                .child(svc, "build")
                .error(
                    f"additional context {show(context)} names {what} service {show(other)}",
                    hint="name a service with a `build` section: "
                    + (", ".join(sorted(buildable)) or "none here has one"),
                )
            )
    for dep in deps:
        if dep not in services:
            raise (
                _loc(tree, name)
                .child(svc, "depends_on")
                .child(deps, dep)
                .error(
                    f"depends on undefined service {show(dep)}",
                    hint=f"services: {', '.join(sorted(services))}",
                )
            )


def default_networks(tree: Tree) -> Tree:
    """Services with neither ``networks`` nor ``network_mode`` join ``default``."""
    for name, svc in _services(tree).items():
        if svc.get("network_mode") and svc.get("networks"):
            raise (
                _loc(tree, name)
                .child(svc, "network_mode")
                .error(
                    "`network_mode` and `networks` cannot both be set",
                    hint="keep one of them",
                )
            )
        # `network_mode: ""` still counts: Compose then attaches no network at all
        if not svc.get("networks") and "network_mode" not in svc and not svc.get("provider"):
            svc["networks"] = {DEFAULT_NETWORK: None}
    return tree


def check_references(tree: Tree) -> Tree:
    """depends_on targets exist and form no cycle; named volumes and networks are declared."""
    services = _services(tree)
    networks = tree.get("networks") or {}
    volumes = tree.get("volumes") or {}
    for name, svc in services.items():
        loc = _loc(tree, name)
        deps = svc.get("depends_on") or {}
        for dep, spec in list(deps.items()):
            if dep not in services and spec.get("required", True):
                raise (
                    loc.child(svc, "depends_on")
                    .child(deps, dep)
                    .error(
                        f"depends on undefined service {show(dep)}",
                        hint=f"services: {', '.join(sorted(services))}",
                    )
                )  # (an optional one on a service left out by profiles is kept, as Compose)
        for net in svc.get("networks") or {}:
            if net != "default" and net not in networks:
                raise (
                    loc.child(svc, "networks")
                    .child(svc["networks"], net)
                    .error(
                        f"uses undefined network {show(net)}",
                        hint="declare it under the top-level `networks:` key",
                    )
                )
        for i, mount in enumerate(svc.get("volumes") or []):
            source = mount.get("source")
            if mount.get("type") == "volume" and source and source not in volumes:
                raise (
                    loc.child(svc, "volumes")
                    .child(svc["volumes"], i)
                    .error(
                        f"uses undefined volume {show(source)}",
                        hint="declare it under the top-level `volumes:` key, "
                        "or use ./path for a bind mount",
                    )
                )
        _check_file_references(tree, name, svc)
    models = tree.get("models") or {}
    for name, svc in services.items():
        for model in svc.get("models") or {}:
            if model not in models:
                raise (
                    _loc(tree, name)
                    .child(svc, "models")
                    .error(
                        f"uses undefined model {show(model)}",
                        hint="declare it under the top-level `models:` key",
                    )
                )
    _check_cycles(tree)
    _check_unique_container_names(tree)
    return tree


def _check_file_references(tree: Tree, name: str, svc: dict[str, Any]) -> None:
    """A service's (and its build's) secrets and configs are declared at the top level."""
    build = svc.get("build") if isinstance(svc.get("build"), dict) else {}
    for kind, owner, refs in (
        ("secrets", svc, svc.get("secrets")),
        ("configs", svc, svc.get("configs")),
        ("secrets", build, (build or {}).get("secrets")),
    ):
        declared = tree.get(kind) or {}
        for i, ref in enumerate(refs or []):
            source = ref.get("source") if isinstance(ref, dict) else ref
            if source in declared:
                continue
            loc = _loc(tree, name)
            if owner is build:
                loc = loc.child(svc, "build")
            raise (
                loc.child(owner, kind)
                .child(refs, i)
                .error(
                    f"uses undefined {kind[:-1]} {show(source)}",
                    hint=f"declare it under the top-level `{kind}:` key",
                )
            )


def _check_unique_container_names(tree: Tree) -> None:
    owner: dict[str, str] = {}
    for name, svc in _services(tree).items():
        container = svc.get("container_name")
        if not container:
            continue
        if container in owner:
            raise (
                _loc(tree, name)
                .child(svc, "container_name")
                .error(
                    f"container name {show(container)} is already used by service "
                    f"{show(owner[container])}",
                    hint="container names must be unique; drop container_name to let Compose "
                    "name them",
                )
            )
        owner[container] = name


def _check_cycles(tree: Tree) -> None:
    services = _services(tree)
    cycle = find_cycle({name: list(svc.get("depends_on") or {}) for name, svc in services.items()})
    if cycle:
        name = cycle[-2]  # the service whose depends_on closes the cycle
        raise (
            _loc(tree, name)
            .child(services[name], "depends_on")
            .error(
                f"dependency cycle: {' -> '.join(cycle)}",
                hint="remove one of these depends_on entries",
            )
        )


def drop_unused(tree: Tree) -> Tree:
    """Networks and volumes no service uses are dropped, as ``docker compose config`` does."""
    services = _services(tree).values()
    used_nets = {n for svc in services for n in (svc.get("networks") or {})}
    used_vols = {
        m.get("source")
        for svc in services
        for m in (svc.get("volumes") or [])
        if m.get("type") == "volume"
    }
    networks = {k: v for k, v in (tree.get("networks") or {}).items() if k in used_nets}
    if "default" in used_nets and "default" not in networks:
        networks["default"] = {}
    tree["networks"] = networks
    tree["volumes"] = {k: v for k, v in (tree.get("volumes") or {}).items() if k in used_vols}
    used_files: dict[str, set[Any]] = {"secrets": set(), "configs": set()}
    for svc in services:
        build = svc.get("build") if isinstance(svc.get("build"), dict) else {}
        for kind in used_files:
            for ref in [*(svc.get(kind) or []), *((build or {}).get(kind) or [])]:
                used_files[kind].add(ref.get("source") if isinstance(ref, dict) else ref)
    for kind, used in used_files.items():
        if kind in tree:
            tree[kind] = {k: v for k, v in (tree.get(kind) or {}).items() if k in used}
    return tree


def resource_names(tree: Tree, project: str) -> Tree:
    """Every network, volume, secret and config gets its engine name: ``name``, or the key
    when external, else ``<project>_<key>``."""
    for kind in ("networks", "volumes", "secrets", "configs"):
        if kind not in tree:
            continue
        resources: dict[str, Any] = {}
        for key, spec in (tree.get(kind) or {}).items():
            spec = dict(spec or {})
            spec["name"] = resource_name(
                project, key, spec.get("name"), external=bool(spec.get("external"))
            )
            resources[key] = spec
        tree[kind] = resources
    return tree
