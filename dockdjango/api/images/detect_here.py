"""Detecting a project with the Pythons this machine can really give it.

:func:`dockdjango.detection.detect.detect` is pure and assumes what is on offer; this module
asks the engine (and, unless offline, a registry) which ``python:X-slim`` images can be had,
so the project gets the exact Python it asks for wherever one is reachable, and the
nearest Debian-built one otherwise -- said in its assumptions.

```python
from dockdjango.api.images.detect_here import detect_project

project = detect_project("path/to/project")
print(project.python, project.settings_module, project.services.names)
for line in project.assumptions:
    print("-", line)
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.detection.detect import SourceProject, detect, requested_python
from dockdjango.detection.projectconfig import Overrides
from dockdjango.errors import BuildError

if TYPE_CHECKING:
    import docker

    from dockdjango.api.images.base_image import ImageChoice


def detect_project(
    path: str | Path = ".",
    *,
    requirements: str | None = None,
    python: str | None = None,
    overrides: Overrides | None = None,
    environ: Mapping[str, str] | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    create: bool = False,
) -> SourceProject:
    """What dockdjango finds in a project: dependencies, Python, Django, services.

    With ``client=None`` and ``offline`` true nothing is asked of an engine (Debian's
    Pythons are assumed on offer). ``create=True`` lets it pull an official image to learn
    that a registry serves it; read-only callers leave it False.
    """
    from dockdjango.api.images.base_image import is_offline, python_offers

    request = requested_python(path, requirements=requirements, python=python, overrides=overrides)
    offers = None
    if client is not None or not is_offline(offline):
        offers = python_offers(client, request, offline=offline, create=create)
    return detect(
        path,
        requirements=requirements,
        python=python,
        offers=offers,
        environ=environ,
        overrides=overrides,
    )


def base_image_for(
    project: SourceProject,
    client: docker.DockerClient | None = None,
    *,
    offline: bool | None = None,
    create: bool = True,
) -> ImageChoice:
    """The image a generated Dockerfile for ``project`` starts from (made when ``create``).

    Without an engine (printing a Dockerfile), the image is named from the project's
    choice: ``python:X-slim`` when a registry gave it, else the Debian-built base.
    """
    from dockdjango.api.images.base_image import ImageChoice, resolve_python_image
    from dockdjango.errors import EngineUnavailable

    python = project.python or "3.11"
    choice = project.python_choice
    try:
        return resolve_python_image(client, python=python, offline=offline, create=create)
    except EngineUnavailable:
        if choice is None:
            raise
        return ImageChoice(choice.image_hint, "missing", "no engine to ask", python=python)


def explain_failed_install(error: BuildError, root: str | Path) -> BuildError:
    """``error`` again, or -- when it is a failed dependency install -- one line naming the
    requirement and pip's/uv's reason, and the project's own requirements file."""
    from dockdjango.errors import DockdjangoError
    from dockdjango.images.install_errors import explain_install_failure

    if not error.output:
        return error
    try:
        project = detect(root)
        source, python = project.dependency_source, project.python
    except DockdjangoError:
        source, python = None, None
    found = explain_install_failure(error.output, requirements=source, python=python)
    if found is None:
        return error
    return BuildError(found.message, step=error.step, output=error.output, hint=found.hint)
