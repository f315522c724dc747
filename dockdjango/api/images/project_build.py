"""One build of a prepared project on the engine's BuildKit: check, plan, predict, build, record.

:func:`build_prepared` is the step :func:`dockdjango.api.images.project_images.build_project`
runs once (or twice, when a ``# syntax=`` frontend could not be pulled): it checks the
Dockerfile, makes the CA image the install steps mount, predicts each step's cache from the
record of the last build, builds, turns BuildKit's failure into a clear one where it can,
and records what BuildKit reused for the next prediction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from dockdjango.api.images.imageprep import Prepared, plan_project, recorded_inputs
from dockdjango.errors import BuildError
from dockdjango.images.build_inputs import INPUTS_LABEL
from dockdjango.images.dockerfile import OFFLINE_ARG
from dockdjango.images.explain import (
    StepPrediction,
    load_record,
    predict,
    record_path,
    save_record,
)

if TYPE_CHECKING:
    import docker

    from dockdjango.engine.builds.buildkit import BuildResult, OnEvent, StepResult

Log = Callable[[str], None]


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


def build_prepared(
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
