"""What the engine's built-in Dockerfile frontend can build, said before it fails.

Pure. dockdjango builds through the Engine API without a BuildKit session and without
pulling a ``# syntax=`` frontend where no registry answers, so the engine's *built-in*
frontend reads the Dockerfile. Its features follow the engine version (measured on Engine
20.10: ``RUN --mount=type=cache|bind`` work; heredocs, ``HEALTHCHECK --start-interval`` and
``COPY --link`` are parse errors). :func:`check_dockerfile` names such a line with the
engine that has it; :func:`explain_failure` turns the engine's own parse and session errors
into the same kind of one-line message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockdjango.detection.dockerfile_syntax import parse_dockerfile, run_mounts
from dockdjango.errors import BuildError

_SYNTAX = re.compile(r"^#\s*syntax\s*=\s*(\S+)\s*$", re.I)
_HEREDOC = re.compile(r"<<-?[\"']?[A-Za-z_]")


@dataclass(frozen=True)
class Feature:
    """A Dockerfile feature newer than some engines' built-in frontend."""

    what: str
    engine: tuple[int, int]


#: (keyword, flag) -> the first engine whose built-in frontend has it.
FLAGS = {
    ("HEALTHCHECK", "start-interval"): Feature("HEALTHCHECK --start-interval", (25, 0)),
    ("COPY", "link"): Feature("COPY --link", (23, 0)),
    ("ADD", "link"): Feature("ADD --link", (23, 0)),
    ("ADD", "checksum"): Feature("ADD --checksum", (24, 0)),
    ("COPY", "parents"): Feature("COPY --parents", (27, 0)),
    ("COPY", "exclude"): Feature("COPY --exclude", (27, 0)),
}
HEREDOC = Feature("a heredoc (<<EOF)", (23, 0))
SESSION_HINT = (
    "dockdjango builds through the Engine API without a BuildKit session; build this image "
    "with `docker build` (or buildx) and name it in the service's `image:`, or pass the "
    "value as a build arg in a stage that is not copied into the final image"
)


def engine_release(version: str) -> tuple[int, int]:
    """``20.10.24+dfsg1`` -> (20, 10); unknown -> (0, 0)."""
    m = re.match(r"(\d+)\.(\d+)", version or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def syntax_directive(text: str) -> str | None:
    """The frontend image a ``# syntax=`` directive names (only parser directives count)."""
    for raw in text.splitlines():
        line = raw.strip()
        m = _SYNTAX.match(line)
        if m:
            return m.group(1)
        if not re.match(r"^#\s*\w+\s*=", line):
            return None
    return None


def without_syntax_directive(text: str) -> str:
    """The Dockerfile with its ``# syntax=`` line blanked (line numbers stay the same)."""
    lines = text.split("\n")
    for i, raw in enumerate(lines):
        if _SYNTAX.match(raw.strip()):
            lines[i] = "#"
            break
        if not re.match(r"^\s*#\s*\w+\s*=", raw):
            break
    return "\n".join(lines)


def check_dockerfile(text: str, name: str, engine_version: str, buildah: str = "") -> None:
    """Raise :class:`BuildError` naming the first line this engine's frontend cannot build.

    ``buildah`` is the version of Podman's builder when Podman builds (measured on buildah
    1.28: none of the newer features below; a heredoc is misread as instructions)."""
    release = (0, 0) if buildah else engine_release(engine_version)
    for ins in parse_dockerfile(text, name):
        if ins.keyword == "RUN":
            for mount in run_mounts(ins.args):
                kind = mount.get("type", "bind")
                if kind in ("secret", "ssh"):
                    raise BuildError(
                        f"{name}:{ins.line}: RUN --mount=type={kind} needs a BuildKit session",
                        hint=SESSION_HINT,
                    )
        feature = None
        if ins.keyword in ("RUN", "COPY", "ADD") and _HEREDOC.search(ins.args.split("\n")[0]):
            feature = HEREDOC
        for flag in _flags(ins.keyword, ins.args, ins.flags):
            feature = feature or FLAGS.get((ins.keyword, flag))
        if feature is not None and buildah:
            raise BuildError(
                f"{name}:{ins.line}: {feature.what} is not understood by Podman's builder "
                f"(buildah {buildah})",
                hint="rewrite the line without it, or build with a Docker Engine",
            )
        if feature is not None and release < feature.engine:
            raise BuildError(
                f"{name}:{ins.line}: {feature.what} is not understood by Engine "
                f"{engine_version}'s built-in Dockerfile frontend (Engine "
                f"{feature.engine[0]}.{feature.engine[1]} or newer has it)",
                hint="rewrite the line without it, or use a newer Docker Engine",
            )


def _flags(keyword: str, args: str, parsed: dict[str, str]) -> list[str]:
    if keyword in ("COPY", "ADD"):
        return list(parsed)
    out = []
    for word in args.split():
        if not word.startswith("--"):
            break
        out.append(word[2:].split("=", 1)[0])
    return out


def explain_failure(message: str, name: str, engine_version: str) -> BuildError | None:
    """A clear error for a frontend or session failure the engine reported, else None."""
    m = re.search(r"dockerfile parse error line (\d+): (.*)", message)
    if m:
        return BuildError(
            f"{name}:{m.group(1)}: {m.group(2).strip()} (Engine {engine_version}'s built-in "
            "Dockerfile frontend)",
            hint="newer Dockerfile syntax needs a newer Docker Engine; rewrite the line",
        )
    if "no active session" in message:
        return BuildError(
            f"{name}: the build needs a BuildKit session ({message.strip()})", hint=SESSION_HINT
        )
    if "frontend gateway" in message or "resolve image config for" in message:
        return BuildError(
            f"{name}: the `# syntax=` frontend image cannot be pulled: {message.strip()[-160:]}",
            hint="remove the `# syntax=` line to use the engine's built-in frontend",
        )
    return None
