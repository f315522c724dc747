"""The cache plan: what each step of a build depends on, as the classic builder sees it.

Pure. :func:`plan_build` walks a Dockerfile with the build's context, build args and labels
and gives every step (numbered exactly as the engine prints ``Step i/N``) a *key* — a digest
of everything the classic builder compares when it looks for a cached layer — and a *chain*,
the digest of the key and every step before it in the stage. The engine reuses a step when
it has a layer made from the same parent with the same inputs, which is exactly "this chain
was built before and its layer still exists" (see :mod:`dockdjango.images.explain`).

What the classic builder compares (verified on Engine 20.10, see tests/images):

- ``FROM``: the base image's id (a re-tagged base invalidates everything after it);
- ``RUN``: the instruction text and the values of the ``ARG``\\ s declared in the stage;
- ``COPY``/``ADD``: the text and a digest of the copied files' content, mode and names —
  not their modification times;
- ``COPY --from=stage``: the content of the copied path in that stage's image;
- every other instruction: its text after ``$VAR`` substitution;
- labels passed to the build: one extra ``LABEL k=v`` step per label, sorted, at the end.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import posixpath
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dockdjango.images.context import Exclude, iter_context_files
from dockdjango.images.instructions import Instruction, expand, parse_dockerfile, split_assignments

#: Context-relative POSIX path -> digest of the file's mode and content.
ContextIndex = dict[str, str]
#: An image reference -> its id in the engine, or None when it is not there.
Resolve = Callable[[str], "str | None"]

_EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def file_digest(mode: int, content: bytes) -> str:
    """Digest of one context entry as the engine's COPY hash sees it (mode and bytes)."""
    h = hashlib.sha256(f"{stat.S_IMODE(mode):o}:{stat.S_IFMT(mode):o}\0".encode())
    h.update(content)
    return h.hexdigest()[:32]


