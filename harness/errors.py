"""Errors that end a run early with a clear, one-paragraph message instead of a traceback."""


class KataError(Exception):
    """Base for errors the harness explains to the user."""

    exit_code = 2


class UsageError(KataError):
    """The user asked for something that cannot be done (bad path, bad option)."""


class HarnessError(KataError):
    """Something the harness needs is missing or broke; the message says what to do."""
