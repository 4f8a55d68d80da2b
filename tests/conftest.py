"""Shared fixtures: real corpora on disk, the real CLI in a subprocess, gunicorn on a free port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.server import Server as ServerProcess
from harness.sphinx_cluster import live_cluster

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


@pytest.fixture(scope="session")
def sphinx_cluster(tmp_path_factory):
    """A live 2-shard + front Sphinx cluster for the whole session (harness/sphinx_cluster.py)."""
    with live_cluster(tmp_path_factory.mktemp("sphinx-cluster")) as cluster:
        yield cluster


def seed_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    shutil.copy(SEED_META, folder / SEED_META.name)
    return folder




class Server(ServerProcess):
    """gunicorn serving the real app on a loopback port, as `news-search serve` does,
    ready (its /healthz answered) once constructed."""

    def __init__(self, index: Path, workers: int = 2, **kwargs) -> None:
        super().__init__(index, workers, **kwargs)
        self.wait_ready()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; .ci/run installs it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Run in every document before the page's own code: keep CSP violation reports where tests can read them.
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
"""


@pytest.fixture(scope="module")
def chromium():
    """Chromium driven by Playwright, one per test module; skips, saying why, when
    either is missing (the README's commands do not install Chromium)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}, which does not exist")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"browser tests need the playwright package ({exc})")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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
    # Its body starts with its headline, as extracted pages often do (the article page drops it).
    {"id": "undated-note", "title": "A note on Brazilian coffee",
     "text": "A note on Brazilian coffee\n\nCoffee growers in Brazil expect a larger harvest. Brazilian exporters "
             "welcomed the rain."},
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