def index_context(
    root: str | os.PathLike[str] | None,
    exclude: Exclude | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> ContextIndex:
    """Digests of every file the context tar will hold (same selection as ``make_context``)."""
    index: ContextIndex = {}
    if root is not None:
        base = Path(root)
        for rel in iter_context_files(base, exclude):
            full = base / rel
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                index[rel] = file_digest(st.st_mode, os.readlink(full).encode())
            elif stat.S_ISREG(st.st_mode):
                index[rel] = file_digest(st.st_mode, full.read_bytes())
    for rel, data in (extra_files or {}).items():
        index[rel] = file_digest(0o100644, data)  # make_context writes extras as 0644 files
    return index


@dataclass
class StepInputs:
    """What one step depends on; recorded after each build so the next plan can compare."""

    index: int
    text: str
    keyword: str
    stage: str
    pos: int
    key: str = ""
    chain: str = ""
    parent: str = ""
    expanded: str = ""
    base: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    source_stage: str | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def has_layer(self) -> bool:
        """False for FROM and for ARG before the first FROM: the engine never rebuilds them."""
        return self.keyword != "FROM" and self.stage != ""

    def to_json(self) -> dict[str, object]:
        """A JSON-able dict (what the state file stores)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> StepInputs:
        """The inverse of :meth:`to_json`; unknown keys from newer versions are ignored."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


@dataclass
class _Stage:
    name: str
    chain: str
    env: dict[str, str]
    args: dict[str, str]
    workdir: str = "/"
    files: dict[str, str] | None = field(default_factory=dict)  # None: content unknowable


def plan_build(
    dockerfile: str,
    context: ContextIndex,
    *,
    resolve: Resolve,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    name: str = "Dockerfile",
    image_files: Mapping[str, Mapping[str, str]] | None = None,
) -> list[StepInputs]:
    """Every step of the build, numbered as the engine will number them, with its inputs.

    ``image_files`` tells what some images hold (ref -> {absolute path: digest}), so a
    ``COPY --from`` of them is keyed by content, as the engine keys it, not by image id.
    """
    instructions = parse_dockerfile(dockerfile, name)
    bargs = dict(buildargs or {})
    selected = _select_stages(instructions, target, name)
    steps: list[StepInputs] = []
    meta: dict[str, str] = {}
    stages: dict[str, _Stage] = {}
    stage: _Stage | None = None
    stage_count = 0
    for ins in selected:
        index = len(steps) + 1
        if ins.keyword == "ARG" and stage is None:
            for key, default in split_assignments(ins.args):
                meta[key] = bargs.get(key, expand(default, meta))
            steps.append(StepInputs(index, ins.text, "ARG", "", 0, expanded=ins.text))
            continue
        if ins.keyword == "FROM":
            stage, step = _from(ins, index, stage_count, stages, meta, resolve, image_files or {})
            stage_count += 1
            steps.append(step)
            continue
        assert stage is not None  # parse_dockerfile guarantees a FROM first
        pos = sum(1 for s in steps if s.stage == stage.name)
        step = StepInputs(index, ins.text, ins.keyword, stage.name, pos)
        _inputs(step, ins, stage, stages, context, bargs, meta)
        step.parent = stage.chain
        step.chain = stage.chain = _digest(stage.chain, step.key)
        steps.append(step)
    if stage is not None:
        for key in sorted(labels or {}):
            value = (labels or {})[key]
            pos = sum(1 for s in steps if s.stage == stage.name)
            text = f"LABEL {key}={value}"
            step = StepInputs(len(steps) + 1, text, "LABEL", stage.name, pos, expanded=text)
            step.key = _digest("LABEL", key, value)
            step.parent = stage.chain
            step.chain = stage.chain = _digest(stage.chain, step.key)
            steps.append(step)
    return steps


def _select_stages(
    instructions: list[Instruction], target: str | None, name: str
) -> list[Instruction]:
    """Instructions the classic builder runs: every stage up to and including ``target``."""
    if target is None:
        return instructions
    out: list[Instruction] = []
    in_target = False
    for ins in instructions:
        if ins.keyword == "FROM":
            if in_target:
                return out
            words = ins.args.split()
            if (
                len(words) >= 3
                and words[-2].upper() == "AS"
                and words[-1].lower() == target.lower()
            ):
                in_target = True
        out.append(ins)
    if not in_target:
        from dockdjango.errors import BuildError

        raise BuildError(f"{name}: no stage named {target!r}", hint="check --target")
    return out


def _from(
    ins: Instruction,
    index: int,
    count: int,
    stages: dict[str, _Stage],
    meta: dict[str, str],
    resolve: Resolve,
    image_files: Mapping[str, Mapping[str, str]],
) -> tuple[_Stage, StepInputs]:
    words = expand(ins.args, meta).split()
    ref = words[0] if words else ""
    alias = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else str(count)
    parent = stages.get(ref.lower())
    if parent is not None:
        base = f"stage:{parent.name}:{parent.chain}"
        stage = _Stage(
            alias, parent.chain, dict(parent.env), {}, parent.workdir, _copy(parent.files)
        )
    else:
        image_id = "scratch" if ref == "scratch" else resolve(ref)
        base = image_id or f"missing:{ref}"
        stage = _Stage(alias, _digest("FROM", base), {}, {}, "/", dict(image_files.get(ref, {})))
    stages[alias] = stage
    stages[str(count)] = stage
    step = StepInputs(index, ins.text, "FROM", alias, 0, expanded=" ".join(words), base=base)
    step.key = step.chain = stage.chain
    return stage, step


def _copy(files: dict[str, str] | None) -> dict[str, str] | None:
    return None if files is None else dict(files)


def _inputs(
    step: StepInputs,
    ins: Instruction,
    stage: _Stage,
    stages: dict[str, _Stage],
    context: ContextIndex,
    bargs: dict[str, str],
    meta: dict[str, str],
) -> None:
    scope = {**stage.args, **stage.env}
    kw = ins.keyword
    step.expanded = expand(ins.text, scope) if kw in _EXPANDED else ins.text
    if kw == "ARG":
        for key, default in split_assignments(ins.args):
            if key in bargs:
                stage.args[key] = bargs[key]
            elif default:
                stage.args[key] = expand(default, scope)
            elif key in meta:
                stage.args[key] = meta[key]
        step.key = _digest("ARG", step.expanded)
    elif kw == "ENV":
        for key, value in split_assignments(expand(ins.args, scope)):
            stage.env[key] = value
        step.key = _digest("ENV", step.expanded)
    elif kw == "WORKDIR":
        stage.workdir = posixpath.join(stage.workdir, expand(ins.args.strip(), scope))
        step.key = _digest("WORKDIR", step.expanded)
    elif kw == "RUN":
        # Declared ARGs with a value are part of a RUN's cache key; others are not.
        step.args = {k: v for k, v in sorted(stage.args.items())}
        step.key = _digest("RUN", ins.text, json.dumps(step.args, sort_keys=True))
        removed = _rm_paths(ins.args)
        if removed is not None and stage.files is not None:
            for path in removed:
                target = posixpath.join(stage.workdir, path)
                stage.files = {p: d for p, d in stage.files.items() if not _under(p, target)}
        else:
            stage.files = None  # any other command may change anything
    elif kw in ("COPY", "ADD"):
        _copy_inputs(step, ins, stage, stages, context, scope)
    else:
        step.key = _digest(kw, step.expanded)


def _copy_inputs(
    step: StepInputs,
    ins: Instruction,
    stage: _Stage,
    stages: dict[str, _Stage],
    context: ContextIndex,
    scope: dict[str, str],
) -> None:
    words = [expand(w, scope) for w in ins.words()]
    if len(words) < 2:
        step.key = _digest(ins.keyword, step.expanded)
        return
    sources, dest = words[:-1], words[-1]
    dest_abs = posixpath.join(stage.workdir, dest)
    flags = json.dumps({k: expand(v, scope) for k, v in sorted(ins.flags.items())})
    src_stage_name = ins.flags.get("from")
    if src_stage_name is not None:
        from_stage = stages.get(src_stage_name.lower())
        step.source_stage = src_stage_name
        parts = [
            _stage_content(from_stage, s) if from_stage else f"image:{src_stage_name}:{s}"
            for s in sources
        ]
        step.key = _digest(ins.keyword, flags, dest, *parts)
        stage.files = None  # we do not model what another stage's files add here
        return
    copied: dict[str, str] = {}
    for src in sources:
        if re.match(r"^[a-z]+://", src):
            copied[src] = "url"  # the engine checks a URL at build time; treat it as stable
            continue
        matched = _match_sources(src, context)
        if not matched:
            step.missing.append(src)
        for rel, target_rel in matched:
            copied[rel] = context[rel]
            if stage.files is not None:
                stage.files[_dest_path(dest_abs, target_rel, len(sources), src)] = context[rel]
    step.files = dict(sorted(copied.items()))
    step.key = _digest(ins.keyword, flags, dest, json.dumps(step.files), *step.missing)


def _match_sources(src: str, context: ContextIndex) -> list[tuple[str, str]]:
    """(context path, path relative to the copied source) for each file ``src`` selects."""
    norm = posixpath.normpath(src.lstrip("/")) if src.strip("/") else "."
    if norm == ".":
        return [(rel, rel) for rel in sorted(context)]
    if norm in context:
        return [(norm, posixpath.basename(norm))]
    prefix = norm + "/"
    under = [(rel, rel[len(prefix) :]) for rel in sorted(context) if rel.startswith(prefix)]
    if under or not any(ch in norm for ch in "*?["):
        return under
    # A wildcard matches whole paths component by component (Go's filepath.Match). With the
    # same number of components on both sides, fnmatch's `*` cannot cross a `/`.
    depth = norm.count("/") + 1
    out = []
    for rel in sorted(context):
        parts = rel.split("/")
        if len(parts) >= depth and fnmatch.fnmatchcase("/".join(parts[:depth]), norm):
            rest = "/".join(parts[depth:])
            out.append((rel, posixpath.join(parts[depth - 1], rest) if rest else parts[-1]))
    return out


def _dest_path(dest_abs: str, rel: str, n_sources: int, src: str) -> str:
    if dest_abs.endswith("/") or n_sources > 1 or posixpath.normpath(src) in (".", "/"):
        return posixpath.join(dest_abs, rel)
    return dest_abs if "/" not in rel else posixpath.join(dest_abs, rel)


def _stage_content(src: _Stage, path: str) -> str:
    """A digest of what ``path`` holds in stage ``src`` — by content when knowable."""
    if src.files is not None:
        prefix = posixpath.normpath(path)
        entries = {p: d for p, d in src.files.items() if _under(p, prefix)}
        if entries:
            rel = {posixpath.relpath(p, prefix): d for p, d in sorted(entries.items())}
            return _digest("content", json.dumps(rel, sort_keys=True))
    return _digest("chain", src.chain, path)


def _under(path: str, prefix: str) -> bool:
    prefix = posixpath.normpath(prefix)
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _rm_paths(command: str) -> list[str] | None:
    """The paths of a plain ``rm -rf a b`` (the only RUN whose effect is predictable)."""
    words = command.split()
    if len(words) >= 3 and words[0] == "rm" and words[1] in ("-rf", "-fr", "-r", "-f"):
        if all(re.fullmatch(r"[\w./-]+", w) for w in words[2:]):
            return words[2:]
    return None
