"""Reading the tutorial's runnable shell blocks out of its Markdown pages.

A block is runnable when its fence says ``console``; each line starting with ``$ `` is a
command (a trailing backslash continues it), other lines are sample output. An HTML
comment on the line just before the fence sets options for that block::

    <!-- tutorial: engine -->          needs the Docker engine (the page's test is marked)
    <!-- tutorial: engine, exit=1 -->  every command in the block must exit 1
    <!-- tutorial: skip -->            shown, never run (e.g. a command that never returns)
    <!-- tutorial: output -->          each command's stdout must be the output shown
                                       (for blocks whose output does not vary by machine)

A command may carry a here-document (``$ cat > f <<'EOF'`` ... ``EOF``): its lines
belong to the command.

Page-level comments anywhere on the page::

    <!-- tutorial-cleanup: CMD -->     run after the page's blocks, even when one failed
    <!-- tutorial-images: REF ... -->  images the page creates; removed afterwards unless
                                       they were already there before the page ran
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_FENCE = re.compile(r"^(`{3,})\s*(\S*)(.*)$")
_OPTIONS = re.compile(r"^<!--\s*tutorial:\s*(.*?)\s*-->\s*$")
_CLEANUP = re.compile(r"<!--\s*tutorial-cleanup:\s*(.*?)\s*-->")
_IMAGES = re.compile(r"<!--\s*tutorial-images:\s*(.*?)\s*-->")


@dataclass
class Block:
    """One runnable console block."""

    page: str
    line: int
    commands: list[str]
    engine: bool = False
    skip: bool = False
    exit_code: int = 0
    check_output: bool = False
    #: The output shown after each command (same order as ``commands``).
    outputs: list[str] = field(default_factory=list)


@dataclass
class Page:
    """A tutorial page's runnable blocks and its clean-up."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    @property
    def engine(self) -> bool:
        """True when any block that runs needs the engine."""
        return any(b.engine and not b.skip for b in self.blocks)


def parse_page(path: Path) -> Page:
    """Every console block of a Markdown page, with its options."""
    text = path.read_text()
    page = Page(path=path)
    page.cleanup = _CLEANUP.findall(text)
    for refs in _IMAGES.findall(text):
        page.images.extend(refs.split())
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        if lang != "console":
            continue
        commands, outputs = _commands(body)
        block = Block(page=path.name, line=start + 1, commands=commands, outputs=outputs)
        prev = lines[start - 1] if start > 0 else ""
        if om := _OPTIONS.match(prev.strip()):
            for opt in (o.strip() for o in om.group(1).split(",")):
                if opt == "engine":
                    block.engine = True
                elif opt == "skip":
                    block.skip = True
                elif opt == "output":
                    block.check_output = True
                elif opt.startswith("exit="):
                    block.exit_code = int(opt.removeprefix("exit="))
                elif opt:
                    raise ValueError(f"{path}:{start}: unknown tutorial option {opt!r}")
        page.blocks.append(block)
    return page


_HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


def _commands(body: list[str]) -> tuple[list[str], list[str]]:
    """``$ `` lines, joined with their continuation lines and here-document bodies, and the
    output lines shown after each."""
    commands: list[str] = []
    outputs: list[str] = []
    lines = iter(body)
    for raw in lines:
        if not raw.startswith("$ "):
            if commands:
                outputs[-1] += raw + "\n"
            continue
        command = raw[2:]
        while command.endswith("\\"):
            command += "\n" + next(lines, "")
        if heredoc := _HEREDOC.search(command):
            for more in lines:
                command += "\n" + more
                if more.strip() == heredoc.group(1):
                    break
        commands.append(command)
        outputs.append("")
    return commands, outputs
