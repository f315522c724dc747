"""The CLI reference in Markdown, generated from the argparse parser itself.

The docs site's ``reference/cli.md`` is filled in by this module at build time (see
``docs/hooks/cli_reference.py``), so the reference lists exactly the commands, options and
examples that ``dockdjango --help`` shows and cannot go stale.
"""

from __future__ import annotations

import argparse

from dockdjango.cli import build_parser


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def command_help(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each command's one-line help, by name, in the order ``--help`` lists them."""
    sub = _subparsers(parser)
    if sub is None:
        return {}
    return {a.dest: a.help or "" for a in sub._choices_actions}


def _help_text(parser: argparse.ArgumentParser) -> str:
    # A fixed width keeps the generated page identical on every machine and terminal.
    formatter = parser.formatter_class(prog=parser.prog, width=88)  # type: ignore[call-arg]
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    formatter.add_text(parser.description)
    for group in parser._action_groups:
        formatter.start_section(group.title)
        formatter.add_text(group.description)
        formatter.add_arguments(group._group_actions)
        formatter.end_section()
    formatter.add_text(parser.epilog)
    return formatter.format_help().rstrip()


def render_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """Markdown for every command: a table of contents, then each command's full ``--help``."""
    parser = parser or build_parser()
    sub = _subparsers(parser)
    helps = command_help(parser)
    lines = [
        "## dockdjango",
        "",
        "```text",
        _help_text(parser),
        "```",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    lines += [f"| [`{name}`](#{name}) | {text} |" for name, text in helps.items()]
    lines.append("")
    if sub is not None:
        for name in helps:
            command = sub.choices[name]
            lines += [f"## {name}", "", "```text", _help_text(command), "```", ""]
            nested = _subparsers(command)  # `db snapshot`, `db restore` ...
            for inner in command_help(command) if nested is not None else {}:
                text = _help_text(nested.choices[inner])  # type: ignore[union-attr]
                lines += [f"### {name} {inner}", "", "```text", text, "```", ""]
    return "\n".join(lines)
