"""`news-search serve` (gunicorn, the real app) on a free loopback port: one way to
start it, wait for it and stop it, for the tests (tests/conftest.py imports it) and
the benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """Started at once (`started` is when); `wait_ready()` polls until it answers.
    gunicorn's output goes to `log` (a temporary file unless given), returned by `stop()`."""

    def __init__(self, index: Path, workers: int = 2, log: Path | None = None, env: dict | None = None) -> None:
        """`env`: the server's whole environment (default this process's), plus
        NEWS_SEARCH_INDEX. No --host: it listens where `news-search serve` does by
        default (127.0.0.1), which tests/test_security.py checks."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._own_log = log is None
        if log is None:
            fd, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
            os.close(fd)
            log = Path(name)
        self.log = Path(log)
        self._log_file = self.log.open("w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--index", str(index), "--port", str(self.port),
             "--workers", str(workers)],
            cwd=PROJECT, env={**(os.environ if env is None else env), "NEWS_SEARCH_INDEX": str(index)},
            stdout=self._log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str = "/healthz", params: dict | None = None, timeout: float = 30.0,
                   poll: float = 0.1, request_timeout: float = 1.0) -> float:
        """Seconds from the start until `path` first answers 200; stops the server and
        raises with the end of its log if it exits or does not answer in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self._stop_with_tail()}")
            try:
                if requests.get(self.url + path, params=params, timeout=request_timeout).status_code == 200:
                    return time.perf_counter() - self.started
            except requests.RequestException:
                pass
            time.sleep(poll)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self._stop_with_tail()}")

    def _stop_with_tail(self, lines: int = 20) -> str:
        return "\n".join(self.stop().splitlines()[-lines:])

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> str:
        """SIGTERM (gunicorn's graceful shutdown), kill if it hangs; returns its log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log_file.closed:
            self._log_file.close()
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        if self._own_log:
            self.log.unlink(missing_ok=True)
        return text
