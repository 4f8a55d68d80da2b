"""The vectorised search path (search/backends/whoosh/arrays.py, numpy facets) against Whoosh's own
matchers: same matches, same totals and facets, same top results in the same order,
on random queries over a real multi-segment index with deleted documents."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import write
from search.backends.whoosh.parse import user_query
from search.core.request import SearchRequest
from search.backends.whoosh.engine import WhooshBackend

WORDS = ("oil price market bank rate trade export coffee wheat gold copper dollar yen "
         "minister talks strike shares profit loss deal tax budget growth").split()
RARE = ["zinc", "cocoa", "tin", "rubber", "sugar", "lead", "nickel", "palm"]
COUNTRIES = ["France", "Japan", "Brazil", "Canada", "Kenya", "Norway", "Chile", "Egypt"]
CODES = ["FR", "JP", "BR", "CA", "KE", "NO", "CL", "EG"]


def _article(rng: random.Random, n: int) -> tuple[str, dict]:
    # Skewed word frequencies: a few words in most articles, many rare ones; repeated
    # articles (wire copies) give exact score ties.
    words = [rng.choice(WORDS[: rng.choice((3, 8, len(WORDS)))]) for _ in range(rng.randint(5, 60))]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words) + 1), rng.choice(RARE))
    place = rng.choice(COUNTRIES)
    title = " ".join(rng.sample(WORDS, 3)).capitalize()
    text = f"{place.upper()}, March 3 - " + " ".join(words) + f". Officials in {place} said."
    meta = {"published": f"1987-0{rng.randint(1, 6)}-{rng.randint(10, 28)}"} if rng.random() < 0.9 else {}
    return f"{title}\n\n{text}\n", meta


def _write_batch(corpus: Path, rng: random.Random, start: int, count: int) -> None:
    for n in range(start, start + count):
        body, meta = _article(rng, n)
        if n % 17 == 0 and n > start:
            body = (corpus / f"a{n - 1:04d}.txt").read_text()  # a wire copy of the previous one
        write(corpus / f"a{n:04d}.txt", body)
        if meta:
            write(corpus / f"a{n:04d}.meta.json", json.dumps(meta))


def _two_segments(corpus: Path, index: Path, rng: random.Random, first: int, then: int) -> None:
    """A full build of `first` articles, then an incremental run adding `then` more."""
    _write_batch(corpus, rng, 0, first)
    WhooshBackend(index).update(corpus, full=True, max_bytes=10**7)
    _write_batch(corpus, rng, first, then)
    WhooshBackend(index).update(corpus, max_bytes=10**7)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("arrays")
    corpus, index = base / "corpus", base / "index"
    rng = random.Random(7)
    _two_segments(corpus, index, rng, 250, 120)
    for n in range(0, 250, 9):  # deletions in the first segment
        (corpus / f"a{n:04d}.txt").unlink()
    for n in range(5, 250, 23):  # changes: deleted in their segment, added in a new one
        body, _ = _article(rng, n)
        write(corpus / f"a{n:04d}.txt", body)
    WhooshBackend(index).update(corpus, max_bytes=10**7)
    return index


def _random_params(rng: random.Random) -> dict:
    w = lambda: rng.choice(WORDS)  # noqa: E731
    r = lambda: rng.choice(RARE)  # noqa: E731
    q = rng.choice([
        f"{r()} {r()}", f"{w()} {r()} {r()}", f"{w()} {w()} {r()} {w()} {r()}", f"{r()} {r()} -{w()}",
        w(), f"{w()} {w()}", f"{w()} {w()} {w()}", f"{w()} OR {w()}", f"{w()} -{w()}",
        f"title:{w()}", f"{w()} ({w()} OR {w()})", f"{w()} NOT {w()}", "", f"{w()} OR {w()} OR {w()}",
        f'"{w()} {w()}"', f'"{w()} {w()} {w()}"', f'{w()} "{w()} {w()}"~3', f'title:"{w()} {w()}"',
        f'{w()} -"{w()} {w()}"', f'"{w()} {w()}" OR "{w()} {r()}"', f'{w()} "{w()} {w()}"',
    ])
    params = {"q": [q]} if q else {}
    if rng.random() < 0.3:
        params["country"] = rng.sample(CODES, rng.randint(1, 2))
    if rng.random() < 0.3:
        params["from"] = [f"1987-0{rng.randint(1, 3)}-01"]
        params["to"] = [f"1987-0{rng.randint(4, 6)}-15"]
    params["sort"] = [rng.choice(["relevance", "relevance", "date", "date_asc"])]
    params["page"] = [str(rng.choice([1, 1, 2, 3]))]
    params["collapse"] = [rng.choice(["true", "false"])]
    return params


def _marks(snippet: str) -> set[str]:
    return set(re.findall(r"<mark>(.*?)</mark>", snippet or ""))


def test_vectorised_answers_equal_whooshs_on_random_queries(index):
    fast, plain = WhooshBackend(index), WhooshBackend(index, vectorised=False)
    assert len(fast.searcher().reader().leaf_readers()) >= 2 and fast.searcher().reader().has_deletions()
    rng = random.Random(1987)
    compared = with_hits = relaxed = phrases_compared = 0
    for _ in range(300):
        params = _random_params(rng)
        request = SearchRequest.from_params(params)
        a, b = fast.search(request).to_dict(), plain.search(request).to_dict()
        for r in (a, b):
            r.pop("took_ms", None)
        assert a["total"] == b["total"], params
        assert a["facets"] == b["facets"], params
        assert a.get("stories") == b.get("stories"), params
        assert [h["id"] for h in a["results"]] == [h["id"] for h in b["results"]], params
        phrase = '"' in params.get("q", [""])[0]
        for x, y in zip(a["results"], b["results"]):
            if x["score"] is not None:
                assert x["score"] == pytest.approx(y["score"], rel=1e-9)
            if phrase:
                # Whoosh marks a phrase's word wherever its term matcher happens to
                # stand on the document, even when that phrase is not in it; ours only
                # where the phrase matches: a subset of Whoosh's marks.
                assert _marks(x["snippet"]) <= _marks(y["snippet"]), params
                x = {**x, "snippet": y["snippet"]}
                phrases_compared += 1
            assert x == {**y, "score": x["score"]}, params
        compared += 1
        with_hits += bool(a["results"])
        relaxed += bool(a.get("relaxed"))
    assert compared == 300 and with_hits > 150 and relaxed >= 5 and phrases_compared > 50, \
        (with_hits, relaxed, phrases_compared)
    fast.close()
    plain.close()


def test_the_vectorised_path_is_the_one_taken(index):
    """Guards the comparison above: word and phrase queries really go through numpy,
    wildcards and fuzzy terms really through Whoosh."""
    from search.backends.whoosh.arrays import Unsupported

    engine = WhooshBackend(index)
    arrays = engine.arrays(engine.searcher())
    assert arrays.evaluate(user_query("oil price")).mask.sum() > 0
    assert arrays.evaluate(user_query('"oil price"')).mask.sum() > 0
    for q in ("pri*", "price~"):
        with pytest.raises(Unsupported):
            arrays.evaluate(user_query(q))
    engine.close()


def test_facet_counts_equal_a_count_from_stored_fields(index):
    engine = WhooshBackend(index)
    s = engine.searcher()
    result = engine.search(SearchRequest.from_params({"q": ["oil"]}))
    expected_countries: dict[str, int] = {}
    expected_months: dict[str, int] = {}
    matched = set(s.docs_for_query(user_query("oil")))  # Whoosh's own matcher
    for d in matched:
        f = s.stored_fields(d)
        for c in filter(None, (f.get("countries") or "").split(",")):
            expected_countries[c] = expected_countries.get(c, 0) + 1
        key = f["day"][:7] if f.get("day") else "undated"
        expected_months[key] = expected_months.get(key, 0) + 1
    got = {v.value: v.count for v in result.facets["country"]}
    assert got == expected_countries
    assert {v.value: v.count for v in result.facets["date"] if v.count} == expected_months
    assert result.total == len(matched)
    engine.close()


def test_snippet_character_ranges_equal_whooshs(index):
    """ArrayHighlighter reads the matched words' character ranges from the posting
    blocks that hold them; Whoosh's highlighter walks the posting list: same ranges."""
    from whoosh import highlight

    engine = WhooshBackend(index)
    s = engine.searcher()
    arrays = engine.arrays(s)
    for q in ("oil", "price market", "trade OR gold", "copper -oil"):
        results = s.search(user_query(q), limit=40, terms=True)
        words = {text for field, text in results.matched_terms() if field == "text"}
        texts = [w.decode() if isinstance(w, bytes) else w for w in words]
        to_bytes = s.schema["text"].to_bytes
        highlight.Highlighter._load_chars(results, "text", texts, to_bytes)
        expected = results._char_cache.pop("text")
        from search.backends.whoosh.highlight import ArrayHighlighter

        ArrayHighlighter(arrays)._load_chars(results, "text", texts, to_bytes)
        assert results._char_cache["text"] == expected and any(expected.values()), q
    engine.close()


