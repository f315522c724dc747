"""Writing the generated Dockerfile and .dockerignore into a project (``dockerfile --write``).

The only place a project's own files are written on request; a build writes nothing but the
derived requirements file its Dockerfile installs (:mod:`dockdjango.api.images.imageprep`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dockdjango.api.images.imageprep import prepare
from dockdjango.errors import DockdjangoError
from dockdjango.images.dockerignore import generate_dockerignore

if TYPE_CHECKING:
    import docker

    from dockdjango.detection.projectconfig import Overrides
    from dockdjango.images.dockerfile import DockerfileOptions


def write_project_files(
    path: str | Path = ".",
    *,
    options: DockerfileOptions | None = None,
    client: docker.DockerClient | None = None,
    offline: bool | None = None,
    overwrite: bool = False,
    overrides: Overrides | None = None,
) -> list[Path]:
    """Write the generated Dockerfile, .dockerignore (and derived requirements) into the
    project; return the paths written."""
    root = Path(path)
    prepared = prepare(
        root,
        options=options,
        client=client,
        offline=offline,
        write_requirements=True,
        overrides=overrides,
    )
    if not prepared.generated:
        raise DockdjangoError(
            f"{root / 'Dockerfile'} already exists and is used as it is",
            hint="delete it to have dockdjango generate one",
        )
    written = list(prepared.written)
    for name, text in (
        ("Dockerfile", prepared.dockerfile),
        (".dockerignore", generate_dockerignore()),
    ):
        target = root / name
        if target.exists() and not overwrite:
            continue
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if keep_mounted_files(root, prepared.dockerfile):
        written.append(root / ".dockerignore")
    return list(dict.fromkeys(written))


def keep_mounted_files(root: Path, dockerfile: str) -> list[str]:
    """Make the project's .dockerignore let through every file ``dockerfile`` mounts (a
    written Dockerfile must build with plain ``docker build``); return the lines added."""
    from dockdjango.images.dockerfile import mounted_files
    from dockdjango.images.dockerignore import DockerIgnore

    path = root / ".dockerignore"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    ignore = DockerIgnore(text)
    wanted = [f"!{name}" for name in mounted_files(dockerfile) if ignore.ignored(name)]
    if wanted:
        lines = ["", "# read by the Dockerfile's install steps (added by dockdjango)", *wanted]
        path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return wanted
