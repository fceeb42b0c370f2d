"""Save -> result latency of `python -m harness watch`: saves a file 10 times in a copy of the
beginner starter and times each save until the watcher prints its static-tier line.

    python scripts/bench_watch.py [--saves 10]
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kata-bench-watch-") as tmp:
        project = Path(tmp) / "beginner"
        shutil.copytree(ROOT / "exercises" / "beginner", project)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "KATA_STATE_DIR": str(Path(tmp) / "s")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "harness", "watch", "beginner", "--path", str(project)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        lines: queue.Queue[tuple[float, str]] = queue.Queue()
        assert proc.stderr is not None
        stream = proc.stderr

        def pump() -> None:
            for line in stream:
                lines.put((time.monotonic(), line))

        threading.Thread(target=pump, daemon=True).start()

        def wait_for(text: str, timeout: float = 30) -> float:
            deadline = time.monotonic() + timeout
            while True:
                stamp, line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
                if text in line:
                    return stamp

        try:
            wait_for("watching")
            latencies = []
            target = project / "requirements.txt"
            original = target.read_text()
            for i in range(args.saves):
                time.sleep(0.3)  # let the previous run settle
                start = time.monotonic()
                target.write_text(original + f"# save {i}\n")
                latencies.append(wait_for("changed:") - start)
        finally:
            proc.kill()
            proc.wait()
    ms = [1000 * x for x in latencies]
    print("save -> static results (ms):", ", ".join(f"{x:.0f}" for x in ms))
    print(f"median of {len(ms)} saves: {statistics.median(ms):.0f} ms (max {max(ms):.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
