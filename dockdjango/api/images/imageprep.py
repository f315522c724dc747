"""Preparing a project's build: which Dockerfile, which context, which files to add.

Everything here is decided before BuildKit is called: the Dockerfile (the project's own, or
generated), the ``.dockerignore`` rules, the derived requirements file of a lock/pyproject
project, build args dockdjango sets, and the plan of the build's steps
(:mod:`dockdjango.images.plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.detection.detect import SourceProject, detect
from dockdjango.errors import DockdjangoError
from dockdjango.images.build_inputs import BuildInputs, build_inputs, context_reader
from dockdjango.images.ca import CACHE_MOUNT as CA_CACHE_MOUNT
from dockdjango.images.ca import bundle_image, find_ca_bundle, with_bundle_mount
from dockdjango.images.context import index_context
from dockdjango.images.dockerfile import (
    DERIVED_REQUIREMENTS,
    OFFLINE_ARG,
    DockerfileOptions,
    derived_files,
    generate_dockerfile,
    mounted_files,
)
from dockdjango.images.dockerignore import DockerIgnore, generate_dockerignore
from dockdjango.images.frontend import syntax_directive, without_syntax_directive
from dockdjango.images.plan import StepInputs, plan_build

if TYPE_CHECKING:
    import docker

    from dockdjango.detection.projectconfig import Overrides

#: Where a generated Dockerfile travels in the context (never written into the project).
GENERATED_DOCKERFILE = ".dockdjango.Dockerfile"

Log = Callable[[str], None]


@dataclass
class Prepared:
    """Everything a build of a project needs, computed before talking to BuildKit."""

    root: Path
    dockerfile: str
    dockerfile_path: str
    generated: bool
    ignore: DockerIgnore
    extras: dict[str, bytes]
    project: SourceProject | None = None
    options: DockerfileOptions | None = None
    #: The host's CA bundle (for the ``dockdjango-ca`` cache mount), or None.
    ca: bytes | None = None
    #: The local image the sent Dockerfile mounts the bundle from, in place of the
    #: ``dockdjango-ca`` cache mount (None: the Dockerfile has none, or no bundle).
    ca_image: str | None = None

    @property
    def sent_dockerfile(self) -> str:
        """The Dockerfile BuildKit gets: ``dockerfile`` with the host's bundle mounted from
        ``ca_image`` in place of the ``dockdjango-ca`` cache mount."""
        if self.ca_image is None:
            return self.dockerfile
        return with_bundle_mount(self.dockerfile, self.ca_image)

    #: Build args dockdjango adds (``UV_OFFLINE=1`` for an offline build).
    buildargs: dict[str, str] = field(default_factory=dict)
    #: Things dockdjango decided for the user that it must say (one line each).
    notes: list[str] = field(default_factory=list)
    #: Files written into the project (derived requirements files the Dockerfile reads).
    written: list[Path] = field(default_factory=list)


def detect_project(path: str | Path = ".", *, requirements: str | None = None) -> SourceProject:
    """What dockdjango finds in a project (see
    :func:`dockdjango.api.images.detect_here.detect_project`)."""
    from dockdjango.api.images.detect_here import detect_project as detect_with_offers

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
    from dockdjango.api.images.detect_here import base_image_for

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
    write_requirements: bool = False,
    generate: bool = False,
    python: str | None = None,
    overrides: Overrides | None = None,
    log: Log | None = None,
) -> Prepared:
    """Decide the Dockerfile, ignore rules and added files for a project.

    ``create_base=False`` (read-only commands) names the base image without pulling or
    making it. ``write_requirements`` writes (or refreshes) the derived requirements file of
    a lock or pyproject project into the project, as a build must; without it the file only
    joins the plan's view of the context, so read-only commands write nothing.
    ``generate`` uses a generated Dockerfile even when the project has its own;
    ``python`` answers detection's Python for it (as ``--python`` does); ``overrides``
    answer the rest of what detection would guess (as ``--settings``, ``--manage`` ... do).
    """
    from dockdjango.api.images.base_image import is_offline

    root = Path(path)
    if not root.is_dir():
        raise DockdjangoError(f"{root}: not a directory", hint="pass the project's directory")
    ignore = _ignore_rules(root)
    name = dockerfile or "Dockerfile"
    if not generate and (root / name).is_file():
        chosen = _own_dockerfile(root, name, ignore, options, offline, python, overrides)
    elif dockerfile is not None and not generate:
        raise DockdjangoError(f"{root / name}: no such Dockerfile")
    else:
        chosen = _generated_dockerfile(
            root, options, client, offline, create_base, python, overrides
        )
    text, extras, project = chosen.text, chosen.extras, chosen.project
    wrote = _derived_requirements(root, project, extras, write_requirements, log)
    if chosen.generated and project is not None:
        _add_mounted_files(root, text, ignore, extras)
    where, generated = chosen.path_in_context, chosen.generated
    bundle, ca_image = _ca_mount(ca_bundle, text, where, extras)
    prepared = Prepared(root, text, where, generated, ignore, extras, project, chosen.options)
    prepared.ca = bundle
    prepared.ca_image = ca_image
    prepared.notes = chosen.notes
    prepared.written = wrote
    if is_offline(offline) and f"ARG {OFFLINE_ARG}" in text:
        prepared.buildargs[OFFLINE_ARG] = "1"
    return prepared


@dataclass
class _Chosen:
    """The Dockerfile a build uses, and what comes with it."""

    text: str
    path_in_context: str
    generated: bool
    options: DockerfileOptions
    project: SourceProject | None = None
    #: Files added to the context (the Dockerfile itself, when it must travel there).
    extras: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _ignore_rules(root: Path) -> DockerIgnore:
    """The project's .dockerignore, or the one dockdjango would write."""
    ignore_file = root / ".dockerignore"
    return DockerIgnore(
        ignore_file.read_text(encoding="utf-8")
        if ignore_file.is_file()
        else generate_dockerignore()
    )


