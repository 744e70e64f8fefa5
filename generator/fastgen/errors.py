"""The one error type the CLI reports as a single line."""


class FastgenError(Exception):
    """A problem with the user's input or environment, reported as one line and a non-zero exit."""
