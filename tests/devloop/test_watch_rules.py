"""Watch rules without a daemon: matching, planning a burst, Compose's refusals, defaults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockdjango.api.stack.watchrules import DEFAULT_ORIGIN, matcher, service_rules
from dockdjango.compose.develop_watch import (
    REBUILD,
    SYNC,
    SYNC_RESTART,
    SyncItem,
    WatchRule,
    plan_batch,
    rule_from_compose,
    watched_roots,
)
from dockdjango.errors import SpecError


def rule(action: str, path: str, target: str | None = "/app", **kw) -> WatchRule:
    return WatchRule("web", action, path, target if "sync" in action else None, **kw)


def test_container_path_maps_under_target():
    r = rule(SYNC, "/src/proj")
    assert r.container_path("/src/proj/books/views.py") == "/app/books/views.py"
    assert r.container_path("/src/proj") == "/app"
    assert rule(REBUILD, "/src/proj").container_path("/src/proj/x") is None


def test_covers_only_paths_under_the_rule():
    r = rule(SYNC, "/src/proj")
    assert r.covers("/src/proj/a.py")
    assert not r.covers("/src/project2/a.py")  # a sibling with the same prefix
    assert not r.covers("/src/a.py")


def test_burst_of_edits_is_one_restart_and_one_sync_per_service():
    rules = [rule(SYNC_RESTART, "/p")]
    plans = plan_batch(
        {"/p/a.py": "modified", "/p/b.py": "modified", "/p/c.py": "added"},
        rules,
        exists=lambda p: True,
        is_dir=lambda p: False,
    )
    assert list(plans) == ["web"]
    plan = plans["web"]
    assert plan.restart is True
    assert [i.container for i in plan.sync] == ["/app/a.py", "/app/b.py", "/app/c.py"]


def test_missing_path_is_deleted_whatever_the_event_said():
    plans = plan_batch(
        {"/p/gone.py": "modified", "/p/here.py": "deleted"},
        [rule(SYNC, "/p")],
        exists=lambda p: p.endswith("here.py"),
        is_dir=lambda p: False,
    )
    items = {i.container: i.exists for i in plans["web"].sync}
    assert items == {"/app/gone.py": False, "/app/here.py": True}


def test_added_directory_is_recursive_modified_one_is_not():
    plans = plan_batch(
        {"/p/new": "added", "/p/old": "modified"},
        [rule(SYNC, "/p")],
        exists=lambda p: True,
        is_dir=lambda p: True,
    )
    got = {i.host: i.recursive for i in plans["web"].sync}
    assert got == {"/p/new": True, "/p/old": False}


def test_rebuild_wins_over_restart_and_sync_still_happens():
    rules = [rule(SYNC_RESTART, "/p"), rule(REBUILD, "/p/requirements.txt")]
    plans = plan_batch({"/p/requirements.txt": "modified"}, rules, exists=lambda p: True)
    plan = plans["web"]
    assert plan.rebuild and not plan.restart
    assert [i.container for i in plan.sync] == ["/app/requirements.txt"]


def test_only_services_whose_files_changed_are_planned():
    rules = [
        WatchRule("web", SYNC, "/p/web", "/app"),
        WatchRule("worker", REBUILD, "/p/worker"),
    ]
    plans = plan_batch({"/p/web/x.py": "modified"}, rules, exists=lambda p: True)
    assert list(plans) == ["web"]


def test_ignored_paths_plan_nothing():
    r = rule(SYNC, "/p", ignored=matcher("/p", ignore=["node_modules/"]))
    assert plan_batch({"/p/node_modules/x.js": "added"}, [r], exists=lambda p: True) == {}


def test_matcher_editor_files_vcs_and_caches(tmp_path: Path):
    m = matcher(str(tmp_path))
    for rel in (".views.py.swp", "views.py~", ".git/index", "a/__pycache__/x.pyc", "4913"):
        assert m(str(tmp_path / rel)), rel
    assert not m(str(tmp_path / "views.py"))


def test_matcher_include_keeps_only_matching(tmp_path: Path):
    m = matcher(str(tmp_path), include=["*.py", "templates/"])
    assert not m(str(tmp_path / "views.py"))
    assert not m(str(tmp_path / "templates" / "x.html"))
    assert m(str(tmp_path / "README.md"))


def test_matcher_honours_the_build_dockerignore(tmp_path: Path):
    (tmp_path / ".dockerignore").write_text("secrets/\n**/*.log\n!src/keep.log\n")
    # patterns are relative to the build context, not to the rule's path
    m = matcher(str(tmp_path / "src"), context=str(tmp_path))
    assert m(str(tmp_path / "src" / "x.log"))
    assert not m(str(tmp_path / "src" / "keep.log"))
    assert not m(str(tmp_path / "src" / "x.py"))
    m2 = matcher(str(tmp_path), context=str(tmp_path))
    assert m2(str(tmp_path / "secrets" / "key"))


def test_matcher_without_dockerignore_uses_the_generated_build_list(tmp_path: Path):
    m = matcher(str(tmp_path), context=str(tmp_path))
    assert m(str(tmp_path / ".venv" / "bin" / "python"))
    assert m(str(tmp_path / ".env"))
    assert not m(str(tmp_path / "manage.py"))


def test_watched_roots_are_minimal_and_files_watch_their_directory(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "requirements.txt").write_text("")
    rules = [
        rule(SYNC, str(tmp_path / "src")),
        rule(REBUILD, str(tmp_path / "requirements.txt")),
        rule(SYNC, str(tmp_path / "src" / "sub")),
    ]
    assert watched_roots(rules) == [str(tmp_path)]


@pytest.mark.parametrize(
    ("entry", "has_build", "message"),
    [
        ({"action": "copy", "path": "/p"}, True, "unknown action 'copy'"),
        ({"action": "sync", "path": "/p"}, True, "needs a `target`"),
        ({"action": "rebuild", "path": "/p"}, False, "needs a `build:` section"),
        ({"action": "sync+exec", "path": "/p", "target": "/a"}, True, "needs `exec.command`"),
    ],
)
def test_compose_refusals_name_the_rule(entry, has_build, message):
    with pytest.raises(SpecError) as err:
        rule_from_compose("web", 2, entry, has_build=has_build)
    assert message in str(err.value)
    assert "services.web.develop.watch[2]" in str(err.value)
    assert err.value.hint


def test_sync_exec_keeps_the_command_and_environment():
    r = rule_from_compose(
        "web",
        0,
        {
            "action": "sync+exec",
            "path": "/p",
            "target": "/app",
            "exec": {"command": ["kill", "-HUP", "1"], "environment": ["A=1"], "user": "root"},
        },
        has_build=False,
    )
    assert r.exec is not None
    assert r.exec.command == ("kill", "-HUP", "1")
    assert dict(r.exec.environment) == {"A": "1"}
    assert r.exec.user == "root"


def _django_project(root: Path) -> None:
    (root / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
    )
    (root / "requirements.txt").write_text("Django>=5.2,<5.3\n")


def test_django_default_syncs_source_and_rebuilds_on_dependencies(tmp_path: Path):
    _django_project(tmp_path)
    svc = {"build": {"context": str(tmp_path)}, "command": None}
    got = service_rules(
        "web",
        svc,
        image_config=lambda ref: {
            "WorkingDir": "/app",
            "Cmd": ["python3", "manage.py", "runserver"],
        },
        image_ref="proj-web",
    )
    assert [(r.action, r.path, r.target) for r in got] == [
        (SYNC, str(tmp_path), "/app"),
        (REBUILD, os.path.join(str(tmp_path), "requirements.txt"), None),
    ]
    assert all(r.origin == DEFAULT_ORIGIN for r in got)
    # what the image build leaves out is not synced either
    assert got[0].ignored(str(tmp_path / ".venv" / "x"))


def test_django_default_restarts_a_server_that_does_not_reload(tmp_path: Path):
    _django_project(tmp_path)
    svc = {"build": {"context": str(tmp_path)}, "command": ["gunicorn", "proj.wsgi"]}
    got = service_rules("web", svc, image_config=lambda r: {"WorkingDir": "/app"}, image_ref="x")
    assert got[0].action == SYNC_RESTART


def test_django_default_skips_sync_when_the_source_is_bind_mounted(tmp_path: Path):
    _django_project(tmp_path)
    svc = {
        "build": {"context": str(tmp_path)},
        "volumes": [{"type": "bind", "source": str(tmp_path), "target": "/app"}],
    }
    got = service_rules("web", svc, image_config=lambda r: {"WorkingDir": "/app"}, image_ref="x")
    assert [r.action for r in got] == [REBUILD]


def test_no_default_for_a_non_django_context_or_an_image_only_service(tmp_path: Path):
    svc = {"build": {"context": str(tmp_path)}}
    assert service_rules("web", svc, image_config=lambda r: {}, image_ref="x") == []
    assert (
        service_rules("db", {"image": "postgres"}, image_config=lambda r: {}, image_ref="x") == []
    )


def test_sync_item_is_hashable_and_deduplicated():
    plans = plan_batch(
        ["/p/a.py"],
        [rule(SYNC, "/p"), rule(SYNC, "/p")],
        exists=lambda p: True,
        is_dir=lambda p: False,
    )
    assert plans["web"].sync == [SyncItem("/p/a.py", "/app/a.py", True)]
