"""The Dockerfile Podman's builder (buildah 1.28) gets: two of its cache bugs worked around.

Pure. Only the *sent* Dockerfile changes; what a project has or ``init`` writes stays as it is.

- ``RUN --mount=type=bind,from=<stage>`` fails (``/opt/uv/bin/uv: not found``) when that
  stage came entirely from buildah's cache. A bind from an *image* works on every rerun,
  so the stage is built as an image of its own first (:func:`stage_text` names it by its
  content) and the mounts name that image (:func:`mount_stage_from`).
- Files a ``RUN --mount=type=bind,source=<file>`` reads from the context are not part of
  buildah's cache key: a changed ``requirements.txt`` leaves the install step reused, with
  the old packages and no error. An ``ARG`` whose value is the digest of those files,
  declared just before the step, makes the step's key change with them
  (:func:`key_bind_mounts`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from dockdjango.detection.dockerfile_syntax import parse_dockerfile, run_mounts

#: The build args :func:`key_bind_mounts` declares: ``DOCKDJANGO_MOUNTED_<line>``.
MOUNT_ARG = "DOCKDJANGO_MOUNTED_"


def stage_text(dockerfile: str, stage: str) -> str | None:
    """The text of stage ``stage`` (its ``FROM ... AS stage`` up to the next ``FROM``), or
    None when the Dockerfile has no such stage."""
    lines = dockerfile.split("\n")
    start = None
    for i, ins in ((ins.line - 1, ins) for ins in parse_dockerfile(dockerfile)):
        if ins.keyword != "FROM":
            continue
        if start is not None:
            return "\n".join(lines[start:i])
        words = ins.args.split()
        if len(words) >= 3 and words[-2].upper() == "AS" and words[-1].lower() == stage.lower():
            start = i
    return "\n".join(lines[start:]) if start is not None else None


def stage_image(dockerfile: str, stage: str) -> str | None:
    """``dockdjango/<stage>:<digest of the stage's text>``: the image a stage is built as
    (None when there is no such stage)."""
    text = stage_text(dockerfile, stage)
    if text is None:
        return None
    return f"dockdjango/{stage}:{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def mount_stage_from(dockerfile: str, stage: str, image: str) -> str:
    """``dockerfile`` with each ``--mount=...from=<stage>`` naming ``image`` instead."""
    pattern = re.compile(rf"(--mount=\S*\bfrom=){re.escape(stage)}(?=[,\s])", re.I)
    return pattern.sub(lambda m: m.group(1) + image, dockerfile)


def key_bind_mounts(
    dockerfile: str, read: Callable[[str], bytes | None]
) -> tuple[str, dict[str, str]]:
    """(``dockerfile`` with an ``ARG`` before each ``RUN`` that bind-mounts context files,
    the build args giving each the digest of those files). ``read(path)`` gives a context
    file's bytes (None when it is not there: then nothing is keyed for it)."""
    lines = dockerfile.split("\n")
    args: dict[str, str] = {}
    inserts: list[tuple[int, str]] = []
    for ins in parse_dockerfile(dockerfile):
        if ins.keyword != "RUN":
            continue
        sources = [
            m["source"].lstrip("/")
            for m in run_mounts(ins.args)
            if m.get("type", "bind") == "bind" and "from" not in m and m.get("source")
        ]
        digest = hashlib.sha256()
        for source in sorted(sources):
            data = read(source)
            if data is not None:
                digest.update(source.encode() + b"\0" + data + b"\0")
        if sources:
            name = f"{MOUNT_ARG}{ins.line}"
            args[name] = digest.hexdigest()[:16]
            inserts.append((ins.line - 1, f"ARG {name}"))
    for index, line in sorted(inserts, reverse=True):
        lines.insert(index, line)
    return "\n".join(lines), args
