"""A torture corpus: every good article is indexed, every bad file is skipped with a
reason, and the run finishes in bounded time."""

from __future__ import annotations

import gzip
import json
import os
import time

from conftest import ids, run_cli, search_json, write

GOOD = "Good story {n}\n\nZanzibar clove exports rose in week {n}, traders in Stone Town said on Monday."


def test_torture_corpus(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    good = {
        "plain": "plain.txt",
        "name with spaces": "name with spaces.txt",
        "non-ascii-é-中": "non-ascii-é-中.txt",
        "line\nbreak": "line\nbreak.txt",
        "deep/down/inside": "deep/down/inside.txt",
    }
    for n, (aid, name) in enumerate(good.items()):
        write(corpus / name, GOOD.format(n=n))
    write(corpus / "utf16.txt", GOOD.format(n=90).encode("utf-16"))
    write(corpus / "page.html.gz", gzip.compress(f"<html><title>Zipped page</title><body><p>{GOOD.format(n=91)}</p>"
                                                 f"</body></html>".encode()))
    write(corpus / "feed.jsonl", json.dumps({"id": "j1", "title": "Line one", "text": GOOD.format(n=92)})
          + "\n{broken\n\x00\xff\n" + json.dumps({"id": "j2", "title": "Line four", "text": GOOD.format(n=93)}) + "\n")
    bad = {
        "empty.txt": b"",
        "binary.txt": os.urandom(4096).replace(b"\xff\xfe", b"ab") + b"\x00" * 10,
        "latin1.txt": "Caf\xe9 au lait in Zanzibar".encode("latin-1"),
        "deep.html": ("<html><body>" + "<div>" * 100_000 + "</div>" * 100_000 + "</body></html>").encode(),
        "broken.json": b"{\"title\": ",
        "notgzip.html.gz": b"this is not gzip",
    }
    for name, data in bad.items():
        write(corpus / name, data)
    write(corpus / "attr.html", '<html><title>Attr</title><body><p x="' + "a" * 10_000_000 + '">Zanzibar</p></body></html>')
    with open(corpus / "huge.txt", "wb") as f:  # sparse: 200 MB on paper, nothing to read
        f.truncate(200 * 1024 * 1024)
    os.symlink(corpus, corpus / "loop")  # a folder link back to the root
    os.symlink(corpus / "missing.txt", corpus / "dangling.txt")

    start = time.monotonic()
    proc = run_cli("index", "--corpus", corpus, "--index", index, timeout=120)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 60
    lines = proc.stdout.splitlines()
    summary, problems = lines[0], "\n".join(lines[1:])
    found = set(ids(search_json(index, "zanzibar", "--limit", "100")))
    assert set(good) | {"utf16", "page", "j1", "j2"} <= found
    for name in ("empty.txt", "binary.txt", "latin1.txt", "broken.json", "notgzip.html.gz", "huge.txt",
                 "dangling.txt"):
        assert f": {name}: " in problems, name
    assert "too large" in problems and "feed.jsonl:2" in problems and "feed.jsonl:3" in problems
    # Every problem line names a file and a reason; names with a line break stay on one line.
    for line in lines[1:]:
        assert line.startswith(("skipped: ", "warning: ")) and ": " in line[9:]
