"""The wait strategies, without Docker: a local HTTP server thread, a socket, a child process."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import waits
from harness.errors import HarnessError


def test_returns_the_first_answer_and_polls_until_then() -> None:
    calls = iter([None, False, None, "ready"])
    assert waits.wait_until(lambda: next(calls), timeout_s=5, interval_s=0.001, what="x") == "ready"


def test_timeout_names_what_the_limit_and_the_last_error() -> None:
    def probe() -> bool:
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(waits.WaitTimeout) as caught:
        waits.wait_until(probe, timeout_s=0.05, interval_s=0.01, what="the widget")
    message = str(caught.value)
    assert "the widget" in message and "0.05s" in message
    assert "ConnectionRefusedError: nobody home" in message
    assert isinstance(caught.value, HarnessError)


def test_probe_runs_once_even_with_no_time() -> None:
    assert waits.wait_until(lambda: True, timeout_s=0, what="x") is True


def test_other_exceptions_propagate_at_once() -> None:
    def probe() -> bool:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        waits.wait_until(probe, timeout_s=5, what="x")


def test_abort_ends_the_wait_with_its_reason() -> None:
    started = time.monotonic()
    with pytest.raises(waits.WaitAborted, match="stopped waiting for x: it died"):
        waits.wait_until(lambda: None, timeout_s=30, what="x", abort=lambda: "it died")
    assert time.monotonic() - started < 1


def test_succeeds_within_answers_a_bool() -> None:
    assert waits.succeeds_within(lambda: 1, timeout_s=0.1)
    assert not waits.succeeds_within(lambda: None, timeout_s=0.05, interval_s=0.01)
    assert not waits.succeeds_within(lambda: None, timeout_s=5, abort=lambda: "gone")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 200 if self.path == "/ok" else 401
        if self.headers.get("X-Want") == "teapot":
            code = 418
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_http_ok(server: str) -> None:
    response = waits.wait_until(waits.http_ok(f"{server}/ok"), timeout_s=5)
    assert response.status_code == 200
    assert waits.wait_until(waits.http_ok(f"{server}/v2/", status=401), timeout_s=5)
    teapot = waits.http_ok(f"{server}/ok", status=(418,), headers={"X-Want": "teapot"})
    assert waits.wait_until(teapot, timeout_s=5).status_code == 418
    with pytest.raises(waits.WaitTimeout, match=r"HTTP 200 from .*/nope"):
        waits.wait_until(waits.http_ok(f"{server}/nope"), timeout_s=0.1, interval_s=0.02)


def test_http_ok_retries_a_refused_connection() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(waits.WaitTimeout, match="ConnectError"):
        waits.wait_until(waits.http_ok(url), timeout_s=0.1, interval_s=0.02)


def test_port_open_and_greets() -> None:
    port = free_port()
    assert not waits.succeeds_within(waits.port_open("127.0.0.1", port), timeout_s=0.05)
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen()

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            conn.sendall(b"SSH-2.0-test\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        assert waits.wait_until(waits.port_open("127.0.0.1", port), timeout_s=5)
        assert waits.wait_until(waits.greets("127.0.0.1", port, b"SSH-"), timeout_s=5)
    finally:
        listener.close()


def test_log_line_from_a_callable() -> None:
    lines: list[str] = []

    def later() -> None:
        time.sleep(0.05)
        lines.append("starting")
        lines.append("listening on port 8080")

    threading.Thread(target=later, daemon=True).start()
    found = waits.wait_until(
        waits.log_line(lambda: "\n".join(lines), r"listening on port (\d+)"),
        timeout_s=5,
        interval_s=0.01,
    )
    assert found.group(1) == "8080"


class FakeContainer:
    name = "kata-test"

    def __init__(self, states: list[dict[str, Any]], log: bytes = b"") -> None:
        self._states = states
        self.attrs: dict[str, Any] = {}
        self._log = log

    def reload(self) -> None:
        self.attrs = {"State": self._states.pop(0) if len(self._states) > 1 else self._states[0]}

    def logs(self) -> bytes:
        return self._log


def test_log_line_from_a_container() -> None:
    container = FakeContainer([{}], log=b"a\nServer ready\n")
    assert waits.wait_until(waits.log_line(container, "ready"), timeout_s=1).group(0) == "ready"


def test_health_status_and_container_exited() -> None:
    container = FakeContainer(
        [{"Health": {"Status": "starting"}}, {"Health": {"Status": "healthy"}}]
    )
    assert waits.wait_until(waits.health_status(container), timeout_s=5, interval_s=0.01)
    dead = FakeContainer([{"Status": "exited", "ExitCode": 3, "Health": {"Status": "starting"}}])
    with pytest.raises(waits.WaitAborted, match="kata-test exited with code 3"):
        waits.wait_until(waits.health_status(dead), timeout_s=5, abort=waits.container_exited(dead))
    with pytest.raises(HarnessError, match="no HEALTHCHECK"):
        waits.wait_until(waits.health_status(FakeContainer([{}])), timeout_s=1)


def test_process_exited_and_file_exists(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])
    proc.wait()
    target = tmp_path / "ready"
    with pytest.raises(waits.WaitAborted, match="exited with code 4"):
        waits.wait_until(waits.file_exists(target), timeout_s=5, abort=waits.process_exited(proc))
    target.touch()
    assert waits.wait_until(waits.file_exists(target), timeout_s=1) == target
    assert waits.process_exited(None)() == "the process is not running"
