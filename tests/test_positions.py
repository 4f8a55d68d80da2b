"""Packed positions (search/backends/whoosh/positions.py): Whoosh's decoders' answers
from smaller values, many decoded at once, and an index of pickled positions refused."""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh.formats import Characters, Positions

from search.backends.whoosh import positions, store
from search.backends.whoosh.analysis import FastCharacters, FastPositions
from search.core.backend import NoIndex


def _poslists(rng: random.Random, n: int) -> list[list[tuple[int, int, int]]]:
    out = []
    for _ in range(n):
        pos, char, poslist = rng.randrange(3), rng.randrange(5), []
        big = rng.random() < 0.2  # an article long enough for 4-byte integers
        for _ in range(rng.randrange(1, 12)):
            pos += rng.randrange(1, 40_000 if big else 30)
            start = char + rng.randrange(1, 40_000 if big else 200)
            char = start + rng.randrange(1, 15)
            poslist.append((pos, start, char))
        out.append(poslist)
    return out


def test_packed_values_decode_as_whooshs_pickled_ones():
    lists = _poslists(random.Random(5), 400)
    for packed, plain, stored in ((FastCharacters(), Characters(), lambda pl: pl),
                                  (FastPositions(), Positions(), lambda pl: [p for p, _, _ in pl])):
        kinds = [k for k in ("frequency", "weight", "positions", "position_boosts", "characters")
                 if plain.supports(k)]
        for poslist in lists:
            ours, theirs = packed.encode(stored(poslist)), plain.encode(stored(poslist))
            assert [packed.decoder(k)(ours) for k in kinds] == [plain.decoder(k)(theirs) for k in kinds]
    assert any(max(max(t) for t in pl) >= 65536 for pl in lists)  # both widths were tried
    # Smaller than the pickles for articles of a page's length.
    short = [pl for pl in lists if max(max(t) for t in pl) < 65536]
    assert sum(len(FastCharacters().encode(pl)) for pl in short) < sum(len(Characters().encode(pl)) for pl in short)


def test_many_values_decode_at_once_as_one_by_one():
    lists = _poslists(random.Random(6), 300)
    for fmt in (FastCharacters(), FastPositions()):
        values = [fmt.encode(pl if fmt.record == 3 else [p for p, _, _ in pl]) for pl in lists]
        counts, numbers = positions.bulk_records(values, fmt.record)
        one_by_one = [fmt.decode_characters(v) if fmt.record == 3 else fmt.decode_positions(v) for v in values]
        assert counts.tolist() == [len(p) for p in one_by_one]
        assert numbers.tolist() == [list(p) if fmt.record == 3 else [p] for ps in one_by_one for p in ps]
    counts, numbers = positions.bulk_records([], 3)
    assert len(counts) == len(numbers) == 0 and numbers.shape == (0, 3)


def test_an_index_of_pickled_positions_is_refused_then_rebuilt(tmp_path, monkeypatch):
    """An index written before positions were packed names the same format classes in
    its table of contents, without `packing`: reading its values with these decoders
    would give wrong positions, so it is refused with a message, and a reindex
    rebuilds it."""
    from search.backends.whoosh.engine import WhooshBackend
    from search.core.request import SearchRequest

    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Oil prices rose\n\nOil prices rose sharply in Tokyo on Monday.\n")
    old_init = positions.PackedFormat.__init__

    def unpacked_init(self, *args, **kwargs):  # a format as an older version pickled it
        old_init(self, *args, **kwargs)
        del self.packing

    monkeypatch.setattr(positions.PackedFormat, "__init__", unpacked_init)
    backend = WhooshBackend(root)
    backend.update(corpus, max_bytes=2**20)
    monkeypatch.setattr(positions.PackedFormat, "__init__", old_init)
    with pytest.raises(NoIndex, match="written by an older version of news-search.*run `news-search index`"):
        store.open_current(root)
    backend = WhooshBackend(root)
    with pytest.raises(NoIndex, match="older version"):
        backend.search(SearchRequest.from_params({"q": ['"oil prices"']}))
    backend.update(corpus, max_bytes=2**20)  # rebuilds it
    assert backend.search(SearchRequest.from_params({"q": ['"oil prices"']})).total == 1
    assert not positions.stale(store.open_current(root)[0].schema["text"].format)
