"""The index writer itself (Backend.writer): add, replace (delete then add), delete and
commit, seen by readers only once committed, and cancel leaving the index as it was.
The reindex command drives it (search.core.reindex); a tool that brings articles in
some other way may too, keeping the manifest of files it returns."""

from __future__ import annotations

from datetime import date

import pytest

from search.core.backend import IndexLocked
from search.ingest.article import Article

from .support import ids, search


def entry(*articles: Article) -> dict:
    return {"sig": "0:0", "hash": "h-" + "-".join(a.content_hash[:6] for a in articles),
            "ids": {a.id: a.content_hash for a in articles}}


def article(aid: str, text: str, path: str = "feed/a.txt") -> Article:
    return Article(id=aid, title=f"Port report {aid}", text=text, published=date(2025, 3, 4),
                   countries=["PT"], source="Writer Test", path=path)


def test_add_replace_delete_through_the_writer(fresh):
    indexed = fresh([])
    backend = indexed.backend
    one = article("w1", "Lisbon harbour reopened after the storm, the port authority said.")
    two = article("w2", "Fishermen counted damaged boats along the river.")
    with backend.writer() as writer:
        files = dict(writer.files)
        writer.add(one, file_sig="0:0#a")
        writer.add(two, file_sig="0:0#a")
        assert search(backend, q="harbour").total == 0  # nothing seen before the commit
        files["feed/a.txt"] = entry(one, two)
        writer.commit(files)
    assert ids(search(backend, q="harbour", sort="date")) == ["w1"]
    assert search(backend, q="fishermen").total == 1
    first = backend.generation()

    changed = article("w1", "Lisbon harbour stays closed for dredging, the port authority said.")
    with backend.writer() as writer:  # a replace: the file's articles go, its new ones come
        files = dict(writer.files)
        writer.delete("feed/a.txt", files["feed/a.txt"]["ids"])
        writer.add(changed, file_sig="0:0#b")
        files["feed/a.txt"] = entry(changed)
        writer.commit(files)
    assert backend.generation() != first
    assert ids(search(backend, q="dredging")) == ["w1"]
    assert search(backend, q="reopened").total == 0 and search(backend, q="fishermen").total == 0

    with backend.writer() as writer:
        files = dict(writer.files)
        writer.delete("feed/a.txt", files.pop("feed/a.txt")["ids"])
        writer.commit(files)
    assert search(backend, q="harbour").total == 0
    assert backend.article("w1") is None


def test_a_cancelled_writer_leaves_the_index_as_it_was(fresh):
    indexed = fresh()
    backend = indexed.backend
    before, total = backend.generation(), search(backend).total
    with backend.writer() as writer:
        writer.add(article("w9", "A story that is never committed about a lighthouse."), file_sig="0:0#c")
        for rel, held in list(writer.files.items())[:2]:
            writer.delete(rel, held["ids"])
        writer.cancel()
    assert backend.generation() == before
    assert search(backend).total == total and search(backend, q="lighthouse").total == 0
    assert indexed.update().new == 0  # and the next reindex finds nothing to do


def test_one_writer_at_a_time(fresh):
    backend = fresh([]).backend
    with backend.writer():
        with pytest.raises(IndexLocked):
            with backend.writer():
                pass
