"""Images from a project directory: detect, write the Dockerfile, explain the cache, build.

```python
from dockdjango import build_project, explain_project

for p in explain_project("examples/library"):
    print(p.step.index, p.status, p.cause or "")
result = build_project("examples/library", tag="library:dev", on_event=print)
print(result.image_id, result.reused, "of", len(result.steps), "steps reused")
```

A Dockerfile in the project is always used as it is; otherwise dockdjango generates one
(:mod:`dockdjango.build.dockerfile`) and sends it inside the context as
``.dockdjango.Dockerfile``, which the engine drops from the context before any ``COPY``.
The project directory is never written to unless asked (:func:`write_project_files`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.build.ca import CONTEXT_PATH as CA_CONTEXT_PATH
from dockdjango.build.ca import find_ca_bundle
from dockdjango.build.detect import Project, detect
from dockdjango.build.dockerfile import (
    INJECT_DIR,
    REQUIREMENTS_CONTEXT_PATH,
    WHEELS_ARG,
    WHEELS_REPOSITORY,
    DockerfileOptions,
    generate_dockerfile,
    generated_requirements,
)
from dockdjango.build.dockerignore import DockerIgnore, generate_dockerignore
from dockdjango.build.explain import (
    StepPrediction,
    load_record,
    predict,
    record_path,
    save_record,
)
from dockdjango.build.plan import StepInputs, file_digest, index_context, plan_build
from dockdjango.build.wheels import (
    cached_wheels,
    files_dir,
    load_wheel_set,
    requirements_digest,
    save_wheel_set,
    store_wheel,
)
from dockdjango.engine.layers import child_finder, image_exists, layer_details, layer_ids
from dockdjango.errors import BuildError, DockdjangoError

if TYPE_CHECKING:
    import docker

    from dockdjango.engine.build import BuildResult, OnEvent, StepResult

GENERATED_DOCKERFILE = f"{INJECT_DIR}.Dockerfile"
#: The label on wheels images (``dockdjango/wheels:<digest>``), so they are findable.
WHEELS_LABEL = "dev.dockdjango.wheels"
Log = Callable[[str], None]


@dataclass
class Prepared:
    """Everything a build of a project needs, computed before talking to the builder."""

    root: Path
    dockerfile: str
    dockerfile_path: str
    generated: bool
    ignore: DockerIgnore
    extras: dict[str, bytes]
    project: Project | None = None
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


@dataclass
class ImageBuild:
    """A finished build: the engine's report next to dockdjango's prediction."""

    result: BuildResult
    predicted: list[StepPrediction]
    wheels_fetched: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The wheels image the builder stage installed from (``dockdjango/wheels:<digest>``).
    wheels_image: str | None = None

    @property
    def image_id(self) -> str:
        """The final image's id."""
        return self.result.image_id

    @property
    def steps(self) -> list[StepResult]:
        """The engine's per-step report."""
        return self.result.steps

    @property
    def reused(self) -> int:
        """Steps with a layer that the engine took from its cache."""
        layered = {p.step.index for p in self.predicted if p.step.has_layer}
        return sum(1 for s in self.result.steps if s.cached and s.index in layered)

    def mismatches(self) -> list[str]:
        """Steps where the prediction differed from what the engine did (ideally none)."""
        return compare(self.predicted, self.result.steps)


def compare(predicted: list[StepPrediction], actual: list[StepResult]) -> list[str]:
    """Differences between a prediction and an engine report, one line per step."""
    out = []
    by_index = {s.index: s for s in actual}
    if len(actual) != len(predicted):
        out.append(f"the engine ran {len(actual)} steps, the plan has {len(predicted)}")
    for p in predicted:
        s = by_index.get(p.step.index)
        if s is None:
            continue
        if _norm(s.instruction) != _norm(p.step.text):
            out.append(f"step {p.step.index}: engine ran `{s.instruction}`, plan `{p.step.text}`")
        elif p.step.has_layer and s.cached != p.reused:
            engine = "reused" if s.cached else "rebuilt"
            out.append(
                f"step {p.step.index} `{s.instruction}`: predicted {p.status}, engine {engine}"
            )
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def detect_project(path: str | Path = ".", *, requirements: str | None = None) -> Project:
    """What dockdjango finds in a project: dependency files, Python, Django entry points."""
    return detect(path, requirements=requirements)


def resolve_base_image(
    project: Project, client: docker.DockerClient | None = None, *, offline: bool | None = None
) -> str:
    """The base image a generated Dockerfile starts from (``python:X-slim`` or the local base)."""
    from dockdjango.api.base import is_offline, resolve_python_image
    from dockdjango.errors import EngineUnavailable

    python = project.python or "3.11"
    try:
        return resolve_python_image(client, python=python, offline=offline).ref
    except EngineUnavailable:
        # Only printing a Dockerfile needs no engine: name what a registry would serve.
        return (
            f"dockdjango/python:{python}-bookworm"
            if is_offline(offline)
            else f"python:{python}-slim"
        )


def prepare(
    path: str | Path = ".",
    *,
    dockerfile: str | None = None,
    options: DockerfileOptions | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    ca_bundle: str | Path | None = None,
) -> Prepared:
    """Decide the Dockerfile, ignore rules and injected files for a project."""
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
    project: Project | None = None
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
        project = detect(root)
        if options is None or not options.base_image:
            opts = replace(opts, base_image=resolve_base_image(project, client, offline=offline))
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
        files = _dependency_bytes(prepared)
        prepared.wheel_digest = requirements_digest(files, opts.base_image)
        prepared.wheels = load_wheel_set(prepared.wheel_digest)
    return prepared


def _dependency_bytes(prepared: Prepared) -> dict[str, bytes]:
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
    """The steps of the build with their inputs (see :mod:`dockdjango.build.plan`)."""
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


