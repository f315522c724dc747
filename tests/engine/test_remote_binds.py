"""Which binds a remote engine gets, and which are copied in instead (pure)."""

from __future__ import annotations

from dockdjango.engine.up.seed import Seed, split_binds


def test_project_paths_are_copied_and_the_rest_passes_through(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "settings.ini").write_text("")
    binds = [
        f"{tmp_path}:/app:rw",
        f"{tmp_path}/settings.ini:/etc/app.ini:ro",
        "ddtest_data:/data:rw",  # a named volume: the engine's own
        "/var/run/docker.sock:/var/run/docker.sock:rw",
        f"{tmp_path}/missing:/m:rw",  # not on this machine either: left to the engine
    ]
    kept, seeds, warnings = split_binds(binds, str(tmp_path))
    assert seeds == [
        Seed(str(tmp_path), "/app"),
        Seed(str(tmp_path / "settings.ini"), "/etc/app.ini"),
    ]
    assert kept == binds[2:]
    assert warnings[0] == (
        "/var/run/docker.sock:/var/run/docker.sock is mounted from the engine host's "
        "/var/run/docker.sock, not this machine's"
    )
    assert len(warnings) == 2


def test_a_path_beside_the_project_is_not_taken_for_part_of_it(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app-data").mkdir()
    kept, seeds, _ = split_binds([f"{tmp_path}/app-data:/d"], str(tmp_path / "app"))
    assert seeds == [] and kept == [f"{tmp_path}/app-data:/d"]
