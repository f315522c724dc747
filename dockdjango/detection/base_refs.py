"""The images a Dockerfile starts from, with the line that names each.

``FROM python:3.12-slim``, ``COPY --from=ghcr.io/astral-sh/uv:0.4 /uv /bin/`` and
``RUN --mount=from=node:20 ...`` all need an image the engine has or can pull; build stages
(``FROM base AS build`` ... ``FROM build``) and ``scratch`` do not. ``ARG`` defaults before
the first ``FROM`` and the build args given are substituted, as the builder does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dockdjango.detection.dockerfile_syntax import (
    expand,
    parse_dockerfile,
    run_mounts,
    split_assignments,
)


@dataclass(frozen=True)
class BaseRef:
    """An image a Dockerfile needs, and where it is named."""

    ref: str
    file: str
    line: int

    @property
    def where(self) -> str:
        """``Dockerfile:4``."""
        return f"{self.file}:{self.line}"


def base_refs(
    text: str, name: str = "Dockerfile", buildargs: Mapping[str, str] | None = None
) -> list[BaseRef]:
    """Every external image the Dockerfile's stages need, in order, each once."""
    instructions = parse_dockerfile(text, name)
    args: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG":
            args.update(split_assignments(ins.args))
    args.update(buildargs or {})
    stages: set[str] = set()
    out: list[BaseRef] = []
    seen: set[str] = set()
    for ins in instructions:
        refs: list[str] = []
        if ins.keyword == "FROM":
            words = ins.args.split()
            refs = [expand(words[0], args)] if words else []
        elif ins.keyword in ("COPY", "ADD") and "from" in ins.flags:
            refs = [expand(ins.flags["from"], args)]
        elif ins.keyword == "RUN":
            refs = [expand(m["from"], args) for m in run_mounts(ins.args) if "from" in m]
        for ref in refs:
            if ref in stages or ref.isdigit() or ref == "scratch" or ref in seen or not ref:
                continue
            seen.add(ref)
            out.append(BaseRef(ref, name, ins.line))
        if ins.keyword == "FROM":
            words = ins.args.split()
            if len(words) >= 3 and words[1].lower() == "as":
                stages.add(words[2])
    return out