def _own_dockerfile(
    root: Path,
    name: str,
    ignore: DockerIgnore,
    options: DockerfileOptions | None,
    offline: bool | None,
    python: str | None,
    overrides: Overrides | None,
) -> _Chosen:
    """The project's own Dockerfile, used as it is (its ``# syntax=`` line dropped when
    offline, which it says)."""
    from dockdjango.api.images.base_image import is_offline

    text = (root / name).read_text(encoding="utf-8")
    chosen = _Chosen(text, name, False, options or DockerfileOptions())
    if DERIVED_REQUIREMENTS in text:
        # a Dockerfile dockdjango wrote: keep its file current
        chosen.project = detect(root, python=python, overrides=overrides)
    frontend = syntax_directive(text)
    if frontend is not None and is_offline(offline):
        chosen.text = text = without_syntax_directive(text)
        chosen.path_in_context = GENERATED_DOCKERFILE
        chosen.notes.append(
            f"{name}: `# syntax={frontend}` needs a registry (offline): building with the "
            "engine's built-in Dockerfile frontend instead"
        )
    # BuildKit reads the Dockerfile from the context tar, so it travels even when the
    # project's .dockerignore leaves it out.
    if chosen.path_in_context != name or ignore.ignored(name):
        chosen.extras[chosen.path_in_context] = text.encode()
    return chosen


def _generated_dockerfile(
    root: Path,
    options: DockerfileOptions | None,
    client: docker.DockerClient | None,
    offline: bool | None,
    create_base: bool,
    python: str | None,
    overrides: Overrides | None,
) -> _Chosen:
    """A Dockerfile generated from what detection finds, on the base and uv images it
    names (made or pulled only with ``create_base``)."""
    from dockdjango.api.images.detect_here import detect_project as detect_with_offers

    project = detect_with_offers(
        root,
        python=python,
        overrides=overrides,
        client=client,
        offline=offline,
        create=create_base,
    )
    opts = options or DockerfileOptions()
    if options is None or not options.base_image:
        base = resolve_base_image(project, client, offline=offline, create=create_base)
        opts = replace(opts, base_image=base)
    if opts.uv_image is None:
        from dockdjango.api.images.base_image import uv_image_for

        uv = uv_image_for(opts.base_image, client, offline=offline, create=create_base)
        opts = replace(opts, uv_image=uv)
    text = generate_dockerfile(project, opts)
    extras = {GENERATED_DOCKERFILE: text.encode()}
    return _Chosen(text, GENERATED_DOCKERFILE, True, opts, project, extras)


