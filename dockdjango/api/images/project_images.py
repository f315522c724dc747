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
``.dockdjango.Dockerfile`` (BuildKit without a session reads the Dockerfile from the context
tar, so a ``COPY .`` copies it too). Builds run on the engine's BuildKit
(:mod:`dockdjango.engine.builds.buildkit`). The project directory is written to only for the derived
requirements file a lock-file project's Dockerfile installs, and when asked
(:func:`write_project_files`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.api.images.imageprep import (
    GENERATED_DOCKERFILE,
    Prepared,
    context_credentials,
    context_index,
    detect_project,
    plan_project,
    prepare,
    recorded_inputs,
    resolve_base_image,
)
from dockdjango.errors import BuildError, DockdjangoError
from dockdjango.images.build_inputs import INPUTS_LABEL
from dockdjango.images.credentials import credential_warning
from dockdjango.images.dockerfile import OFFLINE_ARG, DockerfileOptions
from dockdjango.images.dockerignore import generate_dockerignore
from dockdjango.images.explain import (
    StepPrediction,
    load_record,
    predict,
    record_path,
    save_record,
)

__all__ = [
    "GENERATED_DOCKERFILE",
    "ImageBuild",
    "Prepared",
    "build_project",
    "compare",
    "context_credentials",
    "context_index",
    "detect_project",
    "explain_project",
    "plan_project",
    "prepare",
    "resolve_base_image",
    "write_project_files",
]

if TYPE_CHECKING:
    import docker

    from dockdjango.detection.projectconfig import Overrides
    from dockdjango.engine.builds.buildkit import BuildResult, OnEvent, StepResult

Log = Callable[[str], None]


@dataclass
class ImageBuild:
    """A finished build: BuildKit's report next to dockdjango's prediction."""

    result: BuildResult
    predicted: list[StepPrediction]
    seconds: float = 0.0
    #: What dockdjango did or decided on the way (derived files written, substitutions).
    notes: list[str] = field(default_factory=list)
    #: What the user should fix (credential files in the build context), one line each.
    warnings: list[str] = field(default_factory=list)

    @property
    def image_id(self) -> str:
        """The final image's id."""
        return self.result.image_id

    @property
    def steps(self) -> list[StepResult]:
        """BuildKit's per-step report (only the steps it ran or reused)."""
        return self.result.steps

    @property
    def reused(self) -> int:
        """Build steps BuildKit took from its cache."""
        return sum(1 for s in self.result.steps if s.cached)

    def engine_step(self, prediction: StepPrediction) -> StepResult | None:
        """BuildKit's report of the step a prediction is about (None: it ran no such step)."""
        return engine_steps(self.predicted, self.result.steps).get(prediction.step.index)

    def mismatches(self) -> list[str]:
        """Steps where the prediction differed from BuildKit's ``cached`` flags (ideally none)."""
        return compare(self.predicted, self.result.steps)


def engine_steps(
    predicted: list[StepPrediction], actual: list[StepResult]
) -> dict[int, StepResult]:
    """Plan step index -> BuildKit's step, matched by vertex name (``[stage i/N]``).

    BuildKit reports a step shared by two stages (same inputs, same cache key) once; the
    plan knows both, so a step missing by name is matched through its chain.
    """
    by_label = {s.label.lower(): s for s in actual}
    out: dict[int, StepResult] = {}
    by_chain: dict[str, StepResult] = {}
    for p in predicted:
        if p.step.vertex is None:
            continue
        found = by_label.get(p.step.vertex.lower()) or by_chain.get(p.step.chain)
        if found is not None:
            out[p.step.index] = found
            by_chain.setdefault(p.step.chain, found)
    return out


def compare(predicted: list[StepPrediction], actual: list[StepResult]) -> list[str]:
    """Differences between a prediction and BuildKit's report, one line per step."""
    out = []
    matched = engine_steps(predicted, actual)
    for p in predicted:
        if not p.step.has_layer:
            continue
        s = matched.get(p.step.index)
        if s is None:
            out.append(f"step {p.step.index} `{p.step.text}`: BuildKit reported no such step")
        elif s.cached != p.reused:
            engine = "reused" if s.cached else "rebuilt"
            out.append(
                f"step {p.step.index} `{p.step.text}`: predicted {p.status}, BuildKit {engine}"
            )
    used = {id(s) for s in matched.values()}
    for s in actual:
        if id(s) not in used:
            out.append(f"BuildKit ran [{s.label}] `{s.instruction}`, which the plan does not have")
    return out


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
    overrides: Overrides | None = None,
    generate: bool = False,
) -> list[StepPrediction]:
    """Predict, per step, whether the next build reuses BuildKit's cache, and why not
    (``overrides`` answer what detection would guess, ``generate`` explains the generated
    Dockerfile beside the project's own, as in :func:`build_project`)."""
    client = _client(client)
    prepared = prepare(
        path,
        dockerfile=dockerfile,
        options=options,
        client=client,
        offline=offline,
        create_base=False,
        overrides=overrides,
        generate=generate,
    )
    steps = plan_project(prepared, client, buildargs=buildargs, labels=labels, target=target)
    return predict(steps, load_record(record_path(prepared.root, prepared.dockerfile_path, target)))


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
    generate: bool = False,
    python: str | None = None,
    overrides: Overrides | None = None,
) -> ImageBuild:
    """Build the project's image on BuildKit: predict, build, compare, record what it saw.

    ``generate`` builds from a generated Dockerfile even when the project has its own;
    ``python`` answers detection's Python for it (as ``--python`` does); ``overrides``
    answer the rest of what detection would guess (as ``--settings``, ``--manage`` ... do).

    ``log(line)`` gets each note as it happens, and each warning as ``warning: ...``; the
    result holds both (``notes``, ``warnings``). A context holding a credential file
    (:mod:`dockdjango.images.credentials`) is warned about before the build starts; the
    build still runs.

    ``on_event(kind, payload)`` follows the build live: ``("total", n)`` build steps, then
    per step ``("step", StepResult)`` when it starts, ``("cached", ...)`` or ``("done", ...)``
    when it ends, and ``("output", line)`` for what it prints.
    """
    started = time.monotonic()
    client = _client(client)
    notes: list[str] = []

    def note(line: str) -> None:
        notes.append(line)
        if log:
            log(line)

    prepared = prepare(
        path,
        dockerfile=dockerfile,
        options=options,
        client=client,
        offline=offline,
        write_requirements=True,
        generate=generate,
        python=python,
        overrides=overrides,
        log=note,
    )
    for line in prepared.notes:
        note(line)
    if not prepared.generated:
        # a base no registry serves, said on one line naming the file and line (BuildKit's
        # own words are a resolver error); what can be pulled is pulled for BuildKit
        from dockdjango.api.images.basecheck import check_bases

        check_bases(
            client, prepared.root, prepared.dockerfile_path, buildargs=buildargs, offline=offline
        )
    target = effective_target(prepared, target)
    warnings: list[str] = []
    found = credential_warning(context_credentials(prepared))
    if found is not None:
        warnings.append(found)
        if log:
            log(f"warning: {found}")
    try:
        result, predicted = _build(
            prepared, client, tag, buildargs, labels, target, nocache, on_event, note
        )
    except BuildError as exc:
        if "syntax=" not in str(exc) or prepared.generated:
            raise
        # The `# syntax=` frontend could not be pulled: once more with the built-in one.
        retry = prepare(
            path,
            dockerfile=dockerfile,
            options=options,
            client=client,
            offline=True,
            generate=generate,
            python=python,
            overrides=overrides,
        )
        retry.buildargs = dict(prepared.buildargs)
        for line in retry.notes:
            note(line.replace("(offline)", "(it could not be pulled)"))
        result, predicted = _build(
            retry, client, tag, buildargs, labels, target, nocache, on_event, note
        )
    return ImageBuild(result, predicted, round(time.monotonic() - started, 3), notes, warnings)


