"""Building a stack service's image from its ``build:`` section, with dockdjango's builder.

The engine asks for an image through a :class:`~dockdjango.engine.up.resources.Builder`;
:class:`ServiceBuilder` answers with ``dockdjango.api.images.build_project``: the context's
own Dockerfile when there is one, else a generated one for the Django project found there.

It also says when an image already there is older than what it is built from (the
inputs recorded on it, :mod:`dockdjango.images.build_inputs`). An image dockdjango
generates -- zero-config, ``--generated``, a build marked ``x-dockdjango: {dockerfile:
generated}`` or ``{rebuild: auto}`` (what ``init`` writes) -- is rebuilt; a compose file's
own ``build:`` is only warned about, as Compose would run it::

    image demo-web  stale  (requirements.txt changed since it was built: rebuilding)
    image demo-app  warning  (image demo-app was built before requirements.txt changed;
      `dockdjango up --build` rebuilds it)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockdjango.compose.models import BuildConfig
from dockdjango.engine.progress import Event, OnProgress
from dockdjango.engine.up.resources import Stale
from dockdjango.errors import BuildError, DockdjangoError

# Every `up` makes a ServiceBuilder, but only a service with `build:` needs what reads a
# build context or builds (detection, Dockerfile generation, BuildKit): imported there.
if TYPE_CHECKING:
    import docker

    from dockdjango.api.stack.running_stack import RunningStack
    from dockdjango.images.build_inputs import BuildInputs


@dataclass(frozen=True)
class BuildRequest:
    """What one ``build:`` section asks of the builder, resolved against the project."""

    context: Path
    #: the project's own Dockerfile, or None for a generated one
    dockerfile: str | None
    generate: bool
    python: str | None
    args: dict[str, str]
    target: str | None
    #: rebuild when stale (an image dockdjango generates), rather than only say so
    rebuild: bool


def build_request(working_dir: str, build: BuildConfig) -> BuildRequest:
    """The builder's view of ``build``: which Dockerfile, args, target, rebuild policy."""
    from dockdjango.api.images.basecheck import generated_python, wants_generated

    context = Path(build.context or working_dir or ".")
    dockerfile = build.dockerfile
    generate = wants_generated(build.extensions)
    # Compose fills in `dockerfile: Dockerfile`; when that default is missing, generate one
    if generate or (dockerfile == "Dockerfile" and not (context / dockerfile).is_file()):
        dockerfile = None
    ext = build.extensions.get("x-dockdjango")
    marked = isinstance(ext, Mapping) and ext.get("rebuild") == "auto"
    return BuildRequest(
        context=context,
        dockerfile=str(dockerfile) if dockerfile else None,
        generate=generate,
        python=generated_python(build.extensions) if generate else None,
        args={k: str(v) for k, v in build.args.items() if v is not None},
        # a generated Dockerfile ends with its runtime stage; a compose service made for
        # the project's own file runs the dev server, as dockdjango's own files do
        target=build.target or ("dev" if dockerfile is None else None),
        rebuild=generate or dockerfile is None or marked,
    )


