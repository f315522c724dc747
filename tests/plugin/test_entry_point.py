"""The plugin as pytest loads it: through the ``pytest11`` entry point, in a real inner run.

The entry point names the module that holds the hooks (as pytest-django's does): a hook
defined there and not re-exported elsewhere still runs. No daemon is needed.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest


def _entry_point_module() -> object:
    (found,) = [e for e in entry_points(group="pytest11") if e.name == "dockdjango"]
    return found.load()


def test_the_entry_point_names_the_module_that_holds_the_hooks_and_fixtures() -> None:
    module = _entry_point_module()
    assert getattr(module, "__name__", "") == "dockdjango.pytest_plugin.plugin"
    hooks = [name for name in dir(module) if name.startswith("pytest_")]
    assert {"pytest_addoption", "pytest_configure", "pytest_terminal_summary"} <= set(hooks)
    for fixture in ("docker_client", "container", "postgres", "dockdjango_stack", "service_url"):
        assert hasattr(module, fixture), fixture


# The inner run's conftest hands the plugin's session state a warning, as pruning the
# leftovers of a killed session does when another session still uses one of its networks.
WARN_CONFTEST = """
import pytest

from dockdjango.pytest_plugin import STATE


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    config.stash[STATE].warnings.append("kept network ddtest-net: still used by ddtest-c0")
"""


def test_the_session_warnings_print_in_the_terminal_summary(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(WARN_CONFTEST)
    pytester.makepyfile("def test_nothing():\n    pass\n")
    # a subprocess, so the plugin comes from the entry point as in a user's run
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["dockdjango: kept network ddtest-net: still used by ddtest-c0"])


def test_the_fixtures_come_with_the_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures")
    assert result.ret == 0, result.stderr.str()
    listed = result.stdout.str()
    for name in ("docker_client", "container", "postgres", "dockdjango_stack", "service_url"):
        assert f"\n{name} " in listed or f"\n{name} [" in listed, name
