"""Images from a project directory: detect, write the Dockerfile, explain the cache, build.

```python
from dockdjango import build_project, explain_project

for p in explain_project("examples/library"):
    print(p.step.index, p.status, p.cause or "")
result = build_project("examples/library", tag="library:dev", on_event=print)
print(result.image_id, result.reused, "of", len(result.steps), "steps reused")
```

A Dockerfile in the project is always used as it is; otherwise dockdjango generates one
(:mod:`dockdjango.images.dockerfile`) and sends it inside the context as
``.dockdjango.Dockerfile``, which the engine drops from the context before any ``COPY``.
The project directory is never written to unless asked (:func:`write_project_files`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.api.imageprep import (
    GENERATED_DOCKERFILE,
    WHEELS_LABEL,
    Prepared,
    context_index,
    dependency_bytes,
    detect_project,
    plan_project,
    prepare,
    resolve_base_image,
)
from dockdjango.engine.layers import child_finder, image_exists, layer_details, layer_ids
from dockdjango.errors import BuildError, DockdjangoError
from dockdjango.images.dockerfile import REQUIREMENTS_CONTEXT_PATH, DockerfileOptions
from dockdjango.images.dockerignore import generate_dockerignore
from dockdjango.images.explain import (
    StepPrediction,
    load_record,
    predict,
    record_path,
    save_record,
)
from dockdjango.images.wheels import (
    cached_wheels,
    save_wheel_set,
    store_wheel,
    uncached_requirements,
)

__all__ = [
    "GENERATED_DOCKERFILE",
    "ImageBuild",
    "Prepared",
    "build_project",
    "compare",
    "context_index",
    "detect_project",
    "explain_project",
    "layer_ids",
    "plan_project",
    "prepare",
    "resolve_base_image",
    "write_project_files",
]

if TYPE_CHECKING:
    import docker

    from dockdjango.engine.build import BuildResult, OnEvent, StepResult

Log = Callable[[str], None]


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
    prepared = prepare(
        path,
        dockerfile=dockerfile,
        options=options,
        client=client,
        offline=offline,
        create_base=False,
    )
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
    from dockdjango.engine.build import build_image
    from dockdjango.images.context import make_context

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
    # Resolving only the uncached requirements online pays off unless that is all of them.
    new = uncached_requirements(project.requirements, before)
    wheels = fetch_wheels(
        client,
        system.image_id,
        dependency_bytes(prepared),
        req,
        cached_wheels(),
        offline=offline,
        new_requirements=new if len(new) < len(project.dependency_names) else [],
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