def effective_target(prepared: Prepared, target: str | None) -> str | None:
    """The target a build of ``prepared`` uses: ``dev`` only where the file has that
    stage (a generated file has one for Django projects only)."""
    if target == "dev" and prepared.generated and "AS dev" not in prepared.dockerfile:
        return None
    return target


def _build(
    prepared: Prepared,
    client: docker.DockerClient,
    tag: str | None,
    buildargs: Mapping[str, str] | None,
    labels: Mapping[str, str] | None,
    target: str | None,
    nocache: bool,
    on_event: OnEvent | None,
    log: Log,
) -> tuple[BuildResult, list[StepPrediction]]:
    """Check, plan, predict, fill the CA mount when needed, build, and record."""
    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.engine.client import describe_engine
    from dockdjango.images.context import make_context
    from dockdjango.images.frontend import check_dockerfile, explain_failure

    name = str(prepared.root / prepared.dockerfile_path)
    engine = describe_engine(client)
    version = engine.version
    buildah = (engine.builder_version or "?") if engine.builder == "buildah" else ""
    check_dockerfile(prepared.sent_dockerfile, name, version, buildah)
    _ensure_ca_image(client, prepared, log)
    steps = plan_project(prepared, client, buildargs=buildargs, labels=labels, target=target)
    rpath = record_path(prepared.root, prepared.dockerfile_path, target)
    predicted = predict(steps, None if nocache else load_record(rpath))
    if nocache:
        predicted = [replace(p, reused=not p.step.has_layer) for p in predicted]
    if on_event:
        on_event("total", sum(1 for s in steps if s.has_layer))
    extras: dict[str, bytes] = prepared.extras
    keyed: dict[str, str] = {}
    if buildah:
        from dockdjango.api.images.buildah_build import buildah_inputs

        extras, keyed = buildah_inputs(client, prepared, log)
    context = make_context(prepared.root, exclude=prepared.ignore, extra_files=extras)
    try:
        result = build_image(
            client,
            context,
            dockerfile=prepared.dockerfile_path,
            tag=tag,
            buildargs={**prepared.buildargs, **keyed, **(buildargs or {})},
            labels=_with_inputs(labels, prepared, client, buildargs, target),
            target=target,
            nocache=nocache,
            on_event=on_event,
        )
    except BuildError as exc:
        clear = explain_failure(str(exc), name, version) if exc.step is None else None
        if clear is not None:
            raise clear from None
        raise _offline_error(exc, prepared) or exc from None
    record = load_record(rpath)  # re-read: a parallel build may have added chains meanwhile
    matched = engine_steps(predicted, result.steps)
    done = [index for index, s in matched.items() if s.done and not s.error]
    record.remember(steps, done, result.image_id)
    save_record(rpath, record)
    return result, predicted


