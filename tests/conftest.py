"""Shared fixtures: real corpora on disk, the real CLI in a subprocess, gunicorn on a free port."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PROJECT = Path(__file__).resolve().parent.parent
SEED = PROJECT / "corpus" / "000_d1333627a6b9a447.txt"
SEED_META = PROJECT / "corpus" / "000_d1333627a6b9a447.meta.json"
SHARED_DATA = PROJECT.parent / "shared" / "data"


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`news-search ARGS` in a fresh process, as a user would run it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "search", *map(str, args)], cwd=PROJECT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def search_json(index: Path, *args: str) -> dict:
    proc = run_cli("search", "--index", index, "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def ids(result: dict) -> list[str]:
    return [r["id"] for r in result["results"]]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def seed_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    shutil.copy(SEED_META, folder / SEED_META.name)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the real app on a loopback port, as `news-search serve` does."""

    def __init__(self, index: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "NEWS_SEARCH_INDEX": str(index)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--index", str(index), "--port", str(self.port),
             "--workers", str(workers)],
            cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.proc.stdout.read())
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# A small corpus with known countries and dates, plus hostile markup.
ARTICLES = [
    {"id": "havana-trade", "title": "Cuba and Mexico sign a trade pact", "published": "2024-09-20",
     "text": "HAVANA, Sept 20 - Cuba and Mexico signed a trade agreement on Friday. Cuban officials said "
             "Mexican investment in tourism would grow.", "source": "Example Wire"},
    {"id": "seoul-chips", "title": "South Korea chip exports rise", "published": "2024-08-02",
     "text": "SEOUL, Aug 2 - South Korea's semiconductor exports rose for a tenth month, the trade "
             "ministry in Seoul said. Korean chipmakers expect strong demand.", "source": "Example Wire"},
    {"id": "tokyo-rates", "title": "Japan holds interest rates", "published": "2023-03-15",
     "text": "TOKYO, March 15 - The Bank of Japan kept interest rates unchanged. Japanese bond yields fell.",
     "source": "Example Wire"},
    {"id": "paris-strike", "title": "French rail strike disrupts travel", "published": "2022-12-01",
     "text": "PARIS, Dec 1 - A rail strike across France cancelled most trains. French unions said the "
             "strike would continue.", "source": "Example Wire"},
    {"id": "undated-note", "title": "A note on Brazilian coffee",
     "text": "Coffee growers in Brazil expect a larger harvest. Brazilian exporters welcomed the rain."},
    {"id": "xss", "title": "<script>alert('title')</script> Evil <img src=x onerror=alert(1)> headline",
     "published": "2024-09-21",
     "text": "Cuba <script>alert('body')</script> text with <img src=x onerror=alert(2)> markup and "
             "a javascript:alert(3) link about Havana.", "url": "javascript:alert(4)"},
]


def api_corpus(folder: Path) -> Path:
    seed_corpus(folder)
    write(folder / "wire" / "stories.jsonl", "\n".join(json.dumps(a) for a in ARTICLES) + "\n")
    # Enough dated articles for several pages of results for "minister".
    lines = []
    for n in range(25):
        lines.append(json.dumps({"id": f"minister-{n:02d}", "title": f"Minister statement number {n}",
                                 "published": f"2024-07-{n + 1:02d}",
                                 "text": f"PARIS, July {n + 1} - The French minister spoke about item {n}."}))
    write(folder / "wire" / "ministers.jsonl", "\n".join(lines) + "\n")
    return folder


@pytest.fixture
def seed_index(tmp_path: Path) -> tuple[Path, Path]:
    corpus = seed_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    proc = run_cli("index", "--corpus", corpus, "--index", index)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return corpus, index


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Server:
    """The API corpus indexed by the CLI and served by gunicorn for the whole session
    (tests that change the corpus use their own server)."""
    base = tmp_path_factory.mktemp("served")
    corpus = api_corpus(base / "corpus")
    index = base / "index"
    proc = run_cli("index", "--corpus", corpus, "--index", index)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    server = Server(index)
    server.corpus, server.index = corpus, index
    yield server
    server.stop()
