"""The tutorial markup parser: which blocks run, with which options and commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from tutorial_blocks import parse_page

PAGE = """# A page
<!-- tutorial-cleanup: dockdjango down -v -->
<!-- tutorial-images: a:1 b:2 -->

```console
$ echo one
one
$ echo two \\
    three
two three
```

```python
print("not a shell block")
```

<!-- tutorial: engine, exit=1, output -->
```console
$ cat > f <<'EOF'
$ this line is data, not a command
EOF
$ false
```

<!-- tutorial: skip -->
```console
$ sleep 1000
```
"""


def test_blocks_options_and_commands(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text(PAGE)
    page = parse_page(path)
    assert page.cleanup == ["dockdjango down -v"]
    assert page.images == ["a:1", "b:2"]
    first, second, third = page.blocks
    assert first.commands == ["echo one", "echo two \\\n    three"]
    assert (first.engine, first.skip, first.exit_code) == (False, False, 0)
    assert second.commands == [
        "cat > f <<'EOF'\n$ this line is data, not a command\nEOF",
        "false",
    ]
    assert (second.engine, second.exit_code, second.check_output) == (True, 1, True)
    assert first.outputs == ["one\n", "two three\n"]
    assert second.outputs == ["", ""]
    assert third.skip and page.engine


def test_unknown_option_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text("<!-- tutorial: engin -->\n```console\n$ true\n```\n")
    with pytest.raises(ValueError, match="unknown tutorial option 'engin'"):
        parse_page(path)