@pytest.mark.parametrize("vectorised", [True, False])
def test_filters_on_phrases_filter_without_scoring(index, vectorised):
    """A phrase with a filter (computed with numpy, or through Whoosh's matchers with
    the filter as a numpy mask): the filtered hits are the unfiltered hits in the
    selected country, scores unchanged."""
    engine = WhooshBackend(index, vectorised=vectorised)
    checked = 0
    for phrase in ('"oil price"', '"price market"', '"trade export"', '"market bank"', 'pri* market'):
        everything = engine.search(SearchRequest.from_params({"q": [phrase], "per_page": ["100"],
                                                              "collapse": ["false"]}))
        for code in CODES:
            some = engine.search(SearchRequest.from_params({"q": [phrase], "country": [code], "per_page": ["100"],
                                                            "collapse": ["false"]}))
            expected = [(h.id, h.score) for h in everything.hits if code in h.countries]
            shown = {h.id for h in everything.hits}
            assert [(h.id, h.score) for h in some.hits if h.id in shown] == expected, (phrase, code)
            assert all(code in h.countries for h in some.hits)
            if everything.total <= len(everything.hits):
                assert some.total == len(expected)
            checked += bool(expected)
    assert checked >= 8
    engine.close()


def test_saved_facet_arrays_equal_the_ones_read_from_the_index(index):
    """The indexer saves each segment's facet arrays beside it; loaded, they equal the
    ones read from the postings, and none is left for a segment that is gone."""
    from search.backends.whoosh import store
    from search.backends.whoosh.arrays import IndexArrays, _SegmentCache
    from search.backends.whoosh.facet_tables import FACETS_SUFFIX, FacetTables

    ix, gen = store.open_current(index)
    with ix.searcher() as s:
        segments = {IndexArrays._segment_id(sub) for sub, _ in s.reader().leaf_readers()}
        saved = {p.name[: -len(FACETS_SUFFIX)] for p in gen.glob(f"*{FACETS_SUFFIX}")}
        assert saved == segments and len(segments) >= 2
        arrays = IndexArrays(s, _SegmentCache())
        from_files = FacetTables(arrays, gen)
        from_index = FacetTables(IndexArrays(s, _SegmentCache()))
        # Deleted documents never count (every match mask excludes them), and what
        # the postings say of them depends on when the arrays were read.
        live = arrays.live
        assert not live.all()
        for name in ("published",):
            assert (getattr(from_files, name)[live] == getattr(from_index, name)[live]).all(), name
        assert (from_files.pair_docs == from_index.pair_docs).all()
        assert (from_files.pair_country == from_index.pair_country).all()
        same_story = lambda t: t.story_code[live][:, None] == t.story_code[live][None, :]  # noqa: E731
        assert (same_story(from_files) == same_story(from_index)).all()
        days = lambda t: [t.day_values[i] if i >= 0 else None for i in t.day_index[live]]  # noqa: E731
        assert days(from_files) == days(from_index)
        assert from_files.country_codes == from_index.country_codes
        assert from_files.n_stories < s.doc_count_all()