class ServiceBuilder:
    """Builds a stack's service images (the engine's ``Builder``) and spots stale ones.

    ``on_progress`` gets each build warning (credential files in the context) as an
    ``image`` event."""

    def __init__(
        self, client: docker.DockerClient, working_dir: str, on_progress: OnProgress
    ) -> None:
        self.client = client
        self.working_dir = working_dir
        self.on_progress = on_progress

    def __call__(self, service: str, build: BuildConfig, tag: str) -> str:
        """Build ``tag`` for ``service``; return the image id. Errors name the service."""
        return build_service(self.client, self.working_dir, service, build, tag, self._warn(tag))

    def stale(
        self, service: str, build: BuildConfig, tag: str, image: Mapping[str, Any]
    ) -> Stale | None:
        """None while ``image`` was built from what the tree holds now; else what changed."""
        from dockdjango.images.build_inputs import BuildInputs, changes

        request = build_request(self.working_dir, build)
        recorded = BuildInputs.from_labels((image.get("Config") or {}).get("Labels"))
        if recorded is None:
            # an image another tool built (Compose) is its business; ours is rebuilt once
            why = "no record of what it was built from: rebuilding"
            return Stale(True, why) if request.rebuild else None
        try:
            now = current_inputs(self.client, request)
        except DockdjangoError as exc:
            # not knowing is said, never taken for "current"
            if request.rebuild:
                return Stale(True, f"its inputs cannot be read now ({exc}): rebuilding")
            return Stale(False, f"could not tell whether image {tag} is current: {exc}")
        changed = changes(recorded, now)
        if not changed:
            return None
        what = _listed(changed)
        if request.rebuild:
            return Stale(True, f"{what} since it was built: rebuilding")
        return Stale(
            False, f"image {tag} was built before {what}; `dockdjango up --build` rebuilds it"
        )

    def _warn(self, tag: str) -> Callable[[str], None]:
        def warn(line: str) -> None:
            self.on_progress(Event("image", tag, "warning", line))

        return warn


def current_inputs(client: docker.DockerClient, request: BuildRequest) -> BuildInputs:
    """The inputs a build of ``request`` would record now (nothing is built or written)."""
    from dockdjango.api.images.imageprep import prepare, recorded_inputs
    from dockdjango.api.images.project_images import effective_target

    prepared = prepare(
        request.context,
        dockerfile=request.dockerfile,
        client=client,
        create_base=False,
        generate=request.generate,
        python=request.python,
    )
    target = effective_target(prepared, request.target)
    return recorded_inputs(prepared, client, buildargs=request.args, target=target)


def build_service(
    client: docker.DockerClient,
    working_dir: str,
    service: str,
    build: BuildConfig,
    tag: str,
    on_warning: Callable[[str], None] | None = None,
) -> str:
    """Build ``tag`` for ``service``; return the image id. Errors name the service.

    ``on_warning(line)`` gets the build's warnings (credential files in the context).
    """
    from dockdjango.api.images.project_images import build_project

    request = build_request(working_dir, build)
    try:
        made = build_project(
            request.context,
            tag=tag,
            client=client,
            buildargs=request.args or None,
            labels=build.labels or None,
            target=request.target,
            dockerfile=request.dockerfile,
            nocache=bool(build.no_cache),
            generate=request.generate,
            python=request.python,
        )
    except BuildError as exc:
        from dockdjango.api.images.detect_here import explain_failed_install

        exc = explain_failed_install(exc, request.context)
        raise BuildError(
            f"service {service}: {exc.message}", step=exc.step, output=exc.output, hint=exc.hint
        ) from None
    if on_warning is not None:
        for line in made.warnings:
            on_warning(line)
    return made.image_id


def build_services(
    stack: RunningStack, *services: str, on_progress: OnProgress | None = None
) -> dict[str, str]:
    """Build the images of ``services`` (default: every one with ``build:``) as ``up
    --build`` builds them (``docker compose build``); ``{service: image id}``."""
    import time

    from dockdjango.engine.failures import engine_errors
    from dockdjango.engine.progress import ignore

    report = on_progress or ignore
    project = stack.project.with_selected_services(services) if services else stack.project
    builder = ServiceBuilder(stack.client, project.working_dir, report)
    built: dict[str, str] = {}
    with engine_errors():
        for name, service in project.services.items():
            if service.build is None or (services and name not in services):
                continue
            tag = project.image_ref(name)
            report(Event("image", tag, "building"))
            began = time.monotonic()
            built[name] = builder(name, service.build, tag)
            report(Event("image", tag, "built", seconds=time.monotonic() - began))
    return built


def _listed(changed: list[str], limit: int = 3) -> str:
    head = ", ".join(changed[:limit])
    return head + (f", +{len(changed) - limit} more" if len(changed) > limit else "")
