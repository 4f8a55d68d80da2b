"""The reindex plan (search.ingest.changes): the corpus folder against the manifest, the
same for every backend."""

from __future__ import annotations

import os

from conftest import write
from search.ingest.changes import plan_changes, same_content, touched_entry
from search.ingest.extract import FileResult, scan_corpus


def test_new_changed_kept_and_removed_files(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "kept.txt", "Kept\n\nA story that stays.")
    write(corpus / "touched.txt", "Touched\n\nA story whose file is saved again.")
    write(corpus / "new.txt", "New\n\nA story added since.")
    scan = scan_corpus(corpus)
    old = {
        "kept.txt": {"sig": scan.files["kept.txt"].stat_sig, "hash": "h1", "ids": {"kept": "a"},
                     "problems": [["kept.txt", "a warning", False]]},
        "touched.txt": {"sig": "0:0", "hash": "h2", "ids": {"touched": "b"}},
        "gone.txt": {"sig": "1:1", "hash": "h3", "ids": {"gone": "c", "gone#2": "d"}},
    }
    plan = plan_changes(scan, old, full=False)
    assert sorted(cf.rel for cf in plan.to_read) == ["new.txt", "touched.txt"]
    assert list(plan.kept) == ["kept.txt"] and plan.removed == ["gone.txt"]
    assert [(p.where, p.reason) for p in plan.problems] == [("kept.txt", "a warning")]  # reported again
    assert plan.owners() == {"kept": "kept.txt"}
    full = plan_changes(scan, old, full=True)
    assert len(full.to_read) == 3 and not full.kept and full.removed == ["gone.txt"]


def test_a_touched_file_with_the_same_content_keeps_its_entry_but_its_new_stat(tmp_path):
    path = write(tmp_path / "corpus" / "a.txt", "Title\n\nBody.")
    os.utime(path, ns=(1, 1))
    cf = scan_corpus(tmp_path / "corpus").files["a.txt"]
    old = {"sig": "0:0", "hash": "same", "ids": {"a": "x"}}
    assert same_content(old, FileResult(cf, content_hash="same"))
    assert not same_content(old, FileResult(cf, content_hash="other"))
    assert not same_content(old, FileResult(cf, content_hash=""))  # unreadable: read again next time
    assert not same_content(None, FileResult(cf, content_hash="same"))
    assert touched_entry(old, cf) == {"sig": cf.stat_sig, "hash": "same", "ids": {"a": "x"}}
