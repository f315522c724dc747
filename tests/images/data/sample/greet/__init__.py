"""The sample's own package (the 'source' a test edits)."""


def message() -> str:
    """The greeting."""
    return "hello from the sample"