def test_frequent_words_read_as_arrays_equal_their_decoded_blocks(tmp_path):
    """The codec's `.npl` file (frequent words' postings as arrays) gives, for every
    word it holds, exactly what decoding Whoosh's posting blocks gives: document
    numbers, weights and where each block starts. Segments written by full and by
    incremental runs both have one."""
    from search.backends.whoosh import codec, store
    from search.backends.whoosh.arrays import _walk, read_postings

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _two_segments(corpus, index, random.Random(11), 200, 200)
    ix, _gen = store.open_current(index)
    with ix.searcher() as s:
        held = 0
        assert len(s.reader().leaf_readers()) == 2
        for sub, _ in s.reader().leaf_readers():
            directory = codec.DIRECTORIES.get(sub)
            if sub.doc_count_all() < codec.MIN_POSTINGS:
                continue
            assert directory is not None, "a segment big enough for frequent words has no .npl file"
            words = codec.stored_words(sub)
            for fieldname, btext in words:
                stored = codec.postings(sub, fieldname, btext)
                seg_id = sub._segment.segment_id()
                codec.DIRECTORIES.found[seg_id] = None  # read the blocks instead
                try:
                    decoded = read_postings(sub, fieldname, btext)
                finally:
                    codec.DIRECTORIES.found[seg_id] = directory
                assert len(decoded[0]) >= codec.MIN_POSTINGS
                for a, b in ((stored[0], decoded[0]), (stored[1], decoded[1]),
                             (stored[2][0], decoded[2][0]), (stored[2][1], decoded[2][1])):
                    assert a.dtype == b.dtype and np.array_equal(a, b), (fieldname, btext)
                # Positional fields: every posting's positions (and character ranges
                # in the text), as its value decodes.
                column = codec.occurrences(sub, fieldname, btext)
                assert (column is not None) == (fieldname in ("title", "text")), fieldname
                if column is not None:
                    fmt = s.schema[fieldname].format
                    values = _walk(sub, fieldname, btext)[2]
                    found = [fmt.decode_positions(v) for v in values]
                    assert column[0].tolist() == [len(p) for p in found]
                    assert column[1].tolist() == [[p] for ps in found for p in ps]
                    chars = codec.occurrences(sub, fieldname, btext, chars=True)
                    assert (chars is not None) == (fieldname == "text"), fieldname
                    if chars is not None:
                        found = [fmt.decode_characters(v) for v in values]
                        assert chars[1].tolist() == [list(c) for cs in found for c in cs]
                held += 1
            # Words below the threshold are not in it, and read as before.
            rare = [t for t in sub.lexicon("text") if 1 < sub.doc_frequency("text", t) < codec.MIN_POSTINGS]
            assert rare and not set(("text", t) for t in rare) & set(words)
            assert codec.postings(sub, "text", rare[0]) is None and codec.postings(sub, "text", b"zz-absent") is None
        assert held >= 20


