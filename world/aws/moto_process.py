"""moto in a child process of its own, one per run.

moto keeps its state in process-wide backends, so two runs sharing one process would see
each other's VPCs and instances. A child process per run isolates them (and lets a run
kill an emulator that hangs). `python -m world.aws.moto_process PORT` serves until
killed.
"""

from __future__ import annotations

import subprocess
import sys
import time

from .emulator import DEFAULT_REGION, EmulatorUnavailable, MotoEmulator, _EmulatorBase, free_port


class MotoProcessEmulator(_EmulatorBase):
    def __init__(self, region: str = DEFAULT_REGION, port: int = 0) -> None:
        self.region = region
        self.port = port
        self.endpoint = ""
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        if self._proc is not None:
            return
        self.port = self.port or free_port()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "world.aws.moto_process", str(self.port), self.region],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.endpoint = f"http://127.0.0.1:{self.port}"
        assert self._proc.stdout is not None
        # The child prints one line once moto listens and the kata AMIs are seeded.
        line = self._proc.stdout.readline().decode().strip()
        if line != "ready":
            self.stop()
            raise EmulatorUnavailable(f"the moto emulator did not start ({line or 'no output'})")

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None

    def reset(self) -> None:
        self.stop()
        self.start()


def _serve(port: int, region: str) -> None:
    MotoEmulator(region=region, port=port).start()  # seeds the kata AMIs in this process
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else DEFAULT_REGION)
