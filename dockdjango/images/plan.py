r"""The cache plan: what each step of a build depends on, as BuildKit's cache sees it.

Pure. :func:`plan_build` walks a Dockerfile with the build's context and build args and gives
every step a *key* — a digest of everything BuildKit puts into that step's cache key — and a
*chain*, the digest of the key and every build step before it in the stage (BuildKit keys a
step by its own definition and its inputs' keys). BuildKit reuses a step when it has a result
for the same key, which is "this chain was built before" (see :mod:`dockdjango.images.explain`).

What BuildKit's keys hold (verified on Engine 20.10, see tests/images):

- only the stages the target needs are built (through ``FROM``, ``COPY --from`` and
  ``RUN --mount=...,from=``); the others have no steps at all;
- ``RUN``, ``COPY``, ``ADD`` and ``WORKDIR`` are build steps (vertexes named
  ``[stage i/N] ...``); ``ENV``, ``ARG``, ``USER``, ``CMD``, ``LABEL``... only change the
  image's config, and matter to later steps only through what a ``RUN`` sees;
- ``FROM``: the base image's file system (its layers: a new label on the same layers
  changes nothing);
- ``RUN``: its text, the environment it runs with (``ENV`` values and the ``ARG``\ s declared
  in the stage that have a value), user, working directory, shell, the content of what its
  ``--mount=type=bind`` mounts (context files, or another stage), and the network mode;
  ``--mount=type=cache`` contents are not part of any key;
- ``COPY``/``ADD``: the (expanded) text, destination and the copied files' names, modes and
  content — not their modification times; ``--from=stage``: that stage's chain;
- labels given to the build only change the image config (no step).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

from dockdjango.detection.dockerfile_syntax import (
    Instruction,
    expand,
    parse_dockerfile,
    run_mounts,
    split_assignments,
)
from dockdjango.images.context import ContextIndex, match_sources

#: An image reference -> what BuildKit keys it by (a digest of its layers), None if absent.
Resolve = Callable[[str], "str | None"]

#: Instructions that are build steps in BuildKit (the others only change the image config).
BUILD_STEPS = {"RUN", "COPY", "ADD", "WORKDIR"}
_EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


@dataclass
class StepInputs:
    """What one instruction depends on; recorded after each build so the next plan can compare."""

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
    #: ``builder 2/4``: the name BuildKit gives this step's vertex (None: not a build step).
    vertex: str | None = None
    line: int = 0
    #: The environment a RUN sees (ENV values, then declared ARGs with a value).
    env: dict[str, str] = field(default_factory=dict)

    @property
    def has_layer(self) -> bool:
        """True for a build step BuildKit may reuse or run (not FROM, not config-only)."""
        return self.vertex is not None and self.keyword != "FROM"

    def to_json(self) -> dict[str, object]:
        """A JSON-able dict (what the state file stores)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> StepInputs:
        """The inverse of :meth:`to_json`; unknown keys from other versions are ignored."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


@dataclass
class _Stage:
    name: str
    label: str | None
    chain: str
    env: dict[str, str]
    args: dict[str, str]
    workdir: str = "/"
    user: str = ""
    shell: str = '["/bin/sh", "-c"]'
    position: int = 0
    total: int = 0


def plan_build(
    dockerfile: str,
    context: ContextIndex,
    *,
    resolve: Resolve,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    name: str = "Dockerfile",
    network: str = "default",
) -> list[StepInputs]:
    """Every instruction of the stages the build needs, in order, with its inputs.

    ``labels`` are accepted for symmetry with the build call; in BuildKit they only change
    the image config, so they add no step and change no key.
    """
    del labels
    instructions = parse_dockerfile(dockerfile, name)
    bargs = dict(buildargs or {})
    stages_ins = _split_stages(instructions)
    needed = _needed_stages(stages_ins, target, name)
    multi = len(stages_ins) - 1 > 1  # stages_ins[0] holds the ARGs before the first FROM
    steps: list[StepInputs] = []
    meta: dict[str, str] = {}
    stages: dict[str, _Stage] = {}
    for ins in stages_ins[0]:
        for key, default in split_assignments(ins.args):
            meta[key] = bargs.get(key, expand(default, meta))
        steps.append(StepInputs(len(steps) + 1, ins.text, "ARG", "", 0, expanded=ins.text))
    for number, block in enumerate(stages_ins[1:]):
        alias = _alias(block[0]) or str(number)
        if number not in needed:
            stages[alias] = stages[str(number)] = _Stage(alias, None, f"unbuilt:{alias}", {}, {})
            continue
        label = _alias(block[0]) or (f"stage-{number}" if multi else None)
        stage, step = _from(block[0], len(steps) + 1, alias, label, stages, meta, resolve)
        builds = sum(1 for i in block[1:] if i.keyword in BUILD_STEPS)
        stage.total = (1 if step.vertex else 0) + builds
        if step.vertex:
            step.vertex = _label(stage, 1)
            stage.position = 1
        stages[alias] = stages[str(number)] = stage
        steps.append(step)
        for ins in block[1:]:
            pos = sum(1 for s in steps if s.stage == stage.name)
            step = StepInputs(len(steps) + 1, ins.text, ins.keyword, stage.name, pos, line=ins.line)
            _inputs(step, ins, stage, stages, context, bargs, meta, network)
            if ins.keyword in BUILD_STEPS:
                stage.position += 1
                step.vertex = _label(stage, stage.position)
                step.parent = stage.chain
                step.chain = stage.chain = _digest(stage.chain, step.key)
            else:
                step.chain = stage.chain
            steps.append(step)
    return steps


def _label(stage: _Stage, position: int) -> str:
    head = f"{stage.label} " if stage.label else ""
    return f"{head}{position}/{stage.total}"


def _split_stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """[ARGs before the first FROM], then one list per stage starting with its FROM."""
    blocks: list[list[Instruction]] = [[]]
    for ins in instructions:
        if ins.keyword == "FROM":
            blocks.append([ins])
        else:
            blocks[-1].append(ins)
    return blocks


def _alias(ins: Instruction) -> str | None:
    words = ins.args.split()
    if len(words) >= 3 and words[-2].upper() == "AS":
        return words[-1].lower()
    return None


def _needed_stages(blocks: list[list[Instruction]], target: str | None, name: str) -> set[int]:
    """Numbers of the stages BuildKit builds for ``target`` (default: the last stage)."""
    stages = blocks[1:]
    names = {(_alias(b[0]) or str(i)): i for i, b in enumerate(stages)}
    names.update({str(i): i for i in range(len(stages))})
    if target is None:
        start = len(stages) - 1
    elif target.lower() in names:
        start = names[target.lower()]
    else:
        from dockdjango.errors import BuildError

        raise BuildError(f"{name}: no stage named {target!r}", hint="check --target")
    needed: set[int] = set()
    todo = [start]
    while todo:
        number = todo.pop()
        if number in needed:
            continue
        needed.add(number)
        for ins in stages[number]:
            for ref in _stage_refs(ins):
                found = names.get(ref.lower())
                if found is not None and found < number:
                    todo.append(found)
    return needed


def _stage_refs(ins: Instruction) -> list[str]:
    if ins.keyword == "FROM":
        words = ins.args.split()
        return words[:1]
    if ins.keyword in ("COPY", "ADD") and "from" in ins.flags:
        return [ins.flags["from"]]
    if ins.keyword == "RUN":
        return [m["from"] for m in run_mounts(ins.args) if "from" in m]
    return []


def _from(
    ins: Instruction,
    index: int,
    alias: str,
    label: str | None,
    stages: dict[str, _Stage],
    meta: dict[str, str],
    resolve: Resolve,
) -> tuple[_Stage, StepInputs]:
    words = expand(ins.args, meta).split()
    ref = words[0] if words else ""
    parent = stages.get(ref.lower())
    vertex: str | None = "from"
    if parent is not None:
        base = f"stage:{parent.name}:{parent.chain}"
        stage = _Stage(alias, label, parent.chain, dict(parent.env), {}, parent.workdir)
        stage.user, stage.shell = parent.user, parent.shell
        vertex = None  # BuildKit gives a stage built on a stage no FROM step
    else:
        image_id = "scratch" if ref == "scratch" else resolve(ref)
        base = image_id or f"missing:{ref}"
        stage = _Stage(alias, label, _digest("FROM", base), {}, {})
        if ref == "scratch":
            vertex = None
    step = StepInputs(
        index, ins.text, "FROM", alias, 0, expanded=" ".join(words), base=base, line=ins.line
    )
    step.vertex = vertex
    step.key = step.chain = stage.chain
    return stage, step


def _inputs(
    step: StepInputs,
    ins: Instruction,
    stage: _Stage,
    stages: dict[str, _Stage],
    context: ContextIndex,
    bargs: dict[str, str],
    meta: dict[str, str],
    network: str,
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
    elif kw == "ENV":
        for key, value in split_assignments(expand(ins.args, scope)):
            stage.env[key] = value
    elif kw == "USER":
        stage.user = expand(ins.args.strip(), scope)
    elif kw == "SHELL":
        stage.shell = json.dumps(ins.words())
    elif kw == "WORKDIR":
        stage.workdir = posixpath.join(stage.workdir, expand(ins.args.strip(), scope))
        step.key = _digest("WORKDIR", stage.workdir)
    elif kw == "RUN":
        _run_inputs(step, ins, stage, stages, context, network)
    elif kw in ("COPY", "ADD"):
        _copy_inputs(step, ins, stage, stages, context, scope)


def _run_inputs(
    step: StepInputs,
    ins: Instruction,
    stage: _Stage,
    stages: dict[str, _Stage],
    context: ContextIndex,
    network: str,
) -> None:
    # BuildKit runs the command with the image's ENV and the stage's declared ARGs that
    # have a value (args first, ENV wins on a clash); both are part of the step's key.
    step.args = dict(sorted(stage.args.items()))
    step.env = {**stage.args, **stage.env}
    mounted: list[str] = []
    for mount in run_mounts(ins.args):
        if mount.get("type", "bind") != "bind":
            continue
        source = mount.get("source") or mount.get("src") or "."
        if "from" in mount:
            src = stages.get(mount["from"].lower())
            mounted.append(_digest("stage", src.chain if src else mount["from"], source))
            step.source_stage = mount["from"]
            continue
        matched = match_sources(source, context)
        if not matched:
            step.missing.append(source)
        files = {rel: context[rel] for rel, _ in matched}
        step.files.update(files)
        mounted.append(_digest("bind", source, json.dumps(files, sort_keys=True)))
    step.key = _digest(
        "RUN",
        ins.text,
        json.dumps(step.env, sort_keys=True),
        stage.user,
        stage.workdir,
        stage.shell,
        network,
        *mounted,
    )


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
    dest_abs = posixpath.join(stage.workdir, dest) + ("/" if dest.endswith("/") else "")
    flags = json.dumps({k: expand(v, scope) for k, v in sorted(ins.flags.items())})
    src_stage_name = ins.flags.get("from")
    if src_stage_name is not None:
        from_stage = stages.get(src_stage_name.lower())
        step.source_stage = src_stage_name
        origin = from_stage.chain if from_stage else f"image:{src_stage_name}"
        step.key = _digest(ins.keyword, flags, dest_abs, origin, *sources)
        return
    copied: dict[str, str] = {}
    for src in sources:
        if re.match(r"^[a-z]+://", src):
            copied[src] = "url"  # BuildKit checks a URL at build time; treat it as stable
            continue
        matched = match_sources(src, context)
        if not matched:
            step.missing.append(src)
        for rel, _target in matched:
            copied[rel] = context[rel]
    step.files = dict(sorted(copied.items()))
    step.key = _digest(
        ins.keyword, flags, dest_abs, json.dumps(sources), json.dumps(step.files), *step.missing
    )
