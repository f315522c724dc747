"""Hypothesis strategies for compose documents: generated, aliased, mutated, encoded.

A document is drawn as data -- "clean" (only values Compose accepts, so both tools load
it and their output can be compared) or not (odd values mixed in, see `fuzz_values`) --
then may share sub-trees between services (YAML anchors and aliases) and ``<<``-merge an
anchored mapping, is written as YAML with some scalars left unquoted on purpose (``017``,
``1:20``, ``yes``, ``2001-12-14``...), and becomes bytes in an encoding Compose reads, or
a broken one. Character-level and corpus mutations add the malformed end of the range.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import yaml
from compose_oracle import CORPUS
from fuzz_values import (
    ENV,
    Dumper,
    Plain,
    odd_scalars,
    service_fields,
    valid_commands,
    valid_healthchecks,
    valid_key_values,
    valid_text,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["ENV", "aliased", "any_document", "documents", "fuzz_settings", "to_yaml"]


def fuzz_settings(examples: int) -> settings:
    """How a fuzz property runs: ``examples`` documents (``DOCKDJANGO_FUZZ_EXAMPLES``
    overrides it, e.g. 10000), the same ones on every run and machine (a fixed seed and no
    example database: CI is deterministic and Compose's verdicts can be cached)."""
    wanted = os.environ.get("DOCKDJANGO_FUZZ_EXAMPLES")
    return settings(
        max_examples=int(wanted) if wanted else examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


MERGE = "__merge__"  # a key written out as `<<`


@st.composite
def documents(draw: st.DrawFn, clean: bool | None = None) -> dict[str, Any]:
    """A compose document as data: one to three services and the resources they name."""
    clean = draw(st.sampled_from([True, True, False])) if clean is None else clean
    pool = ["web", "db", "worker", "x-skip"] + ([] if clean else ["we$b"])
    names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    fields = service_fields(names, clean)
    services: dict[str, Any] = {}
    for name in names:
        keys = draw(st.lists(st.sampled_from(sorted(fields)), max_size=6, unique=True))
        svc = {key: draw(fields[key]) for key in keys}
        if "build" not in svc and (clean or draw(st.integers(0, 9)) > 0):
            svc.setdefault("image", "nginx")
        services[name] = svc
    doc: dict[str, Any] = {"services": services}
    if draw(st.booleans()):
        doc["name"] = draw(st.sampled_from(["demo", "${SET}", "x1"]) if clean else odd_scalars)
    doc["volumes"] = _resources(draw, clean, ["data", "cache"], _volume_spec(clean))
    doc["networks"] = _resources(draw, clean, ["front", "back"], _network_spec(clean))
    files = [
        {"file": "./s.txt"},
        {"environment": "SET"},
        {"external": True},
        {"external": Plain("yes")},
        {"file": "./s.txt", "external": "no"},
    ]
    odd_files = [{}, {"file": "./a", "environment": "B"}, {"name": "x"}, {"external": "0"}]
    doc["secrets"] = {
        k: draw(st.sampled_from(files if clean else files + odd_files)) for k in ("s1", "s2")
    }
    doc["configs"] = {
        "c1": draw(
            st.sampled_from([{"content": "x $$y"}, {"file": "/abs//c/"}, {"environment": "SET"}])
        )
    }
    if draw(st.booleans()):
        doc["x-top"] = draw(valid_text if clean else odd_scalars)
    return doc


def _volume_spec(clean: bool) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={
                "name": st.sampled_from(["shared-data", "${SET}"]) if clean else odd_scalars,
                "driver": st.sampled_from(["local"]),
                "driver_opts": st.sampled_from(
                    [{"type": "none", "o": "bind", "device": "./d/"}, {"size": 5}]
                ),
                "labels": valid_key_values,
            },
        ),
    )


def _network_spec(clean: bool) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={
                "internal": st.booleans(),
                "attachable": st.booleans(),
                "name": st.sampled_from(["net-a", "${SET}"]) if clean else odd_scalars,
                "driver": st.sampled_from(["bridge", "overlay"]),
                "labels": valid_key_values,
                "external": st.booleans() if not clean else st.just(False),
            },
        ),
    )


def _resources(draw: st.DrawFn, clean: bool, names: list[str], spec: Any) -> dict[str, Any]:
    """Top-level volumes/networks: all of ``names`` when clean (services may use any)."""
    chosen = names if clean else draw(st.lists(st.sampled_from([*names, "a b"]), unique=True))
    return {name: draw(spec) for name in chosen}