def test_facet_files_saved_before_languages_are_read_again(index, tmp_path, monkeypatch):
    """A segment's facet file saved before languages were counted (no lang_codes) is not
    used: its arrays are read from the index again, and the tables are the same."""
    from search.backends.whoosh import facet_tables as facets, store
    from search.backends.whoosh.arrays import IndexArrays, _SegmentCache
    from search.backends.whoosh.facet_tables import FACETS_SUFFIX, FacetTables

    ix, gen = store.open_current(index)
    with ix.searcher() as s:
        for path in gen.glob(f"*{FACETS_SUFFIX}"):
            with np.load(path) as saved:
                np.savez(tmp_path / path.name, **{k: saved[k] for k in saved.files if k != "lang_codes"})
        current = FacetTables(IndexArrays(s, _SegmentCache()), gen)
        reads = []
        read = facets._read_segment_facets
        monkeypatch.setattr(facets, "_read_segment_facets", lambda sub: reads.append(sub) or read(sub))
        older = FacetTables(IndexArrays(s, _SegmentCache()), tmp_path)
        assert len(reads) == len(list(gen.glob(f"*{FACETS_SUFFIX}"))) > 0
        assert current.language_codes == older.language_codes
        assert (current.language_index == older.language_index).all()
        assert current.day_values == older.day_values and (current.day_index == older.day_index).all()


def test_saved_facet_tables_equal_built_ones_and_follow_the_index(index, tmp_path, monkeypatch):
    """The indexer saves the tables of the index state it leaves (date orders included)
    and only those; loaded, they equal tables built from the segments' parts, and a
    server loads them instead of building."""
    import shutil

    from search.backends.whoosh import facet_tables as facets, store
    from search.backends.whoosh.arrays import IndexArrays, _SegmentCache
    from search.backends.whoosh.facet_tables import TABLES_PREFIX, FacetTables, _state_key

    ix, gen = store.open_current(index)
    with ix.searcher() as s:
        arrays = IndexArrays(s, _SegmentCache())
        key = _state_key(arrays)
        assert [p.name for p in gen.glob(f"{TABLES_PREFIX}*")] == [f"{TABLES_PREFIX}{key}.npz"]
        built, loaded = FacetTables(arrays, gen), FacetTables.load(gen, key)
        built._date_rank(False), built._date_rank(True)
        assert set(vars(built)) == set(vars(loaded))
        for name in FacetTables._SAVED:
            a, b = getattr(built, name), getattr(loaded, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        assert built.country_codes == loaded.country_codes and built.day_values == loaded.day_values
        assert built.n_stories == loaded.n_stories
        assert loaded.newest_first(arrays.live, 20) == built.newest_first(arrays.live, 20)

    # A server loads them: building is not needed (nor tried).
    monkeypatch.setattr(FacetTables, "_last", None)
    monkeypatch.setattr(FacetTables, "__init__", lambda *a: (_ for _ in ()).throw(AssertionError("built")))
    engine = WhooshBackend(index)
    r = engine.search(SearchRequest.from_params({"q": ["oil"], "sort": ["date"]})).to_dict()
    assert r["total"] and r["facets"]["country"]
    engine.close()
    monkeypatch.undo()

    # Another state (a copy of the index, one file changed): new tables, the old ones gone.
    copy_corpus, copy_index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(index.parent / "corpus", copy_corpus)
    shutil.copytree(index, copy_index, symlinks=True)
    write(copy_corpus / "a0001.txt", "Zinc output\n\nNORWAY, March 3 - zinc output rose.\n")
    WhooshBackend(copy_index).update(copy_corpus, max_bytes=10**7)
    ix, gen = store.open_current(copy_index)
    with ix.searcher() as s:
        new_key = _state_key(IndexArrays(s, _SegmentCache()))
    assert new_key != key
    assert [p.name for p in gen.glob(f"{TABLES_PREFIX}*")] == [f"{TABLES_PREFIX}{new_key}.npz"]
    assert facets.FacetTables.load(gen, new_key) is not None
