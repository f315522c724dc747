"""The watch rules of a stack: its ``develop.watch`` sections, or a default for Django.

Each rule leaves out what the service's image build leaves out (the build context's
``.dockerignore``, or, without one, the list dockdjango generates and builds with), the
rule's own ``ignore`` patterns, paths outside its ``include`` patterns, version control,
Python caches and editors' temporary files.

A service with no ``develop`` section whose build context is a Django project (it has a
``manage.py``) gets a default, and :func:`watch_rules` says so in each rule's ``origin``:

- its source is synced to the image's working directory, unless the service already
  bind-mounts that source (then edits are live without syncing);
- ``runserver`` reloads itself, so a sync is enough; any other command is restarted;
- a change to a dependency file (``requirements.txt``, ``pyproject.toml``, a lock file)
  rebuilds the image and recreates the container.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dockdjango.compose.develop_watch import (
    ALWAYS_IGNORED,
    EDITOR_FILES,
    REBUILD,
    SYNC,
    SYNC_RESTART,
    Matcher,
    WatchRule,
    is_within,
    rule_from_compose,
)
from dockdjango.errors import SpecError
from dockdjango.images.dockerignore import DockerIgnore, generate_dockerignore

#: Says what a default rule stands for, in every message that shows it.
DEFAULT_ORIGIN = "default for a Django service without `develop`"

#: The ``Config`` of an image as the engine inspects it (``WorkingDir``, ``Cmd`` ...), given
#: its reference; empty when the image is not there.
ImageConfig = Callable[[str], Mapping[str, Any]]


def build_ignore(context: str) -> DockerIgnore:
    """The ignore rules the image build of ``context`` applies (its ``.dockerignore``, or
    the generated default dockdjango builds with when there is none)."""
    path = Path(context) / ".dockerignore"
    if path.is_file():
        return DockerIgnore(path.read_text(encoding="utf-8"))
    return DockerIgnore(generate_dockerignore())


def matcher(
    root: str,
    *,
    ignore: Sequence[str] = (),
    include: Sequence[str] = (),
    context: str | None = None,
) -> Matcher:
    """``ignored(path)`` for a rule watching ``root``: True when the path is left out."""
    own = DockerIgnore("\n".join([*ALWAYS_IGNORED, *EDITOR_FILES, *ignore]))
    wanted = DockerIgnore("\n".join(include)) if include else None
    built = build_ignore(context) if context else None

    def ignored(path: str) -> bool:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if rel != "." and own.ignored(rel):
            return True
        if wanted is not None and rel != "." and not wanted.ignored(rel):
            return True
        if built is not None and context is not None and is_within(context, path):
            crel = os.path.relpath(path, context).replace(os.sep, "/")
            if crel != "." and built.ignored(crel):
                return True
        return False

    return ignored


def _context(svc: Mapping[str, Any]) -> str | None:
    build = svc.get("build")
    if not isinstance(build, Mapping):
        return None
    context = str(build.get("context") or "")
    return context if context and os.path.isdir(context) else None


def service_rules(
    service: str,
    svc: Mapping[str, Any],
    *,
    image_config: ImageConfig,
    image_ref: str,
) -> list[WatchRule]:
    """The rules of one service (Compose JSON shape): its own, else the Django default."""
    develop = svc.get("develop")
    context = _context(svc)
    if isinstance(develop, Mapping) and develop.get("watch"):
        rules = []
        for i, entry in enumerate(develop["watch"]):
            path = os.path.normpath(str(entry.get("path") or ""))
            rules.append(
                rule_from_compose(
                    service,
                    i,
                    entry,
                    has_build=bool(svc.get("build")),
                    ignored=matcher(
                        path,
                        ignore=[str(p) for p in entry.get("ignore") or []],
                        include=[str(p) for p in entry.get("include") or []],
                        context=context,
                    ),
                )
            )
        return rules
    if develop is None and context is not None:
        return django_default(service, svc, context, image_config(image_ref))
    return []


def django_default(
    service: str, svc: Mapping[str, Any], context: str, image: Mapping[str, Any]
) -> list[WatchRule]:
    """The default rules for a Django service (see the module docstring); [] if the build
    context is not a Django project."""
    from dockdjango.detection.detect import detect

    if not (Path(context) / "manage.py").is_file():
        return []
    try:
        project = detect(context)
    except Exception:  # an odd layout: no default rather than a failed watch
        return []
    ignored = matcher(context, context=context)
    rules: list[WatchRule] = []
    mounted = any(
        (v.get("type") == "bind" and is_within(str(v.get("source") or ""), context))
        for v in svc.get("volumes") or []
    )
    workdir = str(image.get("WorkingDir") or "")
    if not mounted and workdir:
        command = " ".join(str(c) for c in svc.get("command") or image.get("Cmd") or [])
        reloads = "runserver" in command and "--noreload" not in command
        rules.append(
            WatchRule(
                service=service,
                action=SYNC if reloads else SYNC_RESTART,
                path=os.path.normpath(context),
                target=workdir,
                ignored=ignored,
                origin=DEFAULT_ORIGIN,
            )
        )
    for name in project.dependency_files:
        rules.append(
            WatchRule(
                service=service,
                action=REBUILD,
                path=os.path.join(os.path.normpath(context), name),
                origin=DEFAULT_ORIGIN,
            )
        )
    return rules


def watch_rules(
    services: Mapping[str, Mapping[str, Any]],
    *,
    image_config: ImageConfig,
    image_refs: Mapping[str, str],
    config_file: str | None = None,
) -> list[WatchRule]:
    """Every rule of ``services``; a :class:`SpecError` (naming the file) for a bad one."""
    rules: list[WatchRule] = []
    for name, svc in services.items():
        try:
            rules += service_rules(name, svc, image_config=image_config, image_ref=image_refs[name])
        except SpecError as exc:
            if config_file and not exc.file:
                raise SpecError(
                    exc.detail, file=config_file, path=exc.path, hint=exc.hint
                ) from None
            raise
    return rules
