"""No stale images: ``up`` compares what an image was built from with the tree.

- zero-config (dockdjango generates the image): a dependency added after the first ``up``
  is installed by the next ``up``, which says why it rebuilt -- and the package imports;
- a compose file's own ``build:`` (Compose leaves the image as it is): the next ``up``
  keeps the image and warns, naming the file; ``up --build`` rebuilds it, and then there
  is nothing to warn about; so does ``build`` with the compose file named.
"""

from __future__ import annotations

import uuid

import pytest
from django_projects import REQUIREMENTS, dockdjango, free_port, startproject

from dockdjango.engine.image_store import inspect_image

pytestmark = pytest.mark.engine


def test_a_dependency_added_after_the_first_up_is_installed(tmp_path, base_image, engine):
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    root = startproject(tmp_path / "site")
    env = {"WEB_PORT": str(free_port())}
    try:
        up = dockdjango(root, "-p", name, "up", "-d", env=env)
        assert up.returncode == 0, up.stderr[-3000:]
        missing = dockdjango(root, "-p", name, "exec", "-T", "web", "python", "-c", "import six")
        assert missing.returncode != 0

        (root / "requirements.txt").write_text(REQUIREMENTS + "six==1.17.0\n")
        up = dockdjango(root, "-p", name, "up", "-d", env=env)
        assert up.returncode == 0, up.stderr[-3000:]
        assert (
            f"image {name}-web  stale  (requirements.txt changed since it was built: "
            "rebuilding)" in up.stderr
        ), up.stderr
        assert "web: recreated" in up.stdout
        imported = dockdjango(
            root,
            "-p",
            name,
            "exec",
            "-T",
            "web",
            "python",
            "-c",
            "import six; print(six.__version__)",
        )
        assert imported.stdout.strip() == "1.17.0", imported.stderr

        # nothing changed since: nothing rebuilt, nothing recreated
        up = dockdjango(root, "-p", name, "up", "-d", env=env)
        assert "stale" not in up.stderr and "nothing to do" in up.stdout, up.stdout
    finally:
        dockdjango(root, "-p", name, "down", "-v")
        try:
            engine.api.remove_image(f"{name}-web", force=True)
        except Exception:  # not made
            pass


def test_a_compose_build_is_warned_about_not_rebuilt(tmp_path, base_image, engine):
    name = f"ddtest-{uuid.uuid4().hex[:8]}"
    (tmp_path / "requirements.txt").write_text("six\n")
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image}\nCOPY requirements.txt /requirements.txt\n"
    )
    (tmp_path / "compose.yaml").write_text(
        f"name: {name}\nservices:\n  app:\n    build: .\n    init: true\n"
        "    command: ['sleep', '1000000']\n"
    )
    tag = f"{name}-app"
    try:
        up = dockdjango(tmp_path, "up", "-d")
        assert up.returncode == 0, up.stderr[-3000:]
        first = inspect_image(engine, tag)["Id"]

        (tmp_path / "requirements.txt").write_text("six\nattrs\n")
        up = dockdjango(tmp_path, "up", "-d")
        assert up.returncode == 0, up.stderr[-3000:]
        warning = (
            f"image {tag}  warning  (image {tag} was built before requirements.txt changed; "
            "`dockdjango up --build` rebuilds it)"
        )
        assert warning in up.stderr
        assert inspect_image(engine, tag)["Id"] == first  # kept, as Compose keeps it

        up = dockdjango(tmp_path, "up", "-d", "--build")
        assert up.returncode == 0, up.stderr[-3000:]
        assert inspect_image(engine, tag)["Id"] != first
        up = dockdjango(tmp_path, "up", "-d")
        assert "was built before" not in up.stderr

        # `build` with the compose file named builds the service as `up --build` does
        (tmp_path / "requirements.txt").write_text("six\nattrs\npackaging\n")
        built = dockdjango(tmp_path, "--file", "compose.yaml", "build", "app")
        assert built.returncode == 0, built.stderr[-3000:]
        image = inspect_image(engine, tag)["Id"]
        assert built.stdout.strip() == f"app: built {image.removeprefix('sha256:')[:12]}"
        up = dockdjango(tmp_path, "up", "-d")
        assert "was built before" not in up.stderr and "app: recreated" in up.stdout
    finally:
        dockdjango(tmp_path, "down", "-v")
        try:
            engine.api.remove_image(tag, force=True)
        except Exception:  # not made
            pass
