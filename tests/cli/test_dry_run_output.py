"""How ``up --dry-run`` words the engine's plan (pure: the plan is given as events)."""

from __future__ import annotations

from dockdjango.api.stack import Event, UpResult
from dockdjango.cli.dry_run import plan_lines


def test_each_step_is_one_line_then_a_line_saying_nothing_changed() -> None:
    result = UpResult(
        services={"web": ("would recreate", "changed: command"), "db": ("unchanged", "")},
        dry_run=True,
        planned=[
            Event("network", "demo_default", "would create"),
            Event("image", "demo-web", "would build"),
            Event("service", "web", "warning", "services.web: sleep ignores SIGTERM"),
            Event("service", "web", "warning", "services.web: sleep ignores SIGTERM"),
            Event("container", "demo-web-1", "would recreate", "changed: command"),
            Event("container", "demo-db-1", "unchanged"),
        ],
    )
    assert plan_lines("demo", result) == [
        "would create network demo_default",
        "would build image demo-web",
        "warning: services.web: sleep ignores SIGTERM",
        "would recreate container demo-web-1 (changed: command)",
        "container demo-db-1 unchanged",
        "dry run: nothing was changed (3 step(s) planned)",
    ]


def test_a_plan_with_nothing_to_do_says_so() -> None:
    result = UpResult(
        services={"web": ("unchanged", "")},
        dry_run=True,
        planned=[Event("container", "demo-web-1", "unchanged")],
    )
    assert plan_lines("demo", result)[-1] == "demo: nothing to do, 1 service(s) already up to date"
