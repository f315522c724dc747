"""Predicting, before a build, which steps the engine's cache will reuse — and why not.

Pure. A :class:`BuildRecord` remembers what earlier builds saw: every chain digest that
produced a layer (with the layer's image id), and the per-step inputs of the last build.
:func:`predict` marks a step *reused* when its chain was built before and its layer still
exists; the first step of a stage that is not gets a cause naming what changed — the
instruction text, a build arg, the base image, or which copied files were added, removed
or modified — and the steps after it in that stage are rebuilt because they follow it.

Records live in ``~/.cache/dockdjango/builds/`` (``$DOCKDJANGO_CACHE/builds`` when set): one
JSON file per project directory, Dockerfile and target for the last build's inputs, and one
shared ``layers.json`` for the layers every build produced — never in the project itself,
where a changing file would be copied into the image and break the very cache it tracks.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dockdjango.images.base import cache_dir
from dockdjango.images.plan import StepInputs

#: How many chain -> layer entries a record keeps (oldest dropped first).
MAX_LAYERS = 20000


@dataclass
class BuildRecord:
    """What dockdjango saw in earlier builds of one project/Dockerfile/target."""

    layers: dict[str, str] = field(default_factory=dict)
    #: chain -> the engine's own cache key for the layer (its ``ContainerConfig.Cmd``).
    cmds: dict[str, str] = field(default_factory=dict)
    last: list[StepInputs] = field(default_factory=list)
    image_id: str | None = None
    built_at: str | None = None

    def remember(
        self,
        steps: Sequence[StepInputs],
        layer_ids: Mapping[int, str],
        image_id: str,
        cmds: Mapping[int, str] | None = None,
    ) -> None:
        """Add a finished build: ``layer_ids`` maps step index -> the layer the engine gave,
        ``cmds`` step index -> that layer's ``ContainerConfig.Cmd`` (the engine's cache key)."""
        for step in steps:
            layer = layer_ids.get(step.index)
            if step.has_layer and layer:
                self.layers.pop(step.chain, None)
                self.layers[step.chain] = layer  # re-insert: dict order is recency
                cmd = (cmds or {}).get(step.index)
                if cmd:
                    self.cmds.pop(step.chain, None)
                    self.cmds[step.chain] = cmd
        for table in (self.layers, self.cmds):
            while len(table) > MAX_LAYERS:
                table.pop(next(iter(table)))
        self.last = list(steps)
        self.image_id = image_id
        self.built_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_json(self) -> dict[str, object]:
        """The state file's content."""
        return {
            "version": 1,
            "image_id": self.image_id,
            "built_at": self.built_at,
            "layers": self.layers,
            "cmds": self.cmds,
            "last": [s.to_json() for s in self.last],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> BuildRecord:
        """Read a state file's content; an unknown version gives an empty record."""
        if data.get("version") != 1:
            return cls()
        layers = data.get("layers") or {}
        cmds = data.get("cmds") or {}
        last = data.get("last") or []
        return cls(
            layers=dict(layers) if isinstance(layers, dict) else {},
            cmds=dict(cmds) if isinstance(cmds, dict) else {},
            last=[StepInputs.from_json(s) for s in last if isinstance(s, dict)]
            if isinstance(last, list)
            else [],
            image_id=data.get("image_id") if isinstance(data.get("image_id"), str) else None,  # type: ignore[arg-type]
            built_at=data.get("built_at") if isinstance(data.get("built_at"), str) else None,  # type: ignore[arg-type]
        )


def record_path(root: str | os.PathLike[str], dockerfile: str, target: str | None) -> Path:
    """The state file for a project directory, Dockerfile name and target."""
    raw = f"{Path(root).resolve()}|{dockerfile}|{target or ''}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:16]
    return cache_dir().parent / "builds" / f"{Path(root).resolve().name}-{digest}.json"


def layers_path() -> Path:
    """The layer index shared by every project: chain digest -> layer image id.

    Chains are digests of content (base image id, instruction, file digests), so a layer
    one project built is valid for any other build with the same inputs — as in the engine.
    """
    return cache_dir().parent / "builds" / "layers.json"


def load_record(path: Path) -> BuildRecord:
    """The record at ``path`` with the shared layer index; missing files give empty parts."""
    try:
        record = BuildRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        record = BuildRecord()
    layers, cmds = _read_shared()
    record.layers = {**layers, **record.layers}
    record.cmds = {**cmds, **record.cmds}
    return record


def _read_shared() -> tuple[dict[str, str], dict[str, str]]:
    try:
        data = json.loads(layers_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(data, dict):
        return {}, {}
    layers, cmds = data.get("layers"), data.get("cmds")
    return (
        {str(k): str(v) for k, v in layers.items()} if isinstance(layers, dict) else {},
        {str(k): str(v) for k, v in cmds.items()} if isinstance(cmds, dict) else {},
    )


def save_record(path: Path, record: BuildRecord) -> None:
    """Write the project's record and merge its layers into the shared index.

    Both writes are atomic (write + rename); the shared index is merged under a lock so
    parallel builds never drop each other's layers.
    """
    _write_json(path, {**record.to_json(), "layers": {}, "cmds": {}})
    lock = layers_path().with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        shared = _read_shared()
        for table, mine in zip(shared, (record.layers, record.cmds), strict=True):
            for chain, value in mine.items():
                table.pop(chain, None)
                table[chain] = value
            while len(table) > MAX_LAYERS:
                table.pop(next(iter(table)))
        _write_json(layers_path(), {"layers": shared[0], "cmds": shared[1]})


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)  # keep insertion order: it is recency
    os.replace(tmp, path)


@dataclass
class StepPrediction:
    """One step of the plan: will the engine reuse it, and if not, why."""

    step: StepInputs
    reused: bool
    cause: str | None = None
    #: True for the step that starts a run of rebuilt steps (its cause names the change).
    first: bool = False

    @property
    def status(self) -> str:
        """``reused`` or ``rebuild``."""
        return "reused" if self.reused else "rebuild"


#: (parent image id, engine cache key) -> the child layer the engine would reuse, or None.
FindChild = Callable[[str, str], "str | None"]


def predict(
    steps: Sequence[StepInputs],
    record: BuildRecord | None,
    *,
    image_exists: Callable[[str], bool] | None = None,
    find_child: FindChild | None = None,
) -> list[StepPrediction]:
    """Per step: reused or rebuilt, with the cause for the first rebuilt step of each stage.

    With ``find_child`` (an engine look-up), each step is resolved the way the classic
    builder does it: among the children of the layer chosen for the previous step, the
    newest whose cache key matches. That also sees layers another build made, and copies
    of a layer made twice by parallel builds (the engine then follows the newest copy).
    Without it, a step is reused when its chain was recorded and ``image_exists`` says the
    layer is still there.
    """
    rec = record or BuildRecord()
    previous = {(s.stage, s.pos): s for s in rec.last}
    out: list[StepPrediction] = []
    broken: dict[str, int] = {}
    current: dict[str, str | None] = {}  # stage -> the layer the engine will stand on
    for step in steps:
        if step.keyword == "FROM" and step.stage:
            base = step.base or ""
            if base.startswith("stage:"):
                parent_stage = base.split(":")[1]
                current[step.stage] = current.get(parent_stage)
                if parent_stage in broken:
                    # a rebuilt stage is a new image: nothing was ever built on top of it
                    broken[step.stage] = broken[parent_stage]
            else:
                current[step.stage] = base if base.startswith("sha256:") else None
            out.append(StepPrediction(step, True))
            continue
        if not step.has_layer:
            out.append(StepPrediction(step, True))
            continue
        if step.stage in broken:
            current[step.stage] = None
            out.append(StepPrediction(step, False, f"follows step {broken[step.stage]}"))
            continue
        layer = rec.layers.get(step.chain)
        cmd = rec.cmds.get(step.chain)
        parent = current.get(step.stage)
        if find_child is not None and cmd and parent:
            child = find_child(parent, cmd)
            if child:
                current[step.stage] = child
                out.append(StepPrediction(step, True))
                continue
            gone = layer is not None and image_exists is not None and not image_exists(layer)
            cause = (
                _cause(step, steps, previous, rec, layer if gone else None)
                if gone or not _same_inputs(step, previous)
                else "the engine has no cached layer for it on top of the previous step's"
            )
        elif layer and (image_exists is None or image_exists(layer)):
            current[step.stage] = layer
            out.append(StepPrediction(step, True))
            continue
        else:
            cause = _cause(step, steps, previous, rec, layer)
        broken[step.stage] = step.index
        current[step.stage] = None
        out.append(StepPrediction(step, False, cause, first=True))
    return out


def _same_inputs(step: StepInputs, previous: Mapping[tuple[str, int], StepInputs]) -> bool:
    prev = previous.get((step.stage, step.pos))
    return prev is not None and prev.key == step.key


def _cause(
    step: StepInputs,
    steps: Sequence[StepInputs],
    previous: Mapping[tuple[str, int], StepInputs],
    rec: BuildRecord,
    layer: str | None,
) -> str:
    if layer:
        return f"its cached layer {_short(layer)} is no longer in the engine"
    if not rec.last:
        return "no earlier build recorded"
    if step.missing:
        return f"COPY source not in the build context: {', '.join(step.missing)}"
    prev = previous.get((step.stage, step.pos))
    if prev is None:
        return "new step"
    if step.pos == 1:
        now_from = next((s for s in steps if s.stage == step.stage and s.pos == 0), None)
        was_from = previous.get((step.stage, 0))
        if now_from and was_from and now_from.base != was_from.base:
            now_base, was_base = now_from.base or "", was_from.base or ""
            if now_base.startswith("stage:") and was_base.startswith("stage:"):
                return f"stage {now_base.split(':')[1]} changed"
            return f"base image changed ({_short(was_base)} -> {_short(now_base)})"
    if prev.expanded != step.expanded or prev.text != step.text:
        if prev.text == step.text:
            changed = _changed_args(prev.args, step.args) or "a variable in it"
            return f"build arg changed: {changed}"
        return f"instruction changed (was: {prev.text})"
    if prev.args != step.args:
        return f"build arg changed: {_changed_args(prev.args, step.args)}"
    if prev.files != step.files:
        return files_changed(prev.files, step.files)
    if step.source_stage is not None:
        return f"stage {step.source_stage} changed"
    if prev.parent != step.parent:
        return "an earlier step matches an older build, this one was never built after it"
    return "not in the engine's cache"


def files_changed(before: Mapping[str, str], after: Mapping[str, str], limit: int = 4) -> str:
    """``a.py modified, b.py added, +3 more`` — which copied files differ."""
    changes = [f"{p} modified" for p in sorted(after) if p in before and before[p] != after[p]]
    changes += [f"{p} added" for p in sorted(after) if p not in before]
    changes += [f"{p} removed" for p in sorted(before) if p not in after]
    head = ", ".join(changes[:limit])
    return head + (f", +{len(changes) - limit} more" if len(changes) > limit else "")


def _changed_args(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    keys = sorted(set(before) | set(after))
    return ", ".join(
        f"{k} {before.get(k, '(unset)')!r} -> {after.get(k, '(unset)')!r}"
        for k in keys
        if before.get(k) != after.get(k)
    )


def _short(ref: str | None) -> str:
    if not ref:
        return "?"
    return ref.removeprefix("sha256:")[:12]
