"""Property-based: random and mutated compose documents either load or raise SpecError.

Nothing else may happen (no KeyError, TypeError, pydantic ValidationError, RecursionError
...), and whatever loads can be printed and reloaded to the same services and images,
and to exactly the same document from the first reload on. The default run
tries a few hundred cases; the slow suite runs 10,000.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockdjango.compose import Project, load_project
from dockdjango.compose.canonical import SERVICE_KEYS
from dockdjango.errors import SpecError

ENV = {"SET": "value", "PORT": "8000", "EMPTY": "", "FLAG": "true"}

INTERESTING = [
    "8000:8000",
    "127.0.0.1:80:80",
    "9000-9001:9000-9001/udp",
    "99999:1",
    "80",
    "a:b:c:d",
    "./src:/app:ro",
    "data:/data",
    "/abs:/abs:rw,z",
    "~/x:/x",
    "tmp",
    "",
    " ",
    "$",
    "$$",
    "${SET}",
    "${UNSET:-d}",
    "${UNSET:?boom}",
    "${PORT}:${PORT}",
    "${",
    "$SET",
    "1m30s",
    "10s",
    "500ms",
    "-1s",
    "service_healthy",
    "service_started",
    "always",
    "no",
    "on-failure:3",
    "CMD-SHELL",
    "NONE",
    "bridge",
    "host",
    "service:web",
    "web",
    "db",
    "true",
    "false",
    "yes",
    "KEY=value",
    "KEY",
    "=x",
    "host:1.2.3.4",
    "h=::1",
    "x-ext",
    "Dockerfile",
    ".",
    "..",
    "https://github.com/a/b.git",
    "tcp",
    "ingress",
    "bind",
    "volume",
    "tmpfs",
    "default",
    "*",
    "debug",
]
KEYS = [
    *sorted(SERVICE_KEYS),
    "context",
    "dockerfile",
    "args",
    "target",
    "test",
    "interval",
    "condition",
    "required",
    "restart",
    "aliases",
    "type",
    "source",
    "published",
    "host_ip",
    "protocol",
    "read_only",
    "external",
    "name",
    "driver",
    "labels",
    "x-foo",
    "retries",
    "disable",
    "service",
    "file",
    "path",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-70000, max_value=70000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(INTERESTING),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=8,
)
service = st.dictionaries(st.sampled_from(sorted(SERVICE_KEYS)), values, max_size=6).map(
    lambda d: {"image": "img", **d} if "build" not in d else d
)
documents = st.fixed_dictionaries(
    {
        "services": st.dictionaries(
            st.sampled_from(["web", "db", "worker", "x-a"]), service, min_size=1, max_size=3
        )
    },
    optional={
        "volumes": st.dictionaries(st.sampled_from(["data", "v"]), values, max_size=2),
        "networks": st.dictionaries(st.sampled_from(["front", "default"]), values, max_size=2),
        "name": scalars,
        "x-top": values,
    },
)


def yaml_text(doc: object) -> str:
    # the C emitter: generation, not loading, dominates this test's time
    return yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A generated document's YAML with a few characters deleted, inserted or swapped."""
    text = draw(documents.map(yaml_text))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not text:
            break
        pos = draw(st.integers(min_value=0, max_value=len(text) - 1))
        op = draw(st.sampled_from(["delete", "insert", "replace"]))
        char = draw(st.sampled_from(list(":-[]{}'\"$#&*!| \n\t,?>") + ["x", "1"]))
        if op == "delete":
            text = text[:pos] + text[pos + 1 :]
        elif op == "insert":
            text = text[:pos] + char + text[pos:]
        else:
            text = text[:pos] + char + text[pos + 1 :]
    return text


def check(directory: Path, text: str) -> None:
    """The property: a Project that prints and reloads to itself, or a SpecError."""
    path = directory / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        project = load_project([path], environ=ENV, project_name="prop")
    except SpecError as exc:
        assert str(exc).strip(), "a SpecError must carry a message"
        return
    assert isinstance(project, Project)
    data = project.to_compose_dict()
    json.dumps(data)
    again = _reload(directory, project)
    assert set(again.services) == set(project.services)
    assert {k: s.image for k, s in again.services.items()} == {
        k: s.image for k, s in project.services.items()
    }
    if again.to_compose_dict() != data:
        # A few values print as Compose prints them and then reload with a default (a
        # `dockerfile` that interpolated to ""): from the first reload on, nothing changes.
        assert _reload(directory, again).to_compose_dict() == again.to_compose_dict()


def _corpus_documents() -> list[object]:
    """Parsed documents of the corpus files Compose accepts (seeds for structural mutation)."""
    try:
        from compose_oracle import CORPUS

        rows = json.loads((CORPUS / "MANIFEST.json").read_text())
    except OSError:
        return []
    docs = []
    for row in rows:
        if row["docker"] == "accepted" and " + " not in row["path"]:
            try:
                doc = yaml.safe_load((CORPUS / row["source"] / row["path"]).read_text())
            except (OSError, yaml.YAMLError):
                continue
            if isinstance(doc, dict):
                docs.append(doc)
    return docs


CORPUS_DOCUMENTS = _corpus_documents()


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def mutated_corpus_document(draw: st.DrawFn) -> str:
    """A real compose document with one to three nodes replaced by random values or removed."""
    import copy

    doc = copy.deepcopy(draw(st.sampled_from(CORPUS_DOCUMENTS)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()):
            parent[path[-1]] = draw(values)
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    return yaml_text(doc)


def _reload(directory: Path, project: Project) -> Project:
    path = directory / "again.yaml"
    path.write_text(project.to_yaml(), encoding="utf-8")
    return load_project([path], environ=ENV, project_name="prop")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prop")


QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))


@QUICK
@given(doc=documents)
def test_random_documents(workdir: Path, doc: object) -> None:
    check(workdir, yaml_text(doc))


@QUICK
@given(text=mutated_text())
def test_mutated_documents(workdir: Path, text: str) -> None:
    check(workdir, text)


@pytest.mark.skipif(not CORPUS_DOCUMENTS, reason="compose corpus not found")
@QUICK
@given(text=mutated_corpus_document())
def test_mutated_corpus_documents(workdir: Path, text: str) -> None:
    check(workdir, text)


@pytest.mark.slow
@MANY
@given(
    text=st.one_of(
        documents.map(yaml_text),
        mutated_text(),
        *([mutated_corpus_document()] if CORPUS_DOCUMENTS else []),
    )
)
def test_ten_thousand_documents(workdir: Path, text: str) -> None:
    check(workdir, text)
