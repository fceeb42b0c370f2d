"""Watch mode reacts to a save by re-running the static tier (no timings asserted here:
scripts/bench_watch.py measures the latency)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from tests.conftest import ROOT
from tests.grading.helpers import solution


class Lines:
    """The watcher's stderr, read on a thread so waits can time out."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: TextIO) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen within {timeout} s:\n" + "".join(self.seen))


def test_watch_reruns_the_static_tier_on_save(tmp_path: Path) -> None:
    project = solution(tmp_path / "mine")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "KATA_STATE_DIR": str(tmp_path / "state")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "watch", "beginner", "--path", str(project)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        out = Lines(proc)
        assert "11/11 checks pass (start" in out.wait_for("static tier:")
        out.wait_for("watching")
        dockerfile = project / "Dockerfile"
        dockerfile.write_text(dockerfile.read_text().replace("USER 10001", "USER root"))
        out.wait_for("FAIL  dockerfile.non-root")
        assert "changed: Dockerfile" in out.wait_for("static tier:")
        assert proc.stdin is not None
        proc.stdin.write("q\n")
        proc.stdin.flush()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
