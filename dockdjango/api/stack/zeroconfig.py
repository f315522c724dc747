"""Zero-config: a Django project with no compose file gets a dev environment anyway.

``dockdjango up`` in such a project runs :func:`detected_stack` -- the compose file
:mod:`dockdjango.images.stackfile` writes for what detection found, loaded in memory, with
images built from a generated Dockerfile. ``dockdjango init`` (:func:`init_project`)
writes the same files into the project, to read, edit and commit.

```python
from dockdjango.api.stack.zeroconfig import detected_stack, init_project

with detected_stack("path/to/project") as stack:      # up, every service healthy
    print(stack.url("web", 8000))
init_project("path/to/project")                        # compose.yaml, Dockerfile, ...
```

Files Django creates in the bind-mounted checkout belong to the checkout's owner: the
``web`` service runs as ``DOCKDJANGO_UID:DOCKDJANGO_GID``, which :func:`owner_environ` sets
to the owner's ids (as Dev Containers' ``updateRemoteUserUID`` does for its user).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from dockdjango.detection.compose_hints import COMPOSE_NAMES
from dockdjango.detection.entry_points import console_script_site
from dockdjango.detection.layout import find_manage_py
from dockdjango.detection.projectconfig import Overrides
from dockdjango.errors import DockdjangoError

if TYPE_CHECKING:
    import docker

    from dockdjango.api.stack.stack import Stack
    from dockdjango.compose import ProjectFiles
    from dockdjango.detection.detect import SourceProject
    from dockdjango.images.stackfile import StackFile

__all__ = [
    "InitResult",
    "Overrides",
    "compose_file_in",
    "describe",
    "detect_for_stack",
    "detect_only",
    "detected_compose",
    "detected_stack",
    "has_compose_file",
    "init_project",
    "is_django_project",
    "owner_environ",
    "owner_variables",
    "stack_name",
]

#: The Dockerfile ``init`` writes beside a project's own ``Dockerfile`` (never over it).
SIDE_DOCKERFILE = "dockdjango.Dockerfile"


def has_compose_file(root: str | Path) -> bool:
    """True when ``root`` holds a compose file (Compose's names)."""
    return compose_file_in(root) is not None


def compose_file_in(root: str | Path) -> str | None:
    """The name of the compose file ``root`` holds (the first of Compose's names), if any."""
    return next((name for name in COMPOSE_NAMES if (Path(root) / name).is_file()), None)


def is_django_project(root: str | Path) -> bool:
    """True when ``root`` holds a Django project: a manage.py at or below it, or a console
    script that runs Django (which :func:`detect_for_stack` refuses, saying why)."""
    base = Path(root)
    return find_manage_py(base)[0] is not None or console_script_site(base) is not None


def owner_environ(root: str | Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default: the process's) with ``DOCKDJANGO_UID``/``DOCKDJANGO_GID`` set
    to the owner of ``root`` unless already set: the ids the ``web`` service runs as."""
    env = dict(os.environ if environ is None else environ)
    return {**env, **owner_variables(root, env)}


def owner_variables(root: str | Path, environ: Mapping[str, str]) -> dict[str, str]:
    """``DOCKDJANGO_UID``/``DOCKDJANGO_GID`` of the owner of ``root``, those ``environ``
    does not set already (a project's ``.env`` may pin them); none for a directory that
    is not there (loading the project then says what is missing)."""
    try:
        stat = Path(root).stat()
    except FileNotFoundError:
        return {}
    ids = {"DOCKDJANGO_UID": str(stat.st_uid), "DOCKDJANGO_GID": str(stat.st_gid)}
    return {key: value for key, value in ids.items() if key not in environ}


def stack_name(root: str | Path, environ: Mapping[str, str] | None = None) -> str:
    """The project name a detected stack gets: ``COMPOSE_PROJECT_NAME`` (from the environment
    or the project's ``.env``), else the directory's name, as Compose names projects."""
    from dockdjango.compose.loader.dotenv import parse_dotenv
    from dockdjango.compose.naming import normalize_project_name

    base = Path(root).resolve()
    env = dict(os.environ if environ is None else environ)
    if not env.get("COMPOSE_PROJECT_NAME") and (base / ".env").is_file():
        env.update({k: v for k, v in parse_dotenv(str(base / ".env"), env).items() if v})
    return env.get("COMPOSE_PROJECT_NAME") or normalize_project_name(base.name)


def detect_for_stack(
    root: str | Path = ".",
    *,
    overrides: Overrides | None = None,
    environ: Mapping[str, str] | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
) -> SourceProject:
    """The project as detection sees it, refusing clearly what is not a Django project."""
    from dockdjango.api.images.detect_here import detect_project

    base = Path(root)
    script = console_script_site(base) if find_manage_py(base)[0] is None else None
    if script is not None:
        message, hint = script.problem()
        raise DockdjangoError(f"{base.resolve()}: {message}", hint=hint)
    if not is_django_project(base):
        raise DockdjangoError(
            f"{base.resolve()}: no compose file and no Django project (no manage.py found)",
            hint="run this in a Django project, create compose.yaml, or pass one with -f",
        )
    env = dict(os.environ if environ is None else environ)
    project = detect_project(
        base, overrides=overrides, environ=env, client=client, offline=offline, create=True
    )
    blocking = next((step for step in project.setup_steps if step.blocks), None)
    if blocking is not None:
        # a start that can only crash-loop helps nobody: the step comes first
        message, hint = blocking.refusal()
        raise DockdjangoError(f"{base.resolve()}: {message}", hint=hint)
    return project


def detect_only(root: str | Path = ".", *, overrides: Overrides | None = None) -> SourceProject:
    """Detection alone: files read, no engine asked (Debian's Pythons assumed on offer)."""
    from dockdjango.detection.detect import detect

    return detect(root, overrides=overrides)


def detected_compose(project: SourceProject) -> StackFile:
    """The compose file for ``project`` as ``up`` runs it (a generated Dockerfile always)."""
    from dockdjango.images.stackfile import compose_file  # detection's weight: when detecting

    own = (project.root / "Dockerfile").is_file()
    return compose_file(project, generate_in_memory=own)


def detected_stack(
    root: str | Path = ".",
    *,
    project_name: str | None = None,
    overrides: Overrides | None = None,
    environ: Mapping[str, str] | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    project: SourceProject | None = None,
    located: ProjectFiles | None = None,
    on_note: Callable[[str], None] | None = None,
) -> Stack:
    """A :class:`~dockdjango.api.stack.stack.Stack` of what dockdjango detects at ``root``,
    loaded as if its compose file were there (its name is the directory's, as Compose's).
    ``located`` (from :class:`~dockdjango.api.compose_project.ProjectOptions`) carries the
    variables already read (``.env`` or ``--env-file``); else they are read here.

    ``web`` publishes on 8000, or the next free port when another program holds it (unless
    ``WEB_PORT`` says where); ``on_note`` hears that line."""
    from dockdjango.api.stack.stack import Stack
    from dockdjango.api.stack.webport import ChosenPort
    from dockdjango.compose import load_dict, locate

    base = Path(root).resolve()
    if located is None:
        located = locate(project_directory=base, environ=environ, discover=False)
    project = project or detect_for_stack(
        base, overrides=overrides, environ=environ, client=client, offline=offline
    )
    stack_file = detected_compose(project)
    data = yaml.safe_load(stack_file.text)
    located = located.with_variables(owner_variables(base, located.env))
    name = project_name or stack_name(base, located.env)
    port, client = _choose_web_port(located.env, name, client, on_note)
    if port is not None:
        located = located.with_variables({"WEB_PORT": port})
    loaded = load_dict(data, project_name=project_name, located=located)
    stack = Stack(loaded, client=client)
    if port is not None:
        stack.chosen_port = ChosenPort("web", 8000, int(port))
    return stack


def _choose_web_port(
    variables: Mapping[str, str],
    project_name: str,
    client: docker.DockerClient | None,
    on_note: Callable[[str], None] | None,
) -> tuple[str | None, docker.DockerClient | None]:
    """The ``WEB_PORT`` web publishes on, None when the user set it (environment or
    ``.env``: ``variables`` holds both); see :mod:`dockdjango.api.stack.webport`. Returns
    the client it connected too, if any."""
    from dockdjango.api.stack.webport import choose_web_port

    if variables.get("WEB_PORT"):
        return None, client
    if client is None:
        from dockdjango.engine.client import connect

        client = connect()
    port, note = choose_web_port(client, project_name)
    if note and on_note is not None:
        on_note(note)
    return str(port), client


@dataclass
class InitResult:
    """What ``init`` wrote and kept, and what it detected."""

    project: SourceProject
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def init_project(
    root: str | Path = ".",
    *,
    compose_name: str = "compose.yaml",
    force: bool = False,
    overrides: Overrides | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
) -> InitResult:
    """Write compose file, Dockerfile and .dockerignore for the project at ``root``.

    A project's own ``Dockerfile`` is never overwritten: the generated one goes beside it
    as ``dockdjango.Dockerfile`` and the compose file builds from that. An existing compose
    file or ``.dockerignore`` is kept unless ``force``; a lock/pyproject project also gets
    the derived requirements file its Dockerfile installs.
    """
    from dockdjango.api.images.imageprep import prepare
    from dockdjango.images.dockerignore import generate_dockerignore

    base = Path(root)
    target = base / compose_name
    existing = [base / n for n in COMPOSE_NAMES if (base / n).is_file()]
    # A file of Compose's own names beside another would change which one Compose uses
    clash = target if target.exists() else None
    if clash is None and compose_name in COMPOSE_NAMES and existing:
        clash = existing[0]
    if clash is not None and not force:
        raise DockdjangoError(
            f"{clash} exists: dockdjango uses it as it is, and init would not run",
            hint="`dockdjango init --file compose.dockdjango.yaml` writes beside it "
            "(then `dockdjango -f compose.dockdjango.yaml up`), or --force replaces "
            f"{compose_name}",
        )
    project = detect_for_stack(base, overrides=overrides, client=client, offline=offline)
    result = InitResult(project, notes=list(project.assumptions))
    own = (base / "Dockerfile").is_file()
    dockerfile = SIDE_DOCKERFILE if own else "Dockerfile"
    prepared = prepare(base, client=client, offline=offline, generate=True, write_requirements=True)
    _write(base / dockerfile, prepared.dockerfile, result, force=True)
    if own:
        result.kept.append(base / "Dockerfile")
        result.notes.append(
            f"the project's own Dockerfile is kept; the generated one is {SIDE_DOCKERFILE}"
        )
    _write(base / ".dockerignore", generate_dockerignore(), result, force=force)
    from dockdjango.images.stackfile import compose_file

    stack_file = compose_file(project, dockerfile=dockerfile if own else None)
    _write(target, stack_file.text, result, force=True)
    from dockdjango.api.images.project_files import keep_mounted_files
    from dockdjango.images.dockerfile import derived_files

    made = prepared.project
    for name in derived_files(made) if made is not None else {}:
        if (base / name).is_file():
            result.written.append(base / name)
    if keep_mounted_files(base, prepared.dockerfile):
        result.written.append(base / ".dockerignore")
    return result


def _write(path: Path, text: str, result: InitResult, *, force: bool) -> None:
    if path.exists() and not force:
        result.kept.append(path)
        return
    path.write_text(text, encoding="utf-8")
    result.written.append(path)


def describe(project: SourceProject) -> dict[str, Any]:
    """What was detected, as plain data (``dockdjango init --explain --json``)."""
    plan = project.services
    return {
        "root": str(project.root),
        "dependencies": {
            "source": project.dependency_source,
            "kind": project.kind,
            "runtime": len(project.requirements),
            "dev": len(project.dev_requirements),
        },
        "python": project.python,
        "python_image": project.python_choice.image_hint if project.python_choice else None,
        "manage_py": project.manage_py,
        "settings": project.settings_module,
        "wsgi": project.wsgi_app,
        "asgi": project.asgi_app,
        "services": list(plan.names),
        "database": plan.database.image if plan.database else "sqlite",
        "environment": dict(plan.environment),
        "build_packages": list(project.build_packages),
        "runtime_packages": list(project.runtime_packages),
        "project_install": (
            {
                "path": project.project_install.path,
                "name": project.project_install.name,
                "extras": list(project.project_install.extras),
            }
            if project.project_install
            else None
        ),
        "steps": [step.command for step in project.setup_steps],
        "assumptions": list(project.assumptions),
    }
