"""`with backend:` for the world's long-lived pieces: start on entry, stop on exit, whatever
happened inside (the harness's services call start/stop themselves)."""

from __future__ import annotations

from typing import Any, Self


class Managed:
    def start(self) -> Any:
        raise NotImplementedError

    def stop(self) -> Any:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
