"""A failed install, in one line: the requirement, pip's or uv's reason, the project's file."""

from __future__ import annotations

from pathlib import Path

from dockdjango.images.install_errors import explain_install_failure

DATA = Path(__file__).parent / "data" / "install_failures"


def test_a_source_build_missing_pg_config_names_the_requirement_and_the_header() -> None:
    # recorded: uv building psycopg2-binary 2.9.3 (no cp311 wheel) without libpq-dev
    output = (DATA / "uv_psycopg2_pg_config.txt").read_text().splitlines()
    found = explain_install_failure(output, requirements="requirements.txt", python="3.11")
    assert found is not None and found.requirement == "psycopg2-binary==2.9.3"
    assert found.message == (
        "installing requirements.txt failed: psycopg2-binary==2.9.3 was built from source (no "
        "wheel for Python 3.11) and its build needs PostgreSQL's headers and pg_config "
        "(Debian: libpq-dev) and a C compiler"
    )
    assert ".dockdjango" not in found.message and "requirements.docker" not in found.message


def test_requires_python_from_uv_and_pip() -> None:
    uv = [
        "  × No solution found when resolving dependencies:",
        "  ╰─▶ Because the current Python version (3.11.2) does not satisfy Python>=3.12 and",
        "      django==6.0.8 depends on Python>=3.12, we can conclude that django==6.0.8 cannot",
        "      be used.",
    ]
    found = explain_install_failure(uv, requirements="requirements/base.txt", python="3.11")
    assert found is not None
    assert found.message == (
        "installing requirements/base.txt failed: django==6.0.8 requires Python >=3.12 "
        "(Requires-Python); the image runs 3.11.2"
    )
    pip = ["ERROR: Package 'Django' requires a different Python: 3.11.2 not in '>=3.12'"]
    found = explain_install_failure(pip, requirements="uv.lock", python="3.11")
    assert found is not None and "Django requires Python >=3.12" in found.message


def test_no_matching_distribution() -> None:
    uv = [
        "  × No solution found when resolving dependencies:",
        "  ╰─▶ Because djangoo was not found in the package registry and you require djangoo,",
    ]
    found = explain_install_failure(uv, requirements="requirements.txt")
    assert found is not None and "no matching distribution for djangoo" in found.message
    pip = [
        "ERROR: Could not find a version that satisfies the requirement nope==9 (from "
        "versions: none)",
        "ERROR: No matching distribution found for nope==9",
    ]
    found = explain_install_failure(pip, requirements="requirements.txt")
    assert found is not None and found.requirement == "nope==9"


def test_a_build_too_old_for_the_python() -> None:
    output = [
        "error: Failed to build `markdown==2.6.9`",
        "  ModuleNotFoundError: No module named 'imp'",
    ]
    found = explain_install_failure(output, requirements="requirements.txt", python="3.13")
    assert found is not None
    assert "markdown==2.6.9 was built from source and its build does not work on Python 3.13" in (
        found.message
    )


def test_unrecognised_output_is_left_alone() -> None:
    assert explain_install_failure(["something else broke"], requirements="x") is None


def test_c_code_that_predates_the_python_is_said_so() -> None:
    # recorded (trimmed): uv building psycopg2-binary 2.8.3 on Python 3.11, libpq-dev present
    output = (DATA / "uv_psycopg2_283_py311.txt").read_text().splitlines()
    found = explain_install_failure(output, requirements="requirements.txt", python="3.11")
    assert found is not None and found.requirement == "psycopg2-binary==2.8.3"
    assert "its C code does not compile for Python 3.11 (psycopg/psycopgmodule.c:920: lvalue " in (
        found.message
    )


