"""How ``up --dry-run`` words the engine's plan (pure: the plan is given as events)."""

from __future__ import annotations

from dockdjango.api.stack.stack import Event, UpResult
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


def test_ports_on_all_interfaces_are_warned_about_before_and_after_up() -> None:
    from dockdjango.api.stack.stack import ContainerStatus, Stack
    from dockdjango.cli.project_options import planned_port_warnings, public_port_warnings

    stack = Stack(
        {
            "name": "demo",
            "services": {
                "web": {"image": "x", "ports": ["18557:8000", "127.0.0.1:8001:8001", "9000"]}
            },
        }
    )
    fix = "other machines can reach it; to keep it on this one, write"
    assert planned_port_warnings(stack) == [
        "warning: web publishes 8000 on all interfaces (0.0.0.0:18557): "
        f'{fix} "127.0.0.1:18557:8000" in services.web.ports',
        "warning: web publishes 9000 on all interfaces (0.0.0.0:<any free port>): "
        f'{fix} "127.0.0.1::9000" in services.web.ports',
    ]
    rows = [
        ContainerStatus(
            name=f"demo-web-{n}",
            service="web",
            number=n,
            state="running",
            health="",
            exit_code=0,
            status="Up",
            image="x",
            ports=[("0.0.0.0", 18557, 8000, "tcp"), ("::", 18557, 8000, "tcp")]
            + [("127.0.0.1", 8001, 8001, "tcp")],
        )
        for n in (1, 2)
    ]
    assert public_port_warnings(rows) == [  # once per service and port, not per container
        "warning: web publishes 8000 on all interfaces (0.0.0.0:18557, [::]:18557): "
        f'{fix} "127.0.0.1:18557:8000" in services.web.ports'
    ]