def _containers(node: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    out = []
    if isinstance(node, dict | list):
        out.append((path, node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            out += _containers(value, (*path, key))
    return out


@st.composite
def aliased(draw: st.DrawFn) -> Any:
    """A document whose services share values (YAML anchors and aliases) and ``<<``-merge
    an anchored mapping."""
    doc = draw(documents())
    services = [s for s in doc["services"].values() if isinstance(s, dict)]
    shared = [(p, n) for p, n in _containers(doc["services"]) if len(p) >= 2]
    for _ in range(draw(st.integers(0, 3))):
        if not shared or not services:
            break
        path, node = draw(st.sampled_from(shared))
        target = draw(st.sampled_from(services))
        target[path[-1] if isinstance(path[-1], str) else "x-shared"] = node  # the same object
    if services and draw(st.booleans()):
        base = draw(
            st.dictionaries(
                st.sampled_from(["image", "command", "environment", "healthcheck", "user"]),
                st.one_of(valid_commands, valid_key_values, valid_healthchecks, valid_text),
                max_size=3,
            )
        )
        base.setdefault("image", "redis")
        doc["x-base"] = base
        for svc in draw(st.lists(st.sampled_from(services), max_size=2)):
            svc[MERGE] = base if draw(st.booleans()) else [base, {"user": "m"}]
    return doc


def to_yaml(doc: Any) -> str:
    """YAML text for ``doc``: shared objects become anchors/aliases, `MERGE` keys ``<<``."""
    text = yaml.dump(doc, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return text.replace(f"{MERGE}:", "<<:")


def _corpus_documents() -> list[Any]:
    """Parsed corpus files Compose accepts that stand alone (seeds for mutation)."""
    try:
        rows = json.loads((CORPUS / "MANIFEST.json").read_text())
    except OSError:
        return []
    docs = []
    for row in rows:
        if row["docker"] != "accepted" or " + " in row["path"]:
            continue
        try:
            text = (CORPUS / row["source"] / row["path"]).read_text()
            doc = yaml.safe_load(text)
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            continue
        # files that read other files would fail for want of them, not for their content
        if isinstance(doc, dict) and not any(
            word in text for word in ("extends", "include", "env_file", "label_file", "secrets")
        ):
            docs.append(doc)
    return docs


CORPUS_DOCUMENTS = _corpus_documents()


@st.composite
def mutated_corpus(draw: st.DrawFn) -> Any:
    """A real compose document with one to three values replaced by odd ones, or removed."""
    doc = copy.deepcopy(draw(st.sampled_from(CORPUS_DOCUMENTS)))
    for _ in range(draw(st.integers(1, 3))):
        slots = []
        for _path, node in _containers(doc):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            slots += [(node, key) for key in keys]
        if not slots:
            break
        parent, key = draw(st.sampled_from(slots))
        if draw(st.booleans()):
            parent[key] = draw(odd_scalars)
        else:
            del parent[key]
    return doc


@st.composite
def mutated_text(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """YAML text with a few characters (or snippets) deleted, inserted or replaced."""
    text = draw(base)
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        pos = draw(st.integers(0, len(text) - 1))
        snippet = draw(st.sampled_from([*":-[]{}'\"$#&*!|<> \n\t,?%@`x1", "<<: *a", "&a ", "*a"]))
        op = draw(st.sampled_from(["delete", "insert", "replace"]))
        if op == "delete":
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos] + snippet + text[pos + (op == "replace") :]
    return text


@st.composite
def encoded(draw: st.DrawFn, base: st.SearchStrategy[str]) -> bytes:
    """Text as bytes: mostly UTF-8, sometimes with a BOM, UTF-16, or broken."""
    text = draw(base)
    how = draw(
        st.sampled_from(
            ["utf-8"] * 12 + ["utf-8-sig", "utf-16", "utf-16-be-bom", "latin-1", "bad-byte", "nul"]
        )
    )
    if how == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be", "surrogatepass")
    if how in ("utf-8-sig", "utf-16"):
        return text.encode(how, "surrogatepass")
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    data = text.encode("utf-8", "surrogatepass")
    if how in ("bad-byte", "nul"):
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + (b"\xff" if how == "bad-byte" else b"\x00") + data[pos:]
    return data


def any_document() -> st.SearchStrategy[bytes]:
    """The full mix: generated (clean or not), aliased, corpus-mutated, text-mutated; any
    encoding."""
    generated = st.one_of(documents().map(to_yaml), aliased().map(to_yaml))
    return encoded(
        st.one_of(
            generated,
            generated,
            mutated_text(generated),
            *([mutated_corpus().map(to_yaml)] if CORPUS_DOCUMENTS else []),
        )
    )