def test_a_git_dependency_whose_host_cannot_be_reached() -> None:
    # recorded (trimmed): uv fetching a `name @ git+URL` requirement where github.com
    # does not resolve from the build
    url = "https://github.com/brutasse/django-push.git"
    output = [
        f"   Updating {url} (22fda99641cfbd2f3075a723d92652a8e38220a5)",
        f"error: Failed to download and build `django-push @ git+{url}@22fda99`",
        "  cause: Git operation failed",
        "  cause: failed to fetch commit `22fda99`",
        "         --- stderr",
        f"         fatal: unable to access '{url}/': Could not resolve host: github.com",
    ]
    found = explain_install_failure(output, requirements="requirements.txt", python="3.11")
    assert found is not None and found.requirement == f"django-push @ git+{url}@22fda99"
    assert found.message.startswith(
        "installing requirements.txt failed: django-push is installed from a Git URL and "
        "github.com could not be fetched from the build (unable to access"
    )
    assert "Could not resolve host: github.com" in found.message
    assert "make github.com reachable from builds" in found.hint


def test_a_url_dependency_whose_host_cannot_be_reached() -> None:
    """A ``name @ https://.../archive.tar.gz`` requirement (no Git) behind a host the build
    cannot resolve: the host is named, not a source build that "needs what its output
    says"."""
    url = "https://github.com/grafana/fcm-django/archive/refs/tags/v1.0.12r1.tar.gz"
    output = [
        f"  × Failed to download and build `fcm-django @ {url}#sha256=7ec7`",
        f"  ├─▶ Failed to fetch: `{url}#sha256=7ec7`",
        "  ├─▶ Request failed after 3 retries",
        f"  ├─▶ error sending request for url ({url})",
        "  ├─▶ client error (Connect)",
        "  ╰─▶ error resolving DNS",
    ]
    found = explain_install_failure(output, requirements="engine/requirements.txt")
    assert found is not None
    assert found.message == (
        "installing engine/requirements.txt failed: fcm-django is downloaded from a URL on "
        "github.com and github.com could not be fetched from the build (error resolving DNS)"
    )
    assert "make github.com reachable from builds" in found.hint
    # the same lines with a cause that is not the network stay a source build's failure
    built = [output[0], "  ╰─▶ The build backend returned an error"]
    other = explain_install_failure(built, requirements="engine/requirements.txt")
    assert other is not None and "was built from source" in other.message


def test_a_missing_header_or_library_is_named() -> None:
    """Class 2: when a source build still fails, the message names what it lacked."""
    head = [
        "  × Failed to build `cmarkgfm==2024.11.20`",
        "  ├─▶ The build backend returned an error",
    ]
    cases = {
        "third_party/cmark/src/cmark.h": "src/blocks.c:12:10: fatal error: "
        "third_party/cmark/src/cmark.h: No such file or directory",
        "libfoo": "/usr/bin/ld: cannot find -lfoo: No such file or directory",
        "bar.pc": "Package bar was not found in the pkg-config search path.",
    }
    for wanted, line in cases.items():
        found = explain_install_failure([*head, line], requirements="requirements.txt")
        assert found is not None and found.requirement == "cmarkgfm==2024.11.20"
        assert wanted in found.message and "build stage" in found.message, found.message


def test_a_stale_uv_lock_says_to_lock_again() -> None:
    output = [
        "Resolved 2 packages in 449ms",
        "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.",
        "  cause: Requirements for `locked==0` differ; added: six",
    ]
    found = explain_install_failure(output, requirements="uv.lock")
    assert found is not None and "uv.lock is out of date" in found.message
    assert found.hint.startswith("run `uv lock`")


def test_a_requirements_file_that_cannot_be_satisfied_is_said_so() -> None:
    # recorded from peering-manager's requirements.txt, which pins rpds-py twice
    output = [
        "error: No solution found when resolving dependencies",
        "  cause: Because you require rpds-py==0.30.0 and rpds-py==2026.5.1, we can conclude "
        "that your requirements are unsatisfiable.",
    ]
    found = explain_install_failure(output, requirements="requirements.txt")
    assert found is not None and found.requirement == "rpds-py==0.30.0"
    assert "rpds-py==0.30.0 and rpds-py==2026.5.1 together" in found.message
    assert found.hint == "keep one of them in requirements.txt"
