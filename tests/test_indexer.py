"""The reindex command end to end: a real Whoosh index on disk, the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT, ids, run_cli, search_json, seed_corpus, write
from search.backends.whoosh import store

SEED_ID = "000_d1333627a6b9a447"


@pytest.mark.parametrize("query", ["cuba", "Rodriguez", "rodríguez", "foreign minister",
                                   '"permanent representative offices"', "ministers", "title:cuba"])
def test_seed_is_found(seed_index, query):
    _, index = seed_index
    result = search_json(index, query)
    assert ids(result) == [SEED_ID]
    assert "<mark>" in result["results"][0]["snippet"] or query.startswith("title:")


def test_seed_found_by_country_and_not_by_others(seed_index):
    _, index = seed_index
    assert ids(search_json(index, "--country", "KR")) == [SEED_ID]
    assert ids(search_json(index, "--country", "kr", "cuba")) == [SEED_ID]
    assert ids(search_json(index, "--country", "JP")) == []
    assert ids(search_json(index, '"representative permanent offices"')) == []
    assert ids(search_json(index, "cuba -korea")) == []
    assert ids(search_json(index, "--from", "2024-09-24", "--to", "2024-09")) == [SEED_ID]
    assert ids(search_json(index, "--from", "2024-09-25")) == []


def test_search_by_language_from_the_terminal(seed_index):
    _, index = seed_index
    found = search_json(index, "--language", "en", "--language", "ar", "cuba")
    assert ids(found) == [SEED_ID] and found["results"][0]["lang"] == "en"
    assert [(v["value"], v["label"], v["count"]) for v in found["facets"]["language"]] == [
        ("en", "English", 1), ("ar", "Arabic", 0)]  # both chosen: the one without matches listed too
    assert ids(search_json(index, "--language", "ar", "cuba")) == []
    proc = run_cli("search", "--index", index, "--language", "xx", "cuba")
    assert proc.returncode == 2 and "news-search search: language: 'xx' is not an ISO 639-1" in proc.stderr


def test_search_and_stats_text_output(seed_index):
    _, index = seed_index
    out = run_cli("search", "--index", index, "cuba").stdout
    assert out.startswith("1 results") and SEED_ID in out and "*Cuba*" in out
    stats = run_cli("stats", "--index", index).stdout
    assert "articles:   1" in stats and "2024-09-24 .. 2024-09-24" in stats and "(KR)" in stats


def index(corpus: Path, idx: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = run_cli("index", "--corpus", corpus, "--index", idx, *extra)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def test_add_change_delete_cycle(tmp_path):
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    assert index(corpus, idx).stdout.startswith("indexed 1 new, 0 changed, 0 removed, 0 unchanged, 0 skipped")
    assert index(corpus, idx).stdout.startswith("indexed 0 new, 0 changed, 0 removed, 1 unchanged, 0 skipped")

    write(corpus / "world" / "tokyo.txt", "Japan raises rates\n\nTOKYO - The Bank of Japan raised rates.")
    write(corpus / "feed.jsonl", json.dumps({"id": "f1", "title": "Peru mines", "text": "Lima copper mines reopened."})
          + "\n" + json.dumps({"id": "f2", "title": "Chile wine", "text": "Chilean vineyards grow."}) + "\n")
    assert index(corpus, idx).stdout.startswith("indexed 3 new, 0 changed, 0 removed, 1 unchanged, 0 skipped")
    assert ids(search_json(idx, "rates")) == ["world/tokyo"]

    # Change one article, touch another without changing it, delete a third.
    write(corpus / "world" / "tokyo.txt", "Japan cuts rates\n\nTOKYO - The Bank of Japan cut rates sharply.")
    os.utime(corpus / SEED_ID.join(["", ".txt"]), None)
    write(corpus / "feed.jsonl", json.dumps({"id": "f1", "title": "Peru mines", "text": "Lima copper mines reopened."}) + "\n")
    out = index(corpus, idx).stdout
    assert out.startswith("indexed 0 new, 1 changed, 1 removed, 2 unchanged, 0 skipped"), out
    assert ids(search_json(idx, "sharply")) == ["world/tokyo"]
    assert ids(search_json(idx, "raised")) == []
    assert ids(search_json(idx, "vineyards")) == []

    (corpus / "world" / "tokyo.txt").unlink()
    out = index(corpus, idx).stdout
    assert out.startswith("indexed 0 new, 0 changed, 1 removed, 2 unchanged"), out
    assert ids(search_json(idx, "rates")) == []
    assert search_json(idx)["total"] == 2

    out = index(corpus, idx, "--full").stdout
    assert out.startswith("indexed 0 new, 0 changed, 0 removed, 2 unchanged") and "[full rebuild]" in out
    assert search_json(idx)["total"] == 2
    assert len(list(idx.glob("gen-*"))) <= 2  # the current generation and at most one previous


def test_sidecar_change_reindexes_its_article(tmp_path):
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    index(corpus, idx)
    write(corpus / f"{SEED_ID}.meta.json", json.dumps({"published": "2024-09-25", "title": "Seoul meets Havana"}))
    assert index(corpus, idx).stdout.startswith("indexed 0 new, 1 changed")
    (hit,) = search_json(idx, "havana")["results"]
    assert hit["published"] == "2024-09-25" and hit["title"] == "Seoul meets Havana"


def test_bad_files_are_skipped_with_reasons_and_the_rest_indexed(tmp_path):
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    write(corpus / "empty.txt", b"")
    write(corpus / "binary.txt", bytes(range(256)) * 8)
    write(corpus / "invalid.txt", b"Caf\xe9 \x81\x8d broken")
    write(corpus / "broken.json", "{oops")
    write(corpus / "mixed.jsonl", json.dumps({"id": "good", "title": "Good line", "text": "Nepal tea."})
          + "\n{bad line\n")
    write(corpus / "notes.docx", b"PK")
    write(corpus / ".DS_Store", b"\x00")
    proc = index(corpus, idx)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("indexed 2 new, 0 changed, 0 removed, 0 unchanged, 5 skipped")
    assert "ignored: 1 hidden, 1 unknown extension" in lines[0]
    problems = "\n".join(lines[1:])
    assert "skipped: empty.txt: empty file" in problems
    assert "skipped: binary.txt: binary data, not text" in problems
    assert "skipped: invalid.txt: neither UTF-8 nor windows-1252" in problems
    assert "skipped: broken.json: invalid JSON" in problems
    assert "skipped: mixed.jsonl:2: line 2: invalid JSON" in problems
    assert sorted(ids(search_json(idx, "--sort", "date"))) == [SEED_ID, "good"]
    # Broken files stay reported on later runs until they are fixed.
    again = index(corpus, idx).stdout
    assert "5 skipped" in again.splitlines()[0] and "invalid.txt" in again
    write(corpus / "invalid.txt", "Fixed story\n\nNow valid UTF-8 about Peru.")
    again = index(corpus, idx).stdout
    assert again.startswith("indexed 1 new") and "invalid.txt" not in again


def test_duplicate_ids_are_skipped(tmp_path):
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    write(corpus / "a.txt", "Story A\n\nText A.")
    write(corpus / "a.html", "<html><title>Story A html</title><body><p>Text.</p></body></html>")
    out = index(corpus, idx).stdout
    assert "1 new" in out and "duplicate id 'a'" in out


def test_second_run_while_locked_fails_at_once(tmp_path):
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    with store.Lock(idx):
        start = time.monotonic()
        proc = run_cli("index", "--corpus", corpus, "--index", idx)
        assert time.monotonic() - start < 10
    assert proc.returncode != 0
    assert "already running" in proc.stderr and str(os.getpid()) in proc.stderr
    index(corpus, idx)  # the lock is free again


def test_missing_corpus_is_a_clear_error(tmp_path):
    proc = run_cli("index", "--corpus", tmp_path / "nope", "--index", tmp_path / "index")
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_env_variables_choose_the_folders(tmp_path):
    corpus = seed_corpus(tmp_path / "c")
    env = {"NEWS_SEARCH_CORPUS": str(corpus), "NEWS_SEARCH_INDEX": str(tmp_path / "i")}
    assert run_cli("index", env=env).returncode == 0
    proc = run_cli("search", "--json", "cuba", env=env)
    assert json.loads(proc.stdout)["total"] == 1


def _big_corpus(folder: Path, n: int) -> None:
    lines = [json.dumps({"id": f"bulk-{i}", "title": f"Bulk story {i} about trade",
                         "text": f"Story {i}. " + "Exports of copper and wheat rose sharply this quarter. " * 20})
             for i in range(n)]
    write(folder / "bulk.jsonl", "\n".join(lines) + "\n")


def test_full_rebuild_killed_leaves_a_readable_index(tmp_path):
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    index(corpus, idx)
    _big_corpus(corpus, 4000)
    env = {**os.environ}
    proc = subprocess.Popen([sys.executable, "-m", "search", "index", "--full", "--corpus", str(corpus),
                             "--index", str(idx)], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        old_gen = store.current_dir(idx)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not [p for p in idx.glob("gen-*") if p.resolve() != old_gen]:
            time.sleep(0.02)
        time.sleep(0.5)  # well into reading and writing the new generation
        assert proc.poll() is None, "the full rebuild finished before it could be killed"
        # A second run while the first is active exits at once.
        second = run_cli("index", "--corpus", corpus, "--index", idx)
        assert second.returncode != 0 and "already running" in second.stderr
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert store.current_dir(idx) == old_gen
    assert ids(search_json(idx, "cuba")) == [SEED_ID]  # the old index answers
    out = index(corpus, idx).stdout
    assert out.startswith("indexed 4000 new, 0 changed, 0 removed, 1 unchanged"), out
    assert search_json(idx, "copper")["total"] == 4000


def test_incremental_run_killed_mid_way_then_completes(tmp_path):
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    index(corpus, idx)
    _big_corpus(corpus, 3000)
    proc = subprocess.Popen([sys.executable, "-m", "search", "index", "--corpus", str(corpus), "--index", str(idx)],
                            cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    proc.kill()
    proc.wait()
    assert ids(search_json(idx, "cuba")) == [SEED_ID]
    index(corpus, idx)
    assert search_json(idx)["total"] == 3001
    assert index(corpus, idx).stdout.startswith("indexed 0 new, 0 changed, 0 removed, 3001 unchanged")


def test_files_a_killed_run_was_about_to_rename_are_removed_by_the_next(tmp_path):
    """A run killed while saving the manifest, a segment's facet arrays or the facet
    tables leaves its temporary file (`.name.tmp`); the next run removes it."""
    corpus, idx = seed_corpus(tmp_path / "corpus"), tmp_path / "index"
    index(corpus, idx)
    gen = (idx / "current").resolve()
    stale = [gen / ".manifest.json.tmp", gen / ".MAIN_0123456789abcdef.facets.npz.tmp",
             gen / ".facet-tables-0123.npz.tmp"]
    for p in stale:
        p.write_bytes(b"half written")
    assert index(corpus, idx).stdout.startswith("indexed 0 new, 0 changed, 0 removed, 1 unchanged")
    assert not [p for p in stale if p.exists()]
    assert len(list(gen.glob("facet-tables-*.npz"))) == 1


def test_folder_defaults_change_reindexes_the_articles_below(tmp_path):
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    write(corpus / "archive" / "a.txt", "Copper in Peru\n\nLima mines reopened after the strike.")
    write(corpus / "archive" / "old" / "b.txt", "Wine in Chile\n\nChilean vineyards grow.")
    write(corpus / "other.txt", "Rates in Japan\n\nThe Bank of Japan cut rates.")
    index(corpus, idx)
    write(corpus / "archive" / "_defaults.meta.json", json.dumps({"published": "2024-09-24", "source": "The Archive"}))
    out = index(corpus, idx).stdout
    assert out.startswith("indexed 0 new, 2 changed, 0 removed, 1 unchanged, 0 skipped"), out
    hits = {h["id"]: h for h in search_json(idx, "--sort", "date")["results"]}
    assert hits["archive/a"]["published"] == hits["archive/old/b"]["published"] == "2024-09-24"
    assert hits["archive/a"]["source"] == "The Archive" and hits["other"]["published"] is None

    write(corpus / "archive" / "_defaults.meta.json", json.dumps({"published": "2023-01-05"}))
    assert index(corpus, idx).stdout.startswith("indexed 0 new, 2 changed, 0 removed, 1 unchanged")
    assert {h["published"] for h in search_json(idx, "chilean")["results"]} == {"2023-01-05"}
    (corpus / "archive" / "_defaults.meta.json").unlink()
    assert index(corpus, idx).stdout.startswith("indexed 0 new, 2 changed, 0 removed, 1 unchanged")
    assert {h["published"] for h in search_json(idx, "chilean")["results"]} == {None}
