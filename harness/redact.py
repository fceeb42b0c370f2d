"""Keeps secrets out of everything the harness prints or writes."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"


class Redactor:
    """Replaces every registered secret value (and its common encodings) with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        for value in secrets:
            self.add(value)

    def add(self, value: str) -> None:
        if len(value) >= 4:  # masking very short strings would shred ordinary output
            self._values.add(value)
        if "\n" in value:  # logs come line by line: mask each line of a multi-line secret
            # (a private key), as GitHub does; its framing lines are no secret
            for line in value.splitlines():
                if len(line.strip()) >= 8 and not line.startswith("-----"):
                    self._values.add(line.strip())

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __contains__(self, text: str) -> bool:
        return any(v in text for v in self._values)
