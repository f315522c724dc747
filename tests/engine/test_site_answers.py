"""``up`` prints a URL once it answers, and the dev stack answers on this machine's names.

On small Django projects (``startproject``), through the real CLI and engine:

- settings reading ``ALLOWED_HOSTS`` from an environment variable, a ``.env`` naming one
  host and the shell another: the dev service adds localhost and 127.0.0.1 to what is
  given (the shell's value winning over the .env's, as in Compose), says so, and every one
  of those hosts answers;
- a literal ``ALLOWED_HOSTS`` that leaves this machine out: with the project's own compose
  file (the image's lenient check passes) ``up`` prints no URL but what the URL got --
  Django's ``Invalid HTTP_HOST header`` line and the fix; zero-config (dockdjango's own
  check) stops at once with the same line, not after the timeout.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from django_projects import dockdjango, free_port, set_allowed_hosts, startproject, status_of

pytestmark = pytest.mark.engine

FROM_ENV = "import os\nALLOWED_HOSTS = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')"


@pytest.fixture
def project(tmp_path, base_image):
    """(root, name, port) of a startproject checkout; its stack and image removed after."""
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    root = startproject(tmp_path / "site")
    yield root, name, free_port()
    dockdjango(root, "-p", name, "down", "-v", "--remove-orphans")
    dockdjango(root, "--generated", "-p", name, "down", "-v")
    from dockdjango.engine.client import connect

    for ref in (f"{name}-web", f"{name}-web:latest"):
        try:
            connect().api.remove_image(ref, force=True)
        except Exception:  # not made, or gone
            pass


def test_hosts_from_the_environment_and_a_dotenv_get_this_machine_added(project):
    root, name, port = project
    set_allowed_hosts(root, FROM_ENV)
    (root / ".env").write_text("DJANGO_ALLOWED_HOSTS=shop.example\n")

    up = dockdjango(root, "-p", name, "up", "-d", env={"WEB_PORT": str(port)})
    assert up.returncode == 0, up.stderr[-3000:]
    said = re.search(
        r"ALLOWED_HOSTS is read from DJANGO_ALLOWED_HOSTS \(mysite/settings.py:\d+\): "
        r"the dev server adds localhost and 127.0.0.1 to it",
        up.stderr,
    )
    assert said, up.stderr
    site = f"http://127.0.0.1:{port}/"
    assert f"{name} is up:" in up.stdout and site in up.stdout.split()
    assert "warning:" not in up.stderr
    for host in ("127.0.0.1", "localhost", "shop.example"):
        assert status_of(site, f"{host}:{port}") == 200, host
    env = dockdjango(root, "-p", name, "exec", "-T", "web", "printenv", "DJANGO_ALLOWED_HOSTS")
    assert env.stdout.strip() == "localhost,127.0.0.1,shop.example"

    # the shell's value wins over the .env's (Compose's order); this machine still answers
    again = {"WEB_PORT": str(port), "DJANGO_ALLOWED_HOSTS": "api.example"}
    up = dockdjango(root, "-p", name, "up", "-d", env=again)
    assert up.returncode == 0, up.stderr[-3000:]
    assert status_of(site, f"api.example:{port}") == 200
    assert status_of(site, f"shop.example:{port}") == 400
    assert status_of(site) == 200


def test_a_url_that_answers_400_is_not_printed_but_explained(project):
    root, name, port = project
    set_allowed_hosts(root, 'ALLOWED_HOSTS = ["shop.example"]')
    # the project's own compose file: the image's check (anything below 500) passes
    (root / "compose.yaml").write_text(
        f"services:\n  web:\n    build: .\n    ports: ['127.0.0.1:{port}:8000']\n"
        "    x-dockdjango:\n      urls: {site: /}\n"
    )
    up = dockdjango(root, "-p", name, "up", "-d")
    assert up.returncode == 0, up.stderr[-3000:]
    assert "is up:" not in up.stdout
    warnings = [line for line in up.stderr.splitlines() if line.startswith("warning: site")]
    assert warnings == [
        f"warning: site http://127.0.0.1:{port}/ answers 400: Invalid HTTP_HOST header: "
        f"'127.0.0.1:{port}'. You may need to add '127.0.0.1' to ALLOWED_HOSTS. -- add "
        "127.0.0.1 to ALLOWED_HOSTS in the settings the service runs (or to the variable "
        "they read it from, in the environment or .env)"
    ]
    assert status_of(f"http://127.0.0.1:{port}/") == 400  # what it said is what happens
    dockdjango(root, "-p", name, "down")

    # zero-config: dockdjango's own check wants below 400, and says why at once
    (root / "compose.yaml").unlink()
    began = time.monotonic()
    up = dockdjango(root, "-p", name, "up", "-d", "--timeout", "300", env={"WEB_PORT": str(port)})
    waited = time.monotonic() - began
    assert up.returncode == 1
    errors = [line for line in up.stderr.splitlines() if line.startswith(("error:", "hint:"))]
    assert errors[0].startswith("error: service web answers 400; last health check: exit 1: ")
    assert "GET / answered 400" in errors[0]
    assert errors[0].endswith(
        "Invalid HTTP_HOST header: '127.0.0.1:8000'. You may need to add '127.0.0.1' to "
        "ALLOWED_HOSTS."
    )
    assert errors[1] == (
        "hint: add 127.0.0.1 and localhost to ALLOWED_HOSTS in the settings the service runs "
        "(or to the variable they read it from, in the environment or .env)"
    )
    assert waited < 280, "it waited for the timeout instead of saying it at once"
