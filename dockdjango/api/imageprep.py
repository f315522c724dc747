"""Preparing a project's build: which Dockerfile, which context, which injected files.

Everything here is decided before the builder is called: the Dockerfile (the project's own,
or generated), the ``.dockerignore`` rules, the files dockdjango injects into the context, the
wheels image, and the plan of the build's steps (:mod:`dockdjango.images.plan`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.errors import DockdjangoError
from dockdjango.images.ca import CONTEXT_PATH as CA_CONTEXT_PATH
from dockdjango.images.ca import find_ca_bundle
from dockdjango.images.detect import SourceProject, detect
from dockdjango.images.dockerfile import (
    INJECT_DIR,
    REQUIREMENTS_CONTEXT_PATH,
    WHEELS_ARG,
    WHEELS_REPOSITORY,
    DockerfileOptions,
    generate_dockerfile,
    generated_requirements,
)
from dockdjango.images.dockerignore import DockerIgnore, generate_dockerignore
from dockdjango.images.plan import StepInputs, file_digest, index_context, plan_build
from dockdjango.images.wheels import files_dir, load_wheel_set, requirements_digest

if TYPE_CHECKING:
    import docker

#: Where a generated Dockerfile travels in the context (the engine drops it before any COPY).
GENERATED_DOCKERFILE = f"{INJECT_DIR}.Dockerfile"
#: The label on wheels images (``dockdjango/wheels:<digest>``), so they are findable.
WHEELS_LABEL = "dev.dockdjango.wheels"


@dataclass
class Prepared:
    """Everything a build of a project needs, computed before talking to the builder."""

    root: Path
    dockerfile: str
    dockerfile_path: str
    generated: bool
    ignore: DockerIgnore
    extras: dict[str, bytes]
    project: SourceProject | None = None
    options: DockerfileOptions | None = None
    #: Wheel names the wheelhouse holds (None: not fetched yet for these requirements).
    wheels: list[str] | None = None
    wheel_digest: str | None = None
    #: The CA bundle's bytes, for the wheel-fetch container (found on the host, or None).
    ca: bytes | None = None

    @property
    def wheels_ref(self) -> str | None:
        """The wheels image these requirements install from (``dockdjango/wheels:<digest>``)."""
        return f"{WHEELS_REPOSITORY}:{self.wheel_digest}" if self.wheel_digest else None

    @property
    def buildargs(self) -> dict[str, str]:
        """Build args dockdjango adds: the wheels image."""
        return {WHEELS_ARG: self.wheels_ref} if self.wheels_ref else {}

    def wheel_files(self) -> dict[str, bytes]:
        """The wheels image's content: ``/wheels/<name>`` -> bytes (plus a marker file)."""
        files = {f"/wheels/{name}": data for name, data in _wheel_bytes(self.wheels or [])}
        files["/wheels/.dockdjango"] = b"wheels made by dockdjango\n"
        return files

    def image_files(self) -> dict[str, dict[str, str]]:
        """What the wheels image holds, for the plan (content, not image id, keys its COPY)."""
        if self.wheels_ref is None or self.wheels is None:
            return {}
        digests = {p: file_digest(0o100644, d) for p, d in self.wheel_files().items()}
        return {self.wheels_ref: digests}


def _wheel_bytes(names: list[str]) -> list[tuple[str, bytes]]:
    return [(n, (files_dir() / n).read_bytes()) for n in sorted(names)]


def detect_project(path: str | Path = ".", *, requirements: str | None = None) -> SourceProject:
    """What dockdjango finds in a project (see :func:`dockdjango.api.detect.detect_project`)."""
    from dockdjango.api.detect import detect_project as detect_with_offers

    return detect_with_offers(path, requirements=requirements)


def resolve_base_image(
    project: SourceProject,
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    create: bool = True,
) -> str:
    """The base image a generated Dockerfile starts from (``python:X-slim`` or a Debian
    base); with ``create=False`` it is only named, never pulled or made."""
    from dockdjango.api.detect import base_image_for

    return base_image_for(project, client, offline=offline, create=create).ref


