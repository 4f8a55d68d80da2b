"""search/backends/whoosh/codec.py: Whoosh's own files are written byte for byte as W3Codec writes them;
the codec only adds the frequent words' `.npl` file (tests/test_arrays.py checks that
what it holds equals the decoded posting blocks)."""

from __future__ import annotations

import random

from whoosh.codec.whoosh3 import W3Codec

from search.backends.whoosh import codec, store
from search.ingest.article import Article
from search.backends.whoosh.indexer import article_document
from search.backends.whoosh.schema import make_schema

WORDS = "oil price market bank rate trade export coffee wheat gold copper dollar talks".split()


def _documents(n: int) -> list[dict]:
    rng = random.Random(5)
    docs = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS[: rng.choice((2, 5, len(WORDS)))]) for _ in range(rng.randint(3, 80)))
        article = Article(id=f"a{i}", title=" ".join(rng.sample(WORDS, 3)), text=text, countries=["FR"],
                          path=f"a{i}.txt")
        docs.append(article_document(article, "sig"))
    return docs


def _segment_files(folder, codec_obj, docs) -> dict[str, bytes]:
    ix = store.storage(folder).create_index(make_schema())
    with ix.writer(codec=codec_obj) as w:
        for doc in docs:
            w.add_document(**doc)
    (segment,) = ix._segments()
    st = ix.storage
    files = {}
    cs = segment.open_compound_file(st)
    for name in cs.list():
        f = cs.open_file(name)
        files[name.replace(segment.segment_id(), "SEG")] = f.read()
        f.close()
    cs.close()
    return files


def test_whooshs_files_are_unchanged_and_the_npl_file_is_added(tmp_path):
    docs = _documents(400)
    for folder in ("plain", "news"):
        (tmp_path / folder).mkdir()
    plain = _segment_files(tmp_path / "plain", W3Codec(), docs)
    news = _segment_files(tmp_path / "news", codec.NewsCodec(), docs)
    npl = "SEG" + codec.EXT
    assert set(news) - set(plain) == {npl}
    assert set(plain) <= set(news) and {"SEG.pst", "SEG.trm"} <= set(plain)
    for name, data in plain.items():
        assert news[name] == data, name
    assert len(news[npl]) > 1000
