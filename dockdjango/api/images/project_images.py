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

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    resolve_base_image,
)
from dockdjango.api.images.project_build import build_prepared, engine_steps
from dockdjango.api.images.project_files import write_project_files
from dockdjango.errors import BuildError
from dockdjango.images.credentials import credential_warning
from dockdjango.images.dockerfile import DockerfileOptions
from dockdjango.images.explain import StepPrediction, load_record, predict, record_path

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
    job = _ProjectBuild(
        path=path,
        client=_client(client),
        tag=tag,
        buildargs=buildargs,
        labels=labels,
        target=target,
        options=options,
        dockerfile=dockerfile,
        offline=offline,
        nocache=nocache,
        on_event=on_event,
        log=log,
        generate=generate,
        python=python,
        overrides=overrides,
    )
    return job.run(started)


@dataclass
class _ProjectBuild:
    """One call of :func:`build_project`: what it was asked, and the notes and warnings it
    gathers on the way."""

    path: str | Path
    client: docker.DockerClient
    tag: str | None
    buildargs: Mapping[str, str] | None
    labels: Mapping[str, str] | None
    target: str | None
    options: DockerfileOptions | None
    dockerfile: str | None
    offline: bool | None
    nocache: bool
    on_event: OnEvent | None
    log: Log | None
    generate: bool
    python: str | None
    overrides: Overrides | None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def run(self, started: float) -> ImageBuild:
        """Prepare, check, warn, build; once more with the built-in frontend when the
        Dockerfile's ``# syntax=`` one could not be pulled."""
        prepared = self._prepare(self.offline, write_requirements=True, log=self.note)
        for line in prepared.notes:
            self.note(line)
        if not prepared.generated:
            self._check_bases(prepared)
        target = effective_target(prepared, self.target)
        self._warn_about_credentials(prepared)
        try:
            result, predicted = self._build(prepared, target)
        except BuildError as exc:
            if "syntax=" not in str(exc) or prepared.generated:
                raise
            # The `# syntax=` frontend could not be pulled: once more with the built-in one.
            retry = self._prepare(True)
            retry.buildargs = dict(prepared.buildargs)
            for line in retry.notes:
                self.note(line.replace("(offline)", "(it could not be pulled)"))
            result, predicted = self._build(retry, target)
        seconds = round(time.monotonic() - started, 3)
        return ImageBuild(result, predicted, seconds, self.notes, self.warnings)

    def note(self, line: str) -> None:
        """Keep a note, and say it as it happens."""
        self.notes.append(line)
        if self.log:
            self.log(line)

    def _prepare(
        self, offline: bool | None, *, write_requirements: bool = False, log: Log | None = None
    ) -> Prepared:
        return prepare(
            self.path,
            dockerfile=self.dockerfile,
            options=self.options,
            client=self.client,
            offline=offline,
            write_requirements=write_requirements,
            generate=self.generate,
            python=self.python,
            overrides=self.overrides,
            log=log,
        )

    def _check_bases(self, prepared: Prepared) -> None:
        """A base no registry serves, said on one line naming the file and line (BuildKit's
        own words are a resolver error); what can be pulled is pulled for BuildKit."""
        from dockdjango.api.images.basecheck import check_bases

        check_bases(
            self.client,
            prepared.root,
            prepared.dockerfile_path,
            buildargs=self.buildargs,
            offline=self.offline,
        )

    def _warn_about_credentials(self, prepared: Prepared) -> None:
        """Warn (before the build, which still runs) of credential files in the context."""
        found = credential_warning(context_credentials(prepared))
        if found is not None:
            self.warnings.append(found)
            if self.log:
                self.log(f"warning: {found}")

    def _build(
        self, prepared: Prepared, target: str | None
    ) -> tuple[BuildResult, list[StepPrediction]]:
        return build_prepared(
            prepared,
            self.client,
            self.tag,
            self.buildargs,
            self.labels,
            target,
            self.nocache,
            self.on_event,
            self.note,
        )


def effective_target(prepared: Prepared, target: str | None) -> str | None:
    """The target a build of ``prepared`` uses: ``dev`` only where the file has that
    stage (a generated file has one for Django projects only)."""
    if target == "dev" and prepared.generated and "AS dev" not in prepared.dockerfile:
        return None
    return target


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    if client is not None:
        return client
    from dockdjango.engine.client import connect

    return connect()
