"""search.ingest.languages: tags kept or canonicalised, codes for the facet and the
request, names, writing direction, and the language found for texts that declare none."""

from __future__ import annotations

import pytest

from search.ingest.languages import (article_language, canonical_tag, is_language_code, language_code,
                                     language_label, text_direction)


@pytest.mark.parametrize("declared, tag, code", [
    ("en", "en", "en"), ("EN-us", "en-US", "en"), ("pt_BR", "pt-BR", "pt"), ("zh-Hant-TW", "zh-Hant", "zh"),
    ("eng", "en", "en"), ("ger", "de", "de"), ("iw", "he", "he"), ("fil", "fil", "fil"),
    ("xx", None, None), ("qqq-XY", None, None), ("und", None, None), ("", None, None), (None, None, None),
])
def test_declared_tags(declared, tag, code):
    assert canonical_tag(declared) == tag
    assert language_code(tag) == code


def test_request_codes_and_labels():
    assert all(is_language_code(c) for c in ("ar", "AR", "por", "fil", "he", "iw"))
    assert not any(is_language_code(c) for c in ("", "e", "english", "xx", "e1", "pt-BR"))
    assert [language_label(c) for c in ("ar", "zh", "ms", "el", "fil")] == [
        "Arabic", "Chinese", "Malay", "Modern Greek", "Filipino"]  # qualifiers in brackets dropped


@pytest.mark.parametrize("tag, direction", [
    ("ar", "rtl"), ("he", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl"), ("yi", "rtl"), ("ckb", "rtl"),
    ("az-Arab", "rtl"), ("pa-Arab-PK", "rtl"), ("ku-Latn", "ltr"), ("en", "ltr"), ("zh-Hans", "ltr"), (None, "ltr"),
])
def test_direction(tag, direction):
    assert text_direction(tag) == direction


def test_language_of_texts_that_declare_none():
    assert article_language("pt-br", "The text is not asked: the declaration wins.") == "pt-BR"
    english = "The minister said on Monday that the talks with the unions would resume after the holiday."
    assert article_language(None, english) == "en"
    assert article_language(None, "Short ASCII title") == "en"  # py3langid guesses at these
    german = ("Der Bundestag hat am Mittwoch über die neuen Regeln für die Wahlen in den Bundesländern "
              "abgestimmt, und die Opposition kritisierte das Verfahren scharf.")
    assert article_language(None, german) == "de"
    assert article_language("xx", "وصل وزير النفط إلى القاهرة اليوم في زيارة رسمية تستمر ثلاثة أيام") == "ar"
    assert article_language(None, "") is None