def _derived_requirements(
    root: Path,
    project: SourceProject | None,
    extras: dict[str, bytes],
    write: bool,
    log: Log | None,
) -> list[Path]:
    """Bring the derived requirements files of a lock/pyproject project up to date: written
    into the project with ``write`` (returned), else only added to the context."""
    wrote: list[Path] = []
    for name, data in (derived_files(project) if project is not None else {}).items():
        target = root / name
        if (target.read_bytes() if target.is_file() else None) == data:
            continue
        if write:
            target.write_bytes(data)
            wrote.append(target)
            if log:
                sources = ", ".join(project.dependency_files) if project else ""
                log(f"wrote {target} (from {sources}; the Dockerfile installs it)")
        else:
            extras[name] = data
    return wrote


def _add_mounted_files(
    root: Path, text: str, ignore: DockerIgnore, extras: dict[str, bytes]
) -> None:
    """Add to the context what a generated Dockerfile mounts and the project's own
    .dockerignore leaves out (BuildKit sees the context that file leaves)."""
    for name in mounted_files(text):
        if ignore.ignored(name) and (root / name).is_file() and name not in extras:
            extras[name] = (root / name).read_bytes()


def _ca_mount(
    ca_bundle: str | Path | None, text: str, path_in_context: str, extras: dict[str, bytes]
) -> tuple[bytes | None, str | None]:
    """(the host's CA bundle, the image it is mounted from), the image only when the
    Dockerfile has the ``dockdjango-ca`` cache mount."""
    ca = find_ca_bundle(ca_bundle)
    bundle = ca.read_bytes() if ca is not None else None
    ca_image = None
    if bundle is not None and CA_CACHE_MOUNT in text:
        # What BuildKit gets (and the plan reads): the bundle mounted from a local image;
        # ``text`` stays what the project has or gets written.
        ca_image = bundle_image(bundle)
        extras[path_in_context] = with_bundle_mount(text, ca_image).encode()
    return bundle, ca_image


def context_credentials(prepared: Prepared) -> list[str]:
    """Credential files (``id_rsa``, ``.aws/credentials``, ``secrets.json`` ...) the context
    about to be sent holds: what the project's ``.dockerignore`` lets through."""
    from dockdjango.images.context import iter_context_files
    from dockdjango.images.credentials import credential_files

    files = iter_context_files(prepared.root, prepared.ignore)
    return credential_files((p for p in files if p not in prepared.extras), prepared.ignore)


def context_index(prepared: Prepared) -> dict[str, str]:
    """Digests of the context's files: exactly what :func:`make_context` will send."""
    return index_context(prepared.root, prepared.ignore, prepared.extras)


def plan_project(
    prepared: Prepared,
    client: docker.DockerClient,
    *,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
) -> list[StepInputs]:
    """The steps of the build with their inputs (see :mod:`dockdjango.images.plan`)."""
    return plan_build(
        prepared.sent_dockerfile,
        context_index(prepared),
        resolve=lambda ref: file_system_key(client, ref),
        buildargs={**prepared.buildargs, **(buildargs or {})},
        labels=labels,
        target=target,
        name=str(prepared.root / prepared.dockerfile_path),
    )


def file_system_key(client: docker.DockerClient, ref: str) -> str | None:
    """What an image is to a build: a digest of its layers (None: not on the engine).

    BuildKit keys an image by its file system, not by its config: a re-labelled base, or
    the same base imported again (a new id, the same layers), changes no build."""
    import hashlib
    import json

    from dockdjango.engine.image_store import inspect_image

    data = inspect_image(client, ref)
    if not data:
        return None
    layers = (data.get("RootFS") or {}).get("Layers") or [data["Id"]]
    return "sha256:" + hashlib.sha256(json.dumps(layers).encode()).hexdigest()


def recorded_inputs(
    prepared: Prepared,
    client: docker.DockerClient,
    *,
    buildargs: Mapping[str, str] | None = None,
    target: str | None = None,
) -> BuildInputs:
    """What a build of ``prepared`` is made from, as the image's label records it
    (:mod:`dockdjango.images.build_inputs`): the Dockerfile, the files it names, the
    images it starts from (by their layers, :func:`file_system_key`), build args and
    target."""
    return build_inputs(
        prepared.dockerfile,
        name=prepared.dockerfile_path,
        read=context_reader(prepared.root, prepared.extras),
        resolve=lambda ref: file_system_key(client, ref),
        buildargs={**prepared.buildargs, **(buildargs or {})},
        target=target,
    )
