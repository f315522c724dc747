"""Predicting, before a build, which steps BuildKit's cache will reuse — and why not.

Pure. A :class:`BuildRecord` remembers what earlier builds saw: every chain digest of a step
BuildKit completed, and the per-step inputs of the last build. :func:`predict` marks a step
*reused* when its chain was built before (BuildKit then holds a result for the same cache
key); the first step of a stage that is not gets a cause naming what changed — the
instruction text, a build arg, the base image, or which copied files were added, removed
or modified — and the steps after it in that stage are rebuilt because they follow it.

Records live in ``~/.cache/dockdjango/builds/`` (``$DOCKDJANGO_CACHE/builds`` when set): one
JSON file per project directory, Dockerfile and target for the last build's inputs, and one
shared ``chains.json`` for the chains every build completed — never in the project itself,
where a changing file would be copied into the image and break the very cache it tracks.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dockdjango.images.debootstrap import cache_dir
from dockdjango.images.plan import StepInputs
from dockdjango.images.redact import shown_value

#: How many chain entries a record keeps (oldest dropped first).
MAX_LAYERS = 20000
#: The records' format (records of another format are ignored: they describe other keys).
VERSION = 2


@dataclass
class BuildRecord:
    """What dockdjango saw in earlier builds of one project/Dockerfile/target."""

    #: chain digest -> when BuildKit last completed (ran or reused) a step with that chain.
    layers: dict[str, str] = field(default_factory=dict)
    last: list[StepInputs] = field(default_factory=list)
    image_id: str | None = None
    built_at: str | None = None

    def remember(
        self, steps: Sequence[StepInputs], completed: Iterable[int], image_id: str
    ) -> None:
        """Add a finished build: ``completed`` holds the indexes of the steps BuildKit finished."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        done = set(completed)
        for step in steps:
            if step.has_layer and step.index in done:
                self.layers.pop(step.chain, None)
                self.layers[step.chain] = now  # re-insert: dict order is recency
        while len(self.layers) > MAX_LAYERS:
            self.layers.pop(next(iter(self.layers)))
        self.last = list(steps)
        self.image_id = image_id
        self.built_at = now

    def to_json(self) -> dict[str, object]:
        """The state file's content."""
        return {
            "version": VERSION,
            "image_id": self.image_id,
            "built_at": self.built_at,
            "layers": self.layers,
            "last": [s.to_json() for s in self.last],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> BuildRecord:
        """Read a state file's content; another version gives an empty record."""
        if data.get("version") != VERSION:
            return cls()
        layers = data.get("layers") or {}
        last = data.get("last") or []
        image_id, built_at = data.get("image_id"), data.get("built_at")
        return cls(
            layers=dict(layers) if isinstance(layers, dict) else {},
            last=[StepInputs.from_json(s) for s in last if isinstance(s, dict)]
            if isinstance(last, list)
            else [],
            image_id=image_id if isinstance(image_id, str) else None,
            built_at=built_at if isinstance(built_at, str) else None,
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
    return cache_dir().parent / "builds" / "chains.json"


def load_record(path: Path) -> BuildRecord:
    """The record at ``path`` with the shared layer index; missing files give empty parts."""
    try:
        record = BuildRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        record = BuildRecord()
    record.layers = {**_read_shared(), **record.layers}
    return record


def _read_shared() -> dict[str, str]:
    try:
        data = json.loads(layers_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    layers = data.get("layers")
    return {str(k): str(v) for k, v in layers.items()} if isinstance(layers, dict) else {}


def save_record(path: Path, record: BuildRecord) -> None:
    """Write the project's record and merge its layers into the shared index.

    Both writes are atomic (write + rename); the shared index is merged under a lock so
    parallel builds never drop each other's layers.
    """
    _write_json(path, {**record.to_json(), "layers": {}})
    lock = layers_path().with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        shared = _read_shared()
        for chain, value in record.layers.items():
            shared.pop(chain, None)
            shared[chain] = value
        while len(shared) > MAX_LAYERS:
            shared.pop(next(iter(shared)))
        _write_json(layers_path(), {"version": VERSION, "layers": shared})


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


def predict(steps: Sequence[StepInputs], record: BuildRecord | None) -> list[StepPrediction]:
    """Per step: reused or rebuilt, with the cause for the first rebuilt step of each stage.

    A build step is reused when a step with the same chain (its inputs and everything before
    it in the stage) completed in an earlier build: BuildKit then has a result for the same
    cache key. Steps of a stage built on a rebuilt stage follow it.
    """
    rec = record or BuildRecord()
    previous = {(s.stage, s.pos): s for s in rec.last}
    out: list[StepPrediction] = []
    broken: dict[str, int] = {}
    for step in steps:
        if step.keyword == "FROM" and step.stage:
            base = step.base or ""
            if base.startswith("stage:") and base.split(":")[1] in broken:
                broken[step.stage] = broken[base.split(":")[1]]
            out.append(StepPrediction(step, True))
            continue
        if not step.has_layer:
            out.append(StepPrediction(step, True))
            continue
        if step.stage in broken and step.chain not in rec.layers:
            out.append(StepPrediction(step, False, f"follows step {broken[step.stage]}"))
            continue
        if step.chain in rec.layers:
            out.append(StepPrediction(step, True))
            continue
        broken[step.stage] = step.index
        out.append(StepPrediction(step, False, _cause(step, steps, previous, rec), first=True))
    return out


def _cause(
    step: StepInputs,
    steps: Sequence[StepInputs],
    previous: Mapping[tuple[str, int], StepInputs],
    rec: BuildRecord,
) -> str:
    if not rec.last:
        return "no earlier build recorded"
    if step.missing:
        return f"COPY source not in the build context: {', '.join(step.missing)}"
    prev = previous.get((step.stage, step.pos))
    if prev is None:
        return "new step"
    # This is the first rebuilt step of its stage: a new base image rebuilds every step.
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
    if prev.env != step.env:
        return f"environment changed: {_changed_args(prev.env, step.env)}"
    if step.source_stage is not None:
        return f"stage {step.source_stage} changed"
    if prev.parent != step.parent:
        return "an earlier step matches an older build, this one was never built after it"
    return "not in BuildKit's cache"


def files_changed(before: Mapping[str, str], after: Mapping[str, str], limit: int = 4) -> str:
    """``a.py modified, b.py added, +3 more`` — which copied files differ."""
    changes = [f"{p} modified" for p in sorted(after) if p in before and before[p] != after[p]]
    changes += [f"{p} added" for p in sorted(after) if p not in before]
    changes += [f"{p} removed" for p in sorted(before) if p not in after]
    head = ", ".join(changes[:limit])
    return head + (f", +{len(changes) - limit} more" if len(changes) > limit else "")


def _changed_args(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """``FLAVOR 'plain' -> 'fancy'``; a secret-like name's values are not shown."""
    keys = sorted(set(before) | set(after))
    return ", ".join(
        f"{k} {_value(k, before)} -> {_value(k, after)}"
        for k in keys
        if before.get(k) != after.get(k)
    )


def _value(name: str, values: Mapping[str, str]) -> str:
    return shown_value(name, values[name]) if name in values else "'(unset)'"


def _short(ref: str | None) -> str:
    if not ref:
        return "?"
    return ref.removeprefix("sha256:")[:12]