def explain_project(
    path: str | Path = ".",
    *,
    client: docker.DockerClient | None = None,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    options: DockerfileOptions | None = None,
    dockerfile: str | None = None,
    offline: bool | None = None,
) -> list[StepPrediction]:
    """Predict, per step, whether the next build reuses the engine's cache, and why not."""
    client = _client(client)
    prepared = prepare(path, dockerfile=dockerfile, options=options, client=client, offline=offline)
    steps = plan_project(prepared, client, buildargs=buildargs, labels=labels, target=target)
    record = load_record(record_path(prepared.root, prepared.dockerfile_path, target))
    return predict(
        steps, record, image_exists=image_exists(client), find_child=child_finder(client)
    )


def build_project(
    path: str | Path = ".",
    *,
    tag: str | None = None,
    client: docker.DockerClient | None = None,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    options: DockerfileOptions | None = None,
    dockerfile: str | None = None,
    offline: bool | None = None,
    nocache: bool = False,
    on_event: OnEvent | None = None,
    log: Log | None = None,
) -> ImageBuild:
    """Build the project's image: fetch missing wheels, predict, build, record what it saw."""
    from dockdjango.api.base import is_offline
    from dockdjango.engine.layers import ensure_files_image

    started = time.monotonic()
    client = _client(client)
    prepared = prepare(path, dockerfile=dockerfile, options=options, client=client, offline=offline)
    fetched: list[str] = []
    if prepared.wheel_digest is not None and prepared.wheels is None:
        fetched = _fetch_wheels(prepared, client, offline=is_offline(offline), log=log)
    if prepared.wheels_ref is not None:
        ensure_files_image(
            client, prepared.wheels_ref, prepared.wheel_files(), labels={WHEELS_LABEL: "1"}
        )
    result, predicted = _build_recorded(
        prepared,
        client,
        tag=tag,
        buildargs=buildargs,
        labels=labels,
        target=target,
        nocache=nocache,
        on_event=on_event,
    )
    seconds = round(time.monotonic() - started, 3)
    return ImageBuild(result, predicted, fetched, seconds, prepared.wheels_ref)


def _build_recorded(
    prepared: Prepared,
    client: docker.DockerClient,
    *,
    tag: str | None = None,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    nocache: bool = False,
    on_event: OnEvent | None = None,
) -> tuple[BuildResult, list[StepPrediction]]:
    """Plan, predict, build, and record what the build saw and made."""
    from dockdjango.build.context import make_context
    from dockdjango.engine.build import build_image

    steps = plan_project(prepared, client, buildargs=buildargs, labels=labels, target=target)
    rpath = record_path(prepared.root, prepared.dockerfile_path, target)
    record = load_record(rpath)
    predicted = predict(
        steps,
        None if nocache else record,
        image_exists=image_exists(client),
        find_child=child_finder(client),
    )
    if nocache:
        predicted = [replace(p, reused=not p.step.has_layer) for p in predicted]
    if on_event:
        on_event("total", len(steps))
    context = make_context(prepared.root, exclude=prepared.ignore, extra_files=prepared.extras)
    for attempt in (1, 2):
        try:
            result = build_image(
                client,
                context,
                dockerfile=prepared.dockerfile_path,
                tag=tag,
                buildargs={**prepared.buildargs, **(buildargs or {})},
                labels=labels,
                target=target,
                nocache=nocache,
                on_event=on_event,
            )
            break
        except BuildError as exc:
            # Another client removed a cached layer this build stood on (e.g. `docker rmi`
            # pruning untagged parents) between the cache hit and the commit: once more.
            if attempt == 2 or "unknown parent image" not in str(exc):
                raise
    record = load_record(rpath)  # re-read: a parallel build may have added layers meanwhile
    layers, cmds = layer_details(client, layer_ids(result))
    record.remember(steps, layers, result.image_id, cmds)
    save_record(rpath, record)
    return result, predicted


def _fetch_wheels(
    prepared: Prepared, client: docker.DockerClient, *, offline: bool, log: Log | None
) -> list[str]:
    """Fill the wheel cache for the prepared requirements; return the newly fetched names."""
    from dockdjango.engine.wheels import fetch_wheels

    project = prepared.project
    assert project is not None and prepared.wheel_digest is not None
    if log:
        log("fetching wheels (only those not already in the wheel cache)")
    # The fetch runs in the system stage: same Python, platform and build packages.
    system, _ = _build_recorded(prepared, client, target="system")
    req = project.requirements_file or REQUIREMENTS_CONTEXT_PATH
    before = {p.name for p in cached_wheels()}
    wheels = fetch_wheels(
        client,
        system.image_id,
        _dependency_bytes(prepared),
        req,
        cached_wheels(),
        offline=offline,
        ca_bundle=prepared.ca,
        on_output=log,
    )
    for name, data in wheels.items():
        store_wheel(name, data)
    save_wheel_set(prepared.wheel_digest, sorted(wheels))
    prepared.wheels = sorted(wheels)
    return sorted(set(wheels) - before)


def write_project_files(
    path: str | Path = ".",
    *,
    options: DockerfileOptions | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write the generated Dockerfile and .dockerignore into the project; return the paths."""
    root = Path(path)
    prepared = prepare(root, options=options, client=client, offline=offline)
    if not prepared.generated:
        raise DockdjangoError(
            f"{root / 'Dockerfile'} already exists and is used as it is",
            hint="delete it to have dockdjango generate one",
        )
    written = []
    for name, text in (
        ("Dockerfile", prepared.dockerfile),
        (".dockerignore", generate_dockerignore()),
    ):
        target = root / name
        if target.exists() and not overwrite:
            continue
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    if client is not None:
        return client
    from dockdjango.engine.client import connect

    return connect()
