"""Where a zero-config ``web`` publishes, decided without a daemon: the port wanted when
free, else the next free one (said), and that choice carried into the project after a
build (see :mod:`dockdjango.api.stack.webport`)."""

from __future__ import annotations

from dockdjango.api.stack.webport import ChosenPort, late_port, pick_port, with_published_port
from dockdjango.compose import load_dict


def _free_but(*taken: int):
    return lambda port: port not in taken


def test_the_wanted_port_is_kept_when_free() -> None:
    assert pick_port(8001, _free_but(8000), "taken") == (8001, None)


def test_a_taken_port_moves_to_the_next_free_one_and_says_why() -> None:
    port, line = pick_port(8001, _free_but(8001, 8002), "127.0.0.1:8001 was taken")
    assert port == 8003
    assert line == (
        "127.0.0.1:8001 was taken: web publishes on 127.0.0.1:8003 instead (set WEB_PORT to choose)"
    )


def test_nothing_free_nearby_keeps_the_port_and_says_nothing() -> None:
    # `up` then fails on the busy port and names it
    assert pick_port(8000, lambda port: False, "taken") == (8000, None)


def _project():
    data = {
        "services": {
            "web": {"image": "site", "ports": ["127.0.0.1:8001:8000", "127.0.0.1:9000:9000"]},
            "db": {"image": "postgres", "ports": ["127.0.0.1:8001:5432"]},
        }
    }
    return load_dict(data, project_name="demo")


def test_only_the_chosen_binding_is_published_elsewhere() -> None:
    project = _project()
    moved = with_published_port(project, ChosenPort("web", 8000, 8001), 8004)
    assert [(p.target, p.published) for p in moved.services["web"].ports] == [
        (8000, "8004"),
        (9000, "9000"),
    ]
    assert moved.services["db"].ports == project.services["db"].ports
    assert project.services["web"].ports[0].published == "8001"  # the original is unchanged


def test_an_unchanged_port_leaves_the_project_as_it_is() -> None:
    project = _project()
    assert with_published_port(project, ChosenPort("web", 8000, 8001), 8001) is project


def test_a_port_the_user_chose_is_never_checked_again() -> None:
    assert late_port(None, None, print) is None  # type: ignore[arg-type]