def prepare(
    path: str | Path = ".",
    *,
    dockerfile: str | None = None,
    options: DockerfileOptions | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    ca_bundle: str | Path | None = None,
    create_base: bool = True,
) -> Prepared:
    """Decide the Dockerfile, ignore rules and injected files for a project.

    ``create_base=False`` (read-only commands) names the base image without pulling or
    making it.
    """
    root = Path(path)
    if not root.is_dir():
        raise DockdjangoError(f"{root}: not a directory", hint="pass the project's directory")
    ignore_file = root / ".dockerignore"
    ignore = DockerIgnore(
        ignore_file.read_text(encoding="utf-8")
        if ignore_file.is_file()
        else generate_dockerignore()
    )
    name = dockerfile or "Dockerfile"
    project: SourceProject | None = None
    opts = options or DockerfileOptions()
    ca = find_ca_bundle(ca_bundle)
    extras: dict[str, bytes] = {}
    if (root / name).is_file():
        text = (root / name).read_text(encoding="utf-8")
        generated = False
        if ignore.ignored(name):
            # The docker CLI always sends the Dockerfile and .dockerignore, and the engine
            # then drops those its .dockerignore matches; so do we.
            extras[name] = text.encode()
            extras[".dockerignore"] = ignore.text.encode()
        if f"{INJECT_DIR}/" not in text and WHEELS_ARG not in text:
            return Prepared(root, text, name, False, ignore, extras)
        # A Dockerfile dockdjango wrote earlier (`dockerfile --write`): inject what it copies.
        project = detect(root)
        first_from = re.search(r"^FROM\s+(\S+)", text, re.M)
        opts = replace(
            opts,
            base_image=first_from.group(1) if first_from else opts.base_image,
            ca_bundle=CA_CONTEXT_PATH in text,
            wheelhouse=WHEELS_ARG in text,
        )
        if CA_CONTEXT_PATH in text and ca is None:
            raise DockdjangoError(
                f"{root / name} copies {CA_CONTEXT_PATH} but this host has no CA bundle",
                hint="set DOCKDJANGO_CA_BUNDLE to a PEM file, or regenerate the Dockerfile",
            )
        path_in_context = name
    elif dockerfile is not None:
        raise DockdjangoError(f"{root / name}: no such Dockerfile")
    else:
        from dockdjango.api.detect import detect_project as detect_with_offers

        project = detect_with_offers(root, client=client, offline=offline, create=create_base)
        if options is None or not options.base_image:
            base = resolve_base_image(project, client, offline=offline, create=create_base)
            opts = replace(opts, base_image=base)
        opts = replace(opts, ca_bundle=ca is not None)
        text = generate_dockerfile(project, opts)
        generated = True
        path_in_context = GENERATED_DOCKERFILE
        extras[GENERATED_DOCKERFILE] = text.encode()
        # Read by the engine only to drop the Dockerfile (and itself) from the context, so
        # the source copy never contains them (moby's remotecontext.removeDockerfile).
        extras[".dockerignore"] = f".dockerignore\n{GENERATED_DOCKERFILE}\n".encode()
    if ca is not None and CA_CONTEXT_PATH in text:
        extras[CA_CONTEXT_PATH] = ca.read_bytes()
    generated_req = generated_requirements(project)
    if generated_req is not None:
        extras[REQUIREMENTS_CONTEXT_PATH] = generated_req
    prepared = Prepared(root, text, path_in_context, generated, ignore, extras, project, opts)
    prepared.ca = ca.read_bytes() if ca is not None else None
    if opts.wheelhouse and project.requirements:
        files = dependency_bytes(prepared)
        prepared.wheel_digest = requirements_digest(files, opts.base_image)
        prepared.wheels = load_wheel_set(prepared.wheel_digest)
    return prepared


def dependency_bytes(prepared: Prepared) -> dict[str, bytes]:
    """The dependency files' bytes, by context path (what decides the wheels)."""
    project = prepared.project
    assert project is not None
    if project.requirements_file is not None:
        return {f: (prepared.root / f).read_bytes() for f in project.dependency_files}
    return {REQUIREMENTS_CONTEXT_PATH: prepared.extras[REQUIREMENTS_CONTEXT_PATH]}


def context_index(prepared: Prepared) -> dict[str, str]:
    """Digests of the context's files, after the engine's own Dockerfile/.dockerignore rule."""
    index = index_context(prepared.root, prepared.ignore, prepared.extras)
    if ".dockerignore" in index:
        # The classic builder reads .dockerignore from the context and drops the Dockerfile
        # and .dockerignore when they match it (moby remotecontext.removeDockerfile).
        raw = prepared.extras.get(".dockerignore")
        text = raw.decode() if raw is not None else (prepared.root / ".dockerignore").read_text()
        in_context = DockerIgnore(text)
        for name in (".dockerignore", prepared.dockerfile_path):
            if in_context.ignored(name):
                index.pop(name, None)
    return index


def plan_project(
    prepared: Prepared,
    client: docker.DockerClient,
    *,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
) -> list[StepInputs]:
    """The steps of the build with their inputs (see :mod:`dockdjango.images.plan`)."""
    from dockdjango.engine.images import inspect_image

    def resolve(ref: str) -> str | None:
        data = inspect_image(client, ref)
        return str(data["Id"]) if data else None

    return plan_build(
        prepared.dockerfile,
        context_index(prepared),
        resolve=resolve,
        image_files=prepared.image_files(),
        buildargs={**prepared.buildargs, **(buildargs or {})},
        labels=labels,
        target=target,
        name=str(prepared.root / prepared.dockerfile_path),
    )
