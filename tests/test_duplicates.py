"""Wire copies: detected at index time, collapsed in results with "+N similar"."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT, SEED, Server, api_corpus, run_cli, write
from search.ingest.duplicates import THRESHOLD, resemblance, signature

SEED_ID = "000_d1333627a6b9a447"


def test_signatures_are_stable_across_processes_and_measure_resemblance():
    text = SEED.read_text()
    here = signature(text)
    code = "import sys; from search.ingest.duplicates import signature; print(signature(open(sys.argv[1]).read()).tolist())"
    there = subprocess.run([sys.executable, "-c", code, str(SEED)], cwd=PROJECT, capture_output=True, text=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout
    assert list(here) == eval(there)
    copy = signature(text.replace("Views: 0", "") + "\nThis article first appeared elsewhere.")
    half = signature(text[: len(text) // 2])
    other = signature("Japan's central bank kept interest rates unchanged on Tuesday, citing weak "
                      "consumer spending and a strong yen that hurt exporters across the country.")
    assert resemblance(here, copy) >= 0.9
    assert resemblance(here, half) < THRESHOLD
    assert resemblance(here, other) < 0.1
    assert signature("Too short to judge.") is None


def test_copies_collapse_with_the_right_count(tmp_path):
    corpus = api_corpus(tmp_path / "corpus")
    seed_text = (corpus / SEED.name).read_text()
    write(corpus / "mirror" / "copy-1.txt", "Cuba and South Korea meet\n\n" + seed_text.replace("Views: 0", ""))
    write(corpus / "mirror" / "copy-2.txt", seed_text.replace("In a significant development", "In a major development"))
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    server = Server(index, workers=1)
    try:
        body = server.get("/api/search", params={"q": "permanent representative offices"}).json()
        assert body["total"] == 3 and body["stories"] == 1 and len(body["results"]) == 1
        (hit,) = body["results"]
        assert hit["similar"] == 2
        shown = {hit["id"]} | {a["id"] for a in hit["similar_articles"]}
        assert shown == {SEED_ID, "mirror/copy-1", "mirror/copy-2"}
        # Facets count articles, not stories.
        assert {f["value"]: f["count"] for f in body["facets"]["country"]}["KR"] == 3
        every = server.get("/api/search", params={"q": "permanent representative offices", "collapse": "false"}).json()
        assert len(every["results"]) == 3 and all(r["similar"] == 0 for r in every["results"])
        assert server.get("/api/search", params={"collapse": "maybe"}).status_code == 400
        page = server.get("/", params={"q": "permanent representative offices"}).text
        assert "+2 similar" in page and "3 articles (1 story)" in page

        # A copy added later is recognised through the index's band table.
        write(corpus / "late-copy.txt", seed_text + "\nRepublished with permission.")
        assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
        body = server.get("/api/search", params={"q": "permanent representative offices"}).json()
        assert body["total"] == 4 and body["stories"] == 1 and body["results"][0]["similar"] == 3
        # Unrelated articles stay on their own.
        cuba = server.get("/api/search", params={"q": "cuba", "per_page": 100}).json()
        assert {r["id"] for r in cuba["results"]} >= {"havana-trade", "xss"}
    finally:
        server.stop()


def test_reuters_repeats_are_found():
    from conftest import SHARED_DATA
    import pytest

    if not (SHARED_DATA / "reuters21578").is_dir():
        pytest.skip("../shared/data/reuters21578 is absent: no duplicate-detection measurement")
    out = subprocess.run([sys.executable, "bench/eval_duplicates.py"], cwd=PROJECT, capture_output=True,
                         text=True, timeout=300).stdout
    line = next(l for l in out.splitlines() if "precision" in l).split()
    precision, recall = float(line[1]), float(line[3])
    assert precision >= 0.85 and recall >= 0.95, out
