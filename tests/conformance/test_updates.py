"""Incremental updates through Backend.update: files added, changed and removed (and
records inside a file), the Summary's counts, the generation, and searches that see
the change at once, from the writing backend and from one opened before the update.
Each check builds its own small index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import MAX_BYTES, open_for_checks
from .corpus import BY_ID, HAVANA_TEXT, record
from .support import every, id_set, ids, search

BASE = ["havana-trade", "havana-hotels", "seoul-chips", "budget-01", "budget-02", "berlin-wall"]


def base_articles() -> list[dict]:
    return [BY_ID[i] for i in BASE]


def write_records(path: Path, records: list[dict]) -> Path:
    """Write (or rewrite) a JSON Lines file so that the next update cannot miss it:
    a rewrite always gets a later modification time."""
    before = path.stat().st_mtime_ns if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record(r)) + "\n" for r in records), encoding="utf-8")
    if before is not None and path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(before + 10**9, before + 10**9))
    return path


def counts(summary) -> tuple[int, int, int]:
    return summary.new, summary.changed, summary.removed


@pytest.fixture
def indexed(fresh):
    return fresh(base_articles())


@pytest.fixture
def reader(indexed, backend_name):
    """A second backend over the same index, opened and used before the update (a web
    worker, say): it must see each update too."""
    other = open_for_checks(backend_name, indexed.index)
    assert other.health()["articles"] == len(BASE)
    yield other
    other.close()


def test_first_update_and_an_update_with_nothing_to_do(indexed):
    assert counts(indexed.summary) == (len(BASE), 0, 0)
    generation = indexed.backend.generation()
    summary = indexed.update()
    assert counts(summary) == (0, 0, 0)
    assert summary.line().startswith("indexed 0 new, 0 changed, 0 removed")
    assert indexed.backend.generation() == generation  # nothing changed, same index state


def test_added_file(indexed, reader):
    before = indexed.backend.generation()
    (indexed.corpus / "world").mkdir()
    (indexed.corpus / "world" / "giraffes.txt").write_text(
        "Giraffes counted in Tanzania\n\nDODOMA, March 3 - Rangers counted more giraffes in Tanzania "
        "this year.\n", encoding="utf-8")
    write_records(indexed.corpus / "more.jsonl", [BY_ID["tokyo-rates"]])
    summary = indexed.update()
    assert counts(summary) == (2, 0, 0)
    assert summary.line().startswith("indexed 2 new, 0 changed, 0 removed")
    for backend in (indexed.backend, reader):
        assert backend.generation() != before
        assert ids(search(backend, q="giraffes")) == ["world/giraffes"]
        assert ids(search(backend, q="interest rates")) == ["tokyo-rates"]
        assert backend.health()["articles"] == len(BASE) + 2
        assert backend.article("world/giraffes")["countries"] == ["TZ"]
        assert {v.value: v.count for v in search(backend).facets["country"]}["TZ"] == 1


def test_changed_record(indexed, reader):
    before = indexed.backend.generation()
    changed = dict(BY_ID["seoul-chips"], title="Japan chip exports fall",
                   text="TOKYO, Aug 2 - Japanese semiconductor exports fell, the trade ministry said.")
    records = [changed if r["id"] == "seoul-chips" else r for r in base_articles()]
    write_records(indexed.corpus / "stories.jsonl", records)
    assert counts(indexed.update()) == (0, 1, 0)
    for backend in (indexed.backend, reader):
        assert backend.generation() != before
        assert search(backend, q="chipmakers").total == 0  # the old words are gone
        assert ids(search(backend, q="japanese semiconductor")) == ["seoul-chips"]
        assert backend.article("seoul-chips")["title"] == "Japan chip exports fall"
        assert backend.article("seoul-chips")["countries"] == ["JP"]
        assert id_set(every(backend, country="JP")) == {"seoul-chips"}
        assert search(backend, country="KR").total == 0
        assert backend.health()["articles"] == len(BASE)


def test_changed_date(indexed):
    moved = dict(BY_ID["berlin-wall"], published="2024-12-24")
    write_records(indexed.corpus / "stories.jsonl",
                  [moved if r["id"] == "berlin-wall" else r for r in base_articles()])
    assert counts(indexed.update()) == (0, 1, 0)
    assert ids(search(indexed.backend, sort="date", per_page=1)) == ["berlin-wall"]
    assert id_set(every(indexed.backend, to="2023")) == set()
    assert indexed.backend.stats()["first_day"] == "2024-04-01"


def test_removed_file(indexed, reader):
    extra = write_records(indexed.corpus / "extra.jsonl", [BY_ID["tokyo-rates"], BY_ID["paris-strike"]])
    assert counts(indexed.update()) == (2, 0, 0)
    before = indexed.backend.generation()
    extra.unlink()
    summary = indexed.update()
    assert counts(summary) == (0, 0, 2)
    for backend in (indexed.backend, reader):
        assert backend.generation() != before
        assert search(backend, q="interest rates").total == 0
        assert search(backend, q="strike").total == 0
        assert backend.article("tokyo-rates") is None
        assert backend.related("paris-strike") is None
        assert backend.health()["articles"] == len(BASE)
        assert "FR" not in {v.value for v in search(backend).facets["country"]}


def test_removed_record_in_a_kept_file(indexed):
    write_records(indexed.corpus / "stories.jsonl", [r for r in base_articles() if r["id"] != "budget-02"])
    assert counts(indexed.update()) == (0, 0, 1)
    assert id_set(every(indexed.backend, q="budget")) == {"budget-01"}
    assert indexed.backend.article("budget-02") is None


def test_wire_copy_added_later_joins_the_story(indexed):
    before = search(indexed.backend, q="tourism")
    assert (before.total, before.stories) == (2, 2)
    copy = {"id": "late-copy", "title": "Cuba and Mexico sign a trade pact", "published": "2024-09-22",
            "text": HAVANA_TEXT, "source": "Late Wire", "countries": ["CU", "MX"]}
    write_records(indexed.corpus / "late.jsonl", [copy])
    assert counts(indexed.update()) == (1, 0, 0)
    after = search(indexed.backend, q="tourism")
    assert (after.total, after.stories) == (3, 2)
    (hit,) = [h for h in after.hits if h.id in {"havana-trade", "late-copy"}]
    assert hit.similar == 1
    assert {hit.id, hit.similar_articles[0]["id"]} == {"havana-trade", "late-copy"}
    # Rewritten as another story, it leaves the group.
    write_records(indexed.corpus / "late.jsonl", [dict(copy, text=BY_ID["nickel-mine"]["text"] * 3)])
    assert counts(indexed.update()) == (0, 1, 0)
    result = search(indexed.backend, q="cuba")
    assert result.total == result.stories


def test_full_rebuild(indexed):
    query = ids(every(indexed.backend, q="cuba OR budget"))
    before = indexed.backend.generation()
    summary = indexed.backend.update(indexed.corpus, full=True, max_bytes=MAX_BYTES)
    # Nothing changed: whether a rebuilt article counts as new or unchanged is the backend's choice.
    assert (summary.changed, summary.removed) == (0, 0) and summary.new in (0, len(BASE))
    assert indexed.backend.generation() != before
    assert ids(every(indexed.backend, q="cuba OR budget")) == query
    assert indexed.backend.health()["articles"] == len(BASE)
