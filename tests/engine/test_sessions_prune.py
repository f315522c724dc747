"""Pruning a dead session while other sessions prune it too, or still use its network.

Real engine, real objects: a session's network with running containers on it, removed
while those containers go (or do not). Every test removes what it made, by its labels.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from dockdjango.engine.testing.sessions import (
    SESSION,
    Leftovers,
    Owner,
    find_leftovers,
    new_session_id,
    remove_leftovers,
    remove_network,
    session_labels,
)

pytestmark = pytest.mark.engine


@pytest.fixture
def session(engine) -> Iterator[str]:
    """A fresh session id; anything labelled with it is removed after the test."""
    sid = new_session_id("ddtest")
    yield sid
    selector = {"label": f"{SESSION}={sid}"}
    for c in engine.api.containers(all=True, filters=selector):
        engine.api.remove_container(c["Id"], force=True)
    for n in engine.api.networks(filters=selector):
        engine.api.remove_network(n["Id"])


def make_session(engine, base_image: str, sid: str, containers: int) -> tuple[str, list[str]]:
    """A network of session ``sid`` with ``containers`` running containers on it."""
    labels = session_labels(sid, Owner.current())
    network = engine.api.create_network(f"{sid}-net", labels=labels)["Id"]
    ids = []
    for n in range(containers):
        created = engine.api.create_container(
            base_image,
            ["sleep", "300"],
            name=f"{sid}-c{n}",
            labels=labels,
            host_config=engine.api.create_host_config(init=True, network_mode=f"{sid}-net"),
        )
        engine.api.start(created["Id"])
        ids.append(created["Id"])
    return network, ids


def network_exists(engine, network: str) -> bool:
    return any(n["Id"] == network for n in engine.api.networks(filters={"id": network}))


def test_a_network_whose_containers_are_being_removed_is_disconnected_then_removed(
    engine, base_image, session
) -> None:
    network, ids = make_session(engine, base_image, session, 1)
    # the container still runs, attached: the engine answers "has active endpoints" first
    assert remove_network(engine, network, removing=set(ids), grace=60) == ""
    assert not network_exists(engine, network)


def test_sessions_pruning_one_dead_session_at_once_raise_nothing(
    engine, base_image, session
) -> None:
    # One container: the pruners that lose the race for it ("removal already in progress")
    # reach the network while the winner's removal still holds its endpoint.
    network, ids = make_session(engine, base_image, session, 1)
    found = find_leftovers(engine, session=session)
    assert [sorted(e.containers) for e in found] == [sorted(ids)]
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def prune_it() -> None:
        # each pruner has its own listing, as parallel pytest processes do
        mine = find_leftovers(engine, session=session)
        start.wait()
        try:
            remove_leftovers(engine, mine)
            errors.extend(AssertionError(w) for e in mine for w in e.warnings)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=prune_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert find_leftovers(engine, session=session) == []
    assert not network_exists(engine, network)


def test_a_network_another_session_still_uses_is_kept_with_a_warning(
    engine, base_image, session
) -> None:
    network, ids = make_session(engine, base_image, session, 1)
    # listed without its container: that one belongs to a session that is still running
    entry = Leftovers(session, "0", kept=False, networks=[network])
    assert remove_leftovers(engine, [entry], busy_grace=0.5) == 0
    assert entry.warnings == [
        f"kept network {session}-net: still used by {session}-c0 (another test session may "
        "own it); `dockdjango prune` removes it once that is gone"
    ]
    assert network_exists(engine, network)
    # once that container is gone, the next prune removes the network
    engine.api.remove_container(ids[0], force=True)
    assert remove_leftovers(engine, [Leftovers(session, "0", False, networks=[network])]) == 1
    assert not network_exists(engine, network)
