"""What an image was built from, recorded on the image, so a later ``up`` can tell it is stale.

Pure. Every image dockdjango builds carries the label :data:`INPUTS_LABEL`: a short digest
per input that decides what the image holds apart from the source code --

- the Dockerfile's text (the project's own, or the one dockdjango generates: a new
  dependency that needs a compiler changes it);
- each file a ``COPY``/``ADD`` or a ``RUN --mount=type=bind`` names one by one: the
  dependency files (``requirements*.txt``, ``pyproject.toml``, lock files ...);
- each image a stage starts from (``FROM``, ``COPY --from=image``), by what the engine
  has for it now (its layers: the same base imported again is the same input);
- the build args and the target.

Whole directories (``COPY . /app``) are not inputs here: that is the source code, which a
bind mount or ``watch`` keeps current, and which Compose never rebuilds for either.
Digests only, never values: labels are shown by ``docker inspect`` and a build arg may
hold a token. :func:`changes` compares a recorded set with the tree's, in words.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dockdjango.detection.base_refs import base_refs
from dockdjango.detection.dockerfile_syntax import (
    Instruction,
    expand,
    parse_dockerfile,
    run_mounts,
    split_assignments,
)
from dockdjango.errors import DockdjangoError

#: The label an image dockdjango built carries: its inputs' digests, compact JSON.
INPUTS_LABEL = "org.dockdjango.build.inputs"
#: Hex digits kept per digest: plenty to notice a change.
DIGEST_LENGTH = 16

#: Reads the context: a relative path or glob -> {path: content} of the regular files it
#: names ({} for a directory or nothing).
ReadFiles = Callable[[str], Mapping[str, bytes]]
#: An image reference -> what the engine has for it now, e.g. a digest of its layers (None:
#: not in the engine's store).
ResolveImage = Callable[[str], "str | None"]


@dataclass(frozen=True)
class BuildInputs:
    """Input name (``file:requirements.txt``, ``base:python:3.12-slim``, ``dockerfile``,
    ``arg:NAME``, ``target``) -> a short digest of its content."""

    digests: dict[str, str]

    def label(self) -> str:
        """The value of :data:`INPUTS_LABEL`."""
        return json.dumps(self.digests, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_labels(cls, labels: Mapping[str, str] | None) -> BuildInputs | None:
        """What an image's labels recorded (None: nothing, or not ours to read)."""
        text = (labels or {}).get(INPUTS_LABEL)
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        return cls({str(k): str(v) for k, v in data.items()})


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def build_inputs(
    dockerfile: str,
    *,
    name: str = "Dockerfile",
    read: ReadFiles,
    resolve: ResolveImage,
    buildargs: Mapping[str, str] | None = None,
    target: str | None = None,
) -> BuildInputs:
    """The inputs of a build of ``dockerfile`` (see the module docstring)."""
    args = dict(buildargs or {})
    digests = {"dockerfile": _digest(dockerfile.encode())}
    if target:
        digests["target"] = _digest(target.encode())
    for key, value in sorted(args.items()):
        digests[f"arg:{key}"] = _digest(value.encode())
    try:
        instructions = parse_dockerfile(dockerfile, name)
        bases = base_refs(dockerfile, name, args)
    except DockdjangoError:
        return BuildInputs(digests)  # the build will say what is wrong with the file
    for base in bases:
        digests[f"base:{base.ref}"] = _digest((resolve(base.ref) or "absent").encode())
    env = _global_args(instructions) | args
    for source in _named_sources(instructions, env):
        for path, content in sorted(read(source).items()):
            digests[f"file:{path}"] = _digest(content)
    return BuildInputs(digests)


def _global_args(instructions: list[Instruction]) -> dict[str, str]:
    """``ARG`` defaults before the first ``FROM`` (what a source path may name)."""
    out: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG":
            out.update(split_assignments(ins.args))
    return out


def _named_sources(instructions: list[Instruction], env: dict[str, str]) -> list[str]:
    """Context paths the build reads file by file: ``COPY``/``ADD`` sources (not from a
    stage or image, not URLs) and ``RUN --mount=type=bind`` sources from the context."""
    out: list[str] = []
    for ins in instructions:
        if ins.keyword in ("COPY", "ADD") and "from" not in ins.flags:
            out += [expand(w, env) for w in ins.words()[:-1] if "://" not in w]
        elif ins.keyword == "RUN":
            for mount in run_mounts(ins.args):
                if mount.get("type") == "bind" and "from" not in mount:
                    out.append(expand(mount.get("source") or mount.get("src") or ".", env))
    return [s for s in dict.fromkeys(_clean(s) for s in out) if s]


def _clean(source: str) -> str:
    """``./requirements.txt`` -> ``requirements.txt``; the context root -> ``""``."""
    path = source.strip().lstrip("/")
    while path.startswith("./"):
        path = path[2:]
    return "" if path in ("", ".") else path.rstrip("/")


def context_reader(root: Path, extras: Mapping[str, bytes] | None = None) -> ReadFiles:
    """A :data:`ReadFiles` over a build context: the files dockdjango adds (``extras``,
    e.g. a derived requirements file) first, then the project directory ``root``."""
    added = dict(extras or {})

    def read(source: str) -> dict[str, bytes]:
        if source in added:
            return {source: added[source]}
        if any(c in source for c in "*?["):
            found = {p.relative_to(root).as_posix(): p for p in root.glob(source) if p.is_file()}
            return {k: v.read_bytes() for k, v in found.items()}
        path = root / source
        return {source: path.read_bytes()} if path.is_file() else {}

    return read


def changes(before: BuildInputs, after: BuildInputs) -> list[str]:
    """What differs, in words: ``requirements.txt changed``, ``base image python:3.12-slim
    changed``, ``build arg DEBUG changed``, ``poetry.lock added`` ..."""
    out = []
    for key in sorted(set(before.digests) | set(after.digests), key=_order):
        was, now = before.digests.get(key), after.digests.get(key)
        if was == now:
            continue
        what = _words(key)
        if was is None:
            out.append(f"{what} added")
        elif now is None:
            out.append(f"{what} removed")
        else:
            out.append(f"{what} changed")
    return out


def _order(key: str) -> tuple[int, str]:
    kinds = ("file:", "dockerfile", "base:", "arg:", "target")
    return next(i for i, k in enumerate(kinds) if key.startswith(k)), key


def _words(key: str) -> str:
    kind, _, rest = key.partition(":")
    return {
        "file": rest,
        "dockerfile": "the Dockerfile",
        "base": f"base image {rest}",
        "arg": f"build arg {rest}",
        "target": "the target",
    }.get(kind, key)
