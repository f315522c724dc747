"""The tutorial's shell commands, run as written, so the tutorial cannot rot.

Each page's ``console`` blocks run in order from the repository root in one shell per block
(``cd`` carries over to the next block); every ``$`` command must exit with the code the
block declares (0 unless ``<!-- tutorial: exit=N -->``). Pages whose blocks need Docker are
marked ``engine``. See ``tutorial_blocks.py`` for the markup.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from tutorial_blocks import Block, Page, parse_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs" / "tutorial").glob("*.md"))


def _params() -> list[object]:
    params = []
    for path in PAGES:
        page = parse_page(path)
        marks = [pytest.mark.engine] if page.engine else []
        params.append(pytest.param(page, id=path.stem, marks=marks))
    return params


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # `dockdjango` and `python` resolve to this checkout's virtualenv, as after activation.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["CI"] = "1"  # plain output, as the pages show it
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def _script(block: Block, cwd: Path, tmp: Path) -> str:
    lines = [f"cd {shlex.quote(str(cwd))}"]
    rc_file = shlex.quote(str(tmp / "rc"))
    for n, command in enumerate(block.commands):
        if block.check_output:
            # The newline before `}` lets a here-document end on its own line.
            lines.append(f"{{ {command}\n}} > {shlex.quote(str(tmp / f'out.{n}'))}")
        else:
            lines.append(command)
        lines.append(f'echo "{n} $?" >> {rc_file}')
    lines.append(f"pwd > {shlex.quote(str(tmp / 'cwd'))}")
    return "\n".join(lines) + "\n"


def _run_block(block: Block, cwd: Path, env: dict[str, str]) -> Path:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rc_file, cwd_file = tmp / "rc", tmp / "cwd"
        proc = subprocess.run(
            ["bash", "-c", _script(block, cwd, tmp)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        codes = rc_file.read_text().split("\n") if rc_file.exists() else []
        got = [int(line.split()[1]) for line in codes if line.strip()]
        where = f"{block.page}:{block.line}"
        output = f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
        assert len(got) == len(block.commands), f"{where}: the block stopped early\n{output}"
        for command, code in zip(block.commands, got, strict=True):
            assert code == block.exit_code, (
                f"{where}: `{command}` exited {code}, the page says {block.exit_code}\n{output}"
            )
        if block.check_output:
            for n, (command, shown) in enumerate(zip(block.commands, block.outputs, strict=True)):
                printed = (tmp / f"out.{n}").read_text()
                assert _lines(printed) == _lines(shown), (
                    f"{where}: `{command}` printed\n{printed}\nthe page shows\n{shown}"
                )
        return Path(cwd_file.read_text().strip()) if cwd_file.exists() else cwd


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def _present(refs: list[str]) -> set[str]:
    present = set()
    for ref in refs:
        probe = subprocess.run(["docker", "image", "inspect", ref], capture_output=True)
        if probe.returncode == 0:
            present.add(ref)
    return present


@pytest.mark.parametrize("page", _params())
def test_tutorial_page_runs(page: Page) -> None:
    runnable = [b for b in page.blocks if not b.skip]
    if not runnable:
        pytest.skip(f"{page.path.name} has no runnable console block")
    env = _env()
    before = _present(page.images)
    cwd = ROOT
    try:
        for block in runnable:
            cwd = _run_block(block, cwd, env)
    finally:
        for command in page.cleanup:
            subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True)
        for ref in set(page.images) - before:
            subprocess.run(["docker", "rmi", "-f", ref], capture_output=True)


def test_every_page_is_parsed_and_has_commands() -> None:
    """A typo in the markup (```consol, a missing `$ `) must not silently skip a page."""
    for path in PAGES:
        page = parse_page(path)
        for block in page.blocks:
            assert block.commands, f"{path.name}:{block.line}: console block without `$ `"
    assert PAGES, "no tutorial pages found"