def _with_inputs(
    labels: Mapping[str, str] | None,
    prepared: Prepared,
    client: docker.DockerClient,
    buildargs: Mapping[str, str] | None,
    target: str | None,
) -> dict[str, str]:
    """``labels`` and what the image is built from: a later ``up`` tells a stale image by it
    (:mod:`dockdjango.images.build_inputs`)."""
    inputs = recorded_inputs(prepared, client, buildargs=buildargs, target=target)
    return {**(labels or {}), INPUTS_LABEL: inputs.label()}


def _ensure_ca_image(client: docker.DockerClient, prepared: Prepared, log: Log) -> None:
    """Make the one-file image the sent Dockerfile mounts the host's CA bundle from.

    Named by the bundle's digest, so it is made once per bundle (under a second); the
    bundle is mounted by the install steps, never copied into the image they build.
    """
    from dockdjango.engine.builds.buildkit import build_image
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.images.ca import BUNDLE_DOCKERFILE
    from dockdjango.images.context import make_context

    if prepared.ca_image is None or prepared.ca is None:
        return
    if inspect_image(client, prepared.ca_image) is not None:
        return
    log(
        f"storing the host's CA bundle as {prepared.ca_image} (mounted by the install steps, "
        "never copied into an image)"
    )
    files = {"Dockerfile": BUNDLE_DOCKERFILE.encode(), "ca.pem": prepared.ca}
    build_image(client, make_context(None, extra_files=files), tag=prepared.ca_image)


_NOT_CACHED = re.compile(r"Because (\S+) was not found in the cache")


def _offline_error(exc: BuildError, prepared: Prepared) -> BuildError | None:
    """Name the requirement an offline install could not find in the cache mount."""
    if OFFLINE_ARG not in prepared.buildargs:
        return None
    text = "\n".join([str(exc), *exc.output])
    missing = sorted(set(_NOT_CACHED.findall(text)))
    if not missing and "network connectivity is disabled" not in text:
        return None
    what = ", ".join(missing) if missing else "a requirement"
    return BuildError(
        f"offline (DOCKDJANGO_OFFLINE=1), and the cache mount has no wheel for {what}",
        step=exc.step,
        output=exc.output,
        hint="build once with network access to fill the cache, or unset DOCKDJANGO_OFFLINE",
    )


def write_project_files(
    path: str | Path = ".",
    *,
    options: DockerfileOptions | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    overwrite: bool = False,
    overrides: Overrides | None = None,
) -> list[Path]:
    """Write the generated Dockerfile, .dockerignore (and derived requirements) into the
    project; return the paths written."""
    root = Path(path)
    prepared = prepare(
        root,
        options=options,
        client=client,
        offline=offline,
        write_requirements=True,
        overrides=overrides,
    )
    if not prepared.generated:
        raise DockdjangoError(
            f"{root / 'Dockerfile'} already exists and is used as it is",
            hint="delete it to have dockdjango generate one",
        )
    written = list(prepared.written)
    for name, text in (
        ("Dockerfile", prepared.dockerfile),
        (".dockerignore", generate_dockerignore()),
    ):
        target = root / name
        if target.exists() and not overwrite:
            continue
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if keep_mounted_files(root, prepared.dockerfile):
        written.append(root / ".dockerignore")
    return list(dict.fromkeys(written))


def keep_mounted_files(root: Path, dockerfile: str) -> list[str]:
    """Make the project's .dockerignore let through every file ``dockerfile`` mounts (a
    written Dockerfile must build with plain ``docker build``); return the lines added."""
    from dockdjango.images.dockerfile import mounted_files
    from dockdjango.images.dockerignore import DockerIgnore

    path = root / ".dockerignore"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    ignore = DockerIgnore(text)
    wanted = [f"!{name}" for name in mounted_files(dockerfile) if ignore.ignored(name)]
    if wanted:
        lines = ["", "# read by the Dockerfile's install steps (added by dockdjango)", *wanted]
        path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return wanted


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    if client is not None:
        return client
    from dockdjango.engine.client import connect

    return connect()
