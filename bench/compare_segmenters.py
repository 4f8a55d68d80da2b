"""Word finding in Chinese and Japanese by three segmentations, measured on the same
texts: overlapping bigrams (what the index does), ICU's dictionary word breaking
(PyICU) and per-language segmenters (jieba for Chinese, fugashi with unidic-lite for
Japanese). A query finds an article when every token of the query is among the
article's tokens (the index ANDs a word's tokens). Two query sets per language: whole
words as the article writes them (eval_languages' queries) and parts of compound words
("智能" in "人工智能", "知能" in "人工知能"), which a reader searches for too.

    PYTHONPATH=/path/to/segmenters .venv/bin/python bench/compare_segmenters.py

The segmenters are not dependencies of the project: install them into a folder of their
own (`pip install --target DIR jieba fugashi unidic-lite PyICU`; PyICU builds against
Debian's libicu-dev) and put it on PYTHONPATH. docs/languages.md has the figures."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from eval_languages import LANGUAGES  # noqa: E402
from search.backends.whoosh.analysis import NewsAnalyzer  # noqa: E402

PARTS = {
    "zh": ["智能", "气候", "增长", "选举", "比赛", "疫苗", "股票", "铁路", "改革", "危机", "汽车", "污染", "部长",
           "保险", "首都"],
    "ja": ["知能", "気候", "成長", "選挙", "株式", "発電", "原子力", "消費", "観光", "記者", "議論", "政府", "会合",
           "話題", "市場"],
}


def bigrams():
    analyzer = NewsAnalyzer()
    return lambda text: [t.text for t in analyzer(text)]


def icu(locale: str):
    import icu as pyicu

    breaker = pyicu.BreakIterator.createWordInstance(pyicu.Locale(locale))

    def cut(text: str) -> list[str]:
        breaker.setText(text)
        out, start = [], breaker.first()
        for end in breaker:
            if breaker.getRuleStatus() >= 100:  # words (letters, kana, ideographs), not spaces or punctuation
                out.append(text[start:end].lower())
            start = end
        return out
    return cut


def jieba_cut():
    import jieba

    jieba.setLogLevel(60)
    return lambda text: [w.lower() for w in jieba.cut(text) if w.strip() and any(c.isalnum() for c in w)]


def fugashi_cut():
    import fugashi

    tagger = fugashi.Tagger()
    return lambda text: [w.surface.lower() for w in tagger(text) if any(c.isalnum() for c in w.surface)]


def main() -> int:
    methods = {"zh": {"bigrams": bigrams, "icu": lambda: icu("zh"), "jieba": jieba_cut},
               "ja": {"bigrams": bigrams, "icu": lambda: icu("ja"), "fugashi": fugashi_cut}}
    print(f"{'lang':4} {'method':8} {'words':>6} {'parts':>6} {'tokens/article':>15} {'ms/article':>11}  missed")
    for language, by_method in methods.items():
        template, pairs = LANGUAGES[language]
        texts = [template.format(w=form) for _q, form in pairs]
        for name, make in by_method.items():
            try:
                cut = make()
            except ImportError as e:
                print(f"{language:4} {name:8} not installed ({e})")
                continue
            tokens = [set(cut(t)) for t in texts]
            whole = sum(set(cut(q)) <= tokens[n] for n, (q, _f) in enumerate(pairs)) / len(pairs)
            missed = [p for p in PARTS[language] if not any(set(cut(p)) <= ts for ts in tokens)]
            parts = 1 - len(missed) / len(PARTS[language])
            start = time.perf_counter()
            for _ in range(20):
                for t in texts:
                    cut(t)
            ms = (time.perf_counter() - start) / (20 * len(texts)) * 1000
            size = sum(len(cut(t)) for t in texts) / len(texts)
            print(f"{language:4} {name:8} {whole:6.2f} {parts:6.2f} {size:15.1f} {ms:11.3f}  {' '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
