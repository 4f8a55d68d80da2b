"""Every language through the real index: words in scripts without spaces (bigrams), folding
a reader expects in other scripts, stemming by the article's language, and marks that
never cut a character."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write
from search.backends.whoosh.analysis import NewsAnalyzer, fold
from search.backends.whoosh.engine import WhooshBackend
from search.core.request import SearchRequest

ARTICLES = [
    {"id": "zh", "title": "谷歌人工智能", "text": "谷歌旗下的DeepMind称人工智能将改变医学研究。北京大学也参与了合作。"},
    {"id": "ja", "title": "東京の無料Wi-Fi", "text": "東京都は駅で無料のWi-Fiを提供すると発表した。利用者は増えている。"},
    {"id": "ko", "title": "서울 시장 선거", "text": "서울에서 시장 선거가 열렸다. 투표율은 높았다."},
    {"id": "th", "title": "การเลือกตั้ง", "text": "การเลือกตั้งในประเทศไทยจัดขึ้นเมื่อวันอาทิตย์"},
    {"id": "ar", "title": "الانتخابات في مصر", "text": "أُجْرِيَت الانتخابــات في القاهرة يوم الأحد."},
    {"id": "he", "title": "בחירות", "text": "הַבְּחִירוֹת בִּירוּשָׁלַיִם נערכו ביום ראשון."},
    {"id": "hi", "title": "चुनाव समाचार", "text": "दिल्ली में चुनाव के नतीजे घोषित हुए।"},
    {"id": "el", "title": "Εκλογές στην Ελλάδα", "text": "Οι εκλογές στην Αθήνα έγιναν την Κυριακή."},
    {"id": "ru", "title": "Ёлка в Москве", "text": "В Москве поставили ёлку у Кремля."},
    {"id": "tr", "title": "İstanbul seçimleri", "text": "İSTANBUL'da seçim yapıldı."},
    {"id": "fr", "title": "Élection à Genève", "text": "Le café de la gare a fermé."},
    {"id": "emoji", "title": "Party 🎉 time", "text": "Fans 😀 cheered e\u0301clair 𠀋𠀋 and 𝒜lpha in Zürich 🎉 today."},
]


def indexed(base, articles: list[dict], backend: str = "whoosh"):
    """An index of these articles (one JSON Lines file) under base, opened: Whoosh's, or
    the live cluster's through its writer (`sphinxql`); `base` kept on it."""
    from search.core.backend import open_backend

    write(base / "corpus" / "articles.jsonl",
          "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))
    open_backend(backend, base / "index").update(base / "corpus", max_bytes=10**7)
    opened = open_backend(backend, base / "index")
    opened.base = base
    return opened


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    b = indexed(tmp_path_factory.mktemp("languages"), ARTICLES)
    yield b
    b.close()


def found(backend, q: str) -> list[str]:
    return [hit.id for hit in backend.search(SearchRequest(q=q)).hits]


def snippet(backend, q: str, article: str) -> str:
    (hit,) = [h for h in backend.search(SearchRequest(q=q)).hits if h.id == article]
    return hit.snippet


@pytest.mark.parametrize("q, article", [
    ("人工智能", "zh"), ("北京大学", "zh"), ("医学", "zh"), ("DeepMind", "zh"), ("deepmind", "zh"),
    ("東京", "ja"), ("無料", "ja"), ("Wi-Fi", "ja"), ("wifi", None), ("発表", "ja"),
    ("서울", "ko"), ("선거", "ko"), ("투표율", "ko"),
    ("การเลือกตั้ง", "th"), ("ประเทศไทย", "th"),
])
def test_words_of_scripts_without_spaces_are_found(backend, q, article):
    assert found(backend, q) == ([article] if article else [])


@pytest.mark.parametrize("q, article", [
    ("الانتخابات", "ar"), ("أجريت", "ar"), ("القاهرة", "ar"),   # harakat and tatweel ignored
    ("בירושלים", "he"), ("הבחירות", "he"),                      # niqqud ignored
    ("चुनाव", "hi"), ("दिल्ली", "hi"), ("नतीजे", "hi"),            # vowel signs stay in the word
    ("Αθηνα", "el"), ("αθήνα", "el"), ("ΕΚΛΟΓΕΣ", "el"),         # Greek accents and case
    ("елку", "ru"), ("ёлку", "ru"), ("ЁЛКА", "ru"),              # ё = е
    ("istanbul", "tr"), ("İstanbul", "tr"),                      # İ is one letter
    ("cafe", "fr"), ("genève", "fr"), ("GENEVE", "fr"),           # é = e
    ("eclair", "emoji"), ("éclair", "emoji"), ("zurich", "emoji"),
])
def test_other_scripts_are_found_by_word_with_folding(backend, q, article):
    assert article in found(backend, q)


def test_latin_words_inside_cjk_are_their_own_tokens():
    assert [t.text for t in NewsAnalyzer()("DeepMind称人工智能")] == ["deepmind", "称人", "人工", "工智", "智能"]
    assert [t.text for t in NewsAnalyzer()("東京でWi-Fiを")] == ["東京", "京で", "wi", "fi", "を"]


def test_folding():
    assert [fold(w) for w in ("ёлка", "Ελλάδα", "الْعَرَبِيَّة", "كـتـاب", "İstanbul", "שָׁלוֹם")] == [
        "елка", "ελλαδα", "العربية", "كتاب", "istanbul", "שלום"]


@pytest.mark.parametrize("q, article, expected", [
    ("人工智能", "zh", "<mark>人工智能</mark>"),
    ("DeepMind", "zh", "的<mark>DeepMind</mark>称"),
    ("Wi-Fi", "ja", "の<mark>Wi-Fi</mark>を"),
    ("선거", "ko", "<mark>선거</mark>가"),
    ("الانتخابات", "ar", "<mark>الانتخابــات</mark>"),
    ("הבחירות", "he", "<mark>הַבְּחִירוֹת</mark>"),
    ("चुनाव", "hi", "<mark>चुनाव</mark>"),
    ("eclair", "emoji", "<mark>éclair</mark>"),  # the text is stored in NFC
    ("cheered", "emoji", "😀 <mark>cheered</mark>"),
    ("alpha", "emoji", None),
    ("İstanbul", "tr", "<mark>İSTANBUL</mark>"),
])
def test_marks_cover_whole_words_and_never_cut_a_character(backend, q, article, expected):
    if expected is None:
        assert article not in found(backend, q)  # "𝒜lpha" is not "alpha": no partial marks
        return
    text = snippet(backend, q, article)
    assert expected in text
    # Every mark starts and ends between whole characters: no combining mark right after one.
    import unicodedata
    for part in text.split("<mark>")[1:]:
        inner, _, after = part.partition("</mark>")
        assert inner and not unicodedata.category(inner[0]).startswith("M")
        assert not after or not unicodedata.category(after[0]).startswith("M"), text


# -- stemming by the article's language ----------------------------------------------------

STEMMED = [
    {"id": "de", "language": "de", "title": "Landtagswahlen", "text":
        "Die Wahlen in den Bundesländern Bayern und Hessen endeten mit Verlusten für die Regierung."},
    # No declared language: detected (py3langid).
    {"id": "ru", "title": "Выборы", "text":
        "На выборах в Москве кандидаты от оппозиции получили меньше голосов, чем ожидали аналитики."},
    {"id": "es", "language": "es-MX", "title": "Elecciones", "text":
        "Las elecciones presidenciales se celebraron el domingo con una participación récord."},
    {"id": "en", "title": "Ministers meet", "text": "The ministers said the elections were held on Sunday."},
    # Numbers that Snowball stems apart (plurals.py).
    {"id": "es2", "language": "es", "title": "Medidas", "text": "Los gobiernos de varias ciudades anunciaron medidas el domingo."},
    {"id": "pt", "language": "pt", "title": "Municípios", "text": "As eleições municipais mudaram as leis dos hospitais."},
    {"id": "fr", "language": "fr", "title": "Députés", "text": "La loi votée par les députés inquiète les amis du journal."},
    {"id": "ar", "language": "ar", "title": "البرلمان", "text": "أقر البرلمان القانون الجديد بعد نقاش طويل."},
]


@pytest.fixture(scope="module")
def stemmed(tmp_path_factory):
    b = indexed(tmp_path_factory.mktemp("stemmed"), STEMMED)
    yield b
    b.close()


@pytest.mark.parametrize("q, article", [
    ("Wahl", "de"), ("Bundesland", "de"), ("die Wahl", "de"), ('"Wahlen in den Bundesländern"', "de"),
    ("выборы", "ru"), ("кандидат", "ru"), ('"выборах в Москве"', "ru"),
    ("elección", "es"), ("presidencial", "es"), ("participacion", "es"),
    ("minister", "en"), ("election", "en"),
    ("gobierno", "es2"), ("ciudad", "es2"), ("eleição", "pt"), ("eleicao", "pt"), ("lei", "pt"),
    ("hospital", "pt"), ("lois", "fr"), ("ami", "fr"), ("قانون", "ar"),
])
def test_a_query_finds_inflections_in_articles_of_its_language(stemmed, q, article):
    assert found(stemmed, q) == [article]


@pytest.mark.parametrize("q, article", [("elección domingo", "es"), ("gobierno", "es2")])
def test_keyword_queries_stay_strict_however_many_readings_their_words_have(stemmed, q, article):
    """Up to three words need every word, counted as typed: "gobierno" read in English,
    German, Portuguese, ... and in both numbers is still one word."""
    result = stemmed.search(SearchRequest(q=q))
    assert [h.id for h in result.hits] == [article] and not result.relaxed


def test_marks_of_stemmed_words_sit_on_the_inflected_word(stemmed):
    assert "<mark>Bundesländern</mark>" in snippet(stemmed, "Bundesland", "de")
    assert "<mark>выборах</mark>" in snippet(stemmed, "выборы", "ru")


@pytest.mark.parametrize("article, q, marked", [
    ("de", "Bundesland", "Bundesländern"), ("de", "Wahl", "Wahlen"), ("ru", "выборы", "выборах"),
    ("ru", "кандидат", "кандидаты"), ("es", "presidencial", "presidenciales"), ("en", "election", "elections"),
    ("es2", "gobierno", "gobiernos"), ("pt", "eleição", "eleições"), ("fr", "lois", "loi"), ("ar", "قانون", "القانون"),
])
def test_the_article_page_marks_inflections_in_the_articles_language(stemmed, article, q, marked):
    """highlight() analyses the text in the article's language: its stored tag, declared or
    told from the text at extraction (the page passes it)."""
    text = stemmed.article(article)["text"]
    assert f"<mark>{marked}</mark>" in stemmed.highlight(text, q, language=stemmed.article(article)["language"])


def test_a_declared_language_decides_the_highlights_analysis(stemmed):
    # Without a language the text is analysed in English, so only the declared language marks it.
    assert stemmed.highlight("Wahlen", "Wahl", language="de") == "<mark>Wahlen</mark>"
    assert stemmed.highlight("Wahlen", "Wahl") == "Wahlen"
    assert stemmed.highlight("Die Wahlen", "die Wahl", language="de-AT") == "Die <mark>Wahlen</mark>"


def test_the_article_page_marks_stemmed_words_over_http(stemmed):
    from conftest import Server

    server = Server(stemmed.base / "index")
    try:
        page = server.get("/articles/de", params={"q": "Bundesland"}).text
        assert "<mark>Bundesländern</mark>" in page
        page = server.get("/articles/ru", params={"q": "кандидат"}).text
        assert "<mark>кандидаты</mark>" in page
    finally:
        server.stop()


def test_each_article_is_stemmed_in_its_own_language(stemmed):
    assert stemmed.languages(stemmed.searcher()) == ("arabic", "french", "german", "portuguese", "russian", "spanish")


@pytest.mark.parametrize("text, language", [
    # Wire tables of figures miss the English share of function words; nothing else reads in them.
    ("NEW YORK, Feb 26 - Shr profit 15 cts vs profit four cts Annual div 72 cts vs 72 cts prior yr "
     "Net profit 72,000 vs profit 16,000 Revs 7,075,000 vs 2,330,000 12 mths Shr profit 42 cts vs loss 11 cts", "en"),
    ("APRIL 7 - 1100 hrs cdt MONTHS LAST DIFFERENCE May/Jul 0.34 under 0.35 under Jul/Aug 0.16 under 0.17 "
     "under Jul/Dec 0.78 under 0.80 over Sep/Nov 0.12 over 0.10 under", "en"),
    # Plain ASCII in another language is still asked about.
    ("Los periodistas de la capital dijeron el lunes que los acuerdos fueron el tema principal del debate, "
     "y los funcionarios esperan mas noticias del ministerio esta semana despues de la reunion.", "es"),
    ("Die Wahlen in den Bundeslandern Bayern und Hessen endeten mit Verlusten fur die Regierung, sagte der "
     "Sprecher am Montag in Berlin vor Journalisten und Abgeordneten.", "de"),
    ("На выборах в Москве кандидаты от оппозиции получили меньше голосов, чем ожидали аналитики.", "ru"),
])
def test_the_language_an_undeclared_text_is_given(text, language):
    from search.ingest.languages import article_language

    assert article_language(None, text) == language


def test_an_english_only_index_analyses_queries_exactly_as_before(tmp_path):
    from search.backends.whoosh.parse import user_query

    english = next(a for a in STEMMED if a["id"] == "en")
    write(tmp_path / "corpus" / "en.jsonl", json.dumps(english) + "\n")
    WhooshBackend(tmp_path / "index").update(tmp_path / "corpus", max_bytes=10**7)
    backend = WhooshBackend(tmp_path / "index")
    assert backend.languages(backend.searcher()) == ()
    backend.close()
    assert str(user_query("ministers elections")) == "((title:minist^1.5 OR text:minist) AND (title:elect^1.5 OR text:elect))"


def test_the_json_api_finds_words_in_every_script(stemmed):
    from conftest import Server

    server = Server(stemmed.base / "index")
    try:
        for q, article in (("Wahl", "de"), ("кандидат", "ru"), ("elección", "es")):
            body = server.get("/api/search", params={"q": q}).json()
            assert [r["id"] for r in body["results"]] == [article]
    finally:
        server.stop()


def test_the_sphinx_cluster_finds_words_in_other_scripts(sphinx_cluster, tmp_path):
    """What Sphinx 2.2 can do cheaply: CJK and Thai characters as one-character tokens,
    Arabic, Hebrew and Devanagari letters as word characters, their marks ignored, ё = е."""
    from conftest import run_cli

    env = {"NEWS_SEARCH_BACKEND": "sphinxql"}
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus / "articles.jsonl", "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES))
    proc = run_cli("index", "--corpus", corpus, "--index", index, env=env)
    assert proc.returncode == 0, proc.stderr
    for q, article in (("人工智能", "zh"), ("東京", "ja"), ("선거", "ko"), ("الانتخابات", "ar"),
                       ("הבחירות", "he"), ("चुनाव", "hi"), ("елку", "ru"), ("Αθηνα", "el")):
        proc = run_cli("search", "--index", index, "--json", q, env=env)
        assert proc.returncode == 0, proc.stderr
        assert article in [r["id"] for r in json.loads(proc.stdout)["results"]], q


# -- the cluster: an index a language on each shard ----------------------------------------

@pytest.fixture(scope="module")
def stemmed_cluster(sphinx_cluster, tmp_path_factory):
    """STEMMED on the live cluster (each article in its language's index), through the writer."""
    b = indexed(tmp_path_factory.mktemp("stemmed-cluster"), STEMMED, "sphinxql")
    yield b
    b.close()


@pytest.mark.parametrize("q, article", [
    ("Wahl", "de"), ("Bundesland", "de"), ("die Wahl", "de"), ('"Wahlen in den Bundesländern"', "de"),
    ("выборы", "ru"), ("кандидат", "ru"), ('"выборах в Москве"', "ru"),
    ("elección", "es"), ("elecciones", "es"), ("presidencial", "es"), ("participacion", "es"),
    ("minister", "en"), ("election", "en"), ("ministers elections", "en"),
])
def test_the_cluster_finds_inflections_in_articles_of_its_language(stemmed_cluster, q, article):
    """Each language's index stems the query with its own stemmer (Snowball through
    libstemmer); English articles are matched by stem_en as before."""
    assert found(stemmed_cluster, q) == [article]


def test_the_clusters_snippets_and_highlights_mark_inflections_in_the_articles_language(stemmed_cluster):
    assert "<mark>Bundesländern</mark>" in snippet(stemmed_cluster, "Bundesland", "de")
    assert "<mark>выборах</mark>" in snippet(stemmed_cluster, "выборы", "ru")
    assert "<mark>elections</mark>" in snippet(stemmed_cluster, "election", "en")
    for article, q, marked in (("de", "Bundesland", "Bundesländern"), ("de", "Wahl", "Wahlen"),
                               ("ru", "кандидат", "кандидаты"), ("es", "presidencial", "presidenciales"),
                               ("en", "election", "elections")):
        stored = stemmed_cluster.article(article)
        assert f"<mark>{marked}</mark>" in stemmed_cluster.highlight(stored["text"], q, language=stored["language"])
    # Without a language (or with one that has no index) the text is read in English.
    assert stemmed_cluster.highlight("Die Wahlen", "Wahl", language="de-AT") == "Die <mark>Wahlen</mark>"
    assert stemmed_cluster.highlight("Die Wahlen", "Wahl") == "Die Wahlen"
    assert stemmed_cluster.highlight("Die Wahlen", "Wahl", language="zh") == "Die Wahlen"


def test_the_cluster_counts_every_language_index(stemmed_cluster):
    result = stemmed_cluster.search(SearchRequest())
    assert (result.total, result.stories) == (len(STEMMED), len(STEMMED))
    assert {v.value: v.count for v in result.facets["language"]} == {
        "de": 1, "ru": 1, "es": 2, "en": 1, "pt": 1, "fr": 1, "ar": 1}
    assert stemmed_cluster.stats()["articles"] == len(STEMMED)


def test_an_article_whose_language_changes_leaves_its_old_index(sphinx_cluster, tmp_path):
    """A changed article is a new row in its new language's index; its old row dies in the
    same state, and a search of that state names only the languages it holds."""
    from search.core.backend import open_backend

    corpus = tmp_path / "corpus" / "articles.jsonl"
    records = [dict(a) for a in STEMMED if a["id"] in ("de", "en")]
    write(corpus, "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in records))
    backend = open_backend("sphinxql", tmp_path / "index")
    try:
        backend.update(corpus.parent, max_bytes=10**7)
        assert found(backend, "Wahl") == ["de"] and backend._languages == ("de", "en")
        # Wrongly declared, say: now in news_ru, whose stemmer leaves Latin words as they are.
        records[0]["language"] = "ru"
        write(corpus, "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in records))
        assert not backend.update(corpus.parent, max_bytes=10**7).full
        result = backend.search(SearchRequest(q="Wahlen"))
        assert [h.id for h in result.hits] == ["de"] and result.total == 1
        assert found(backend, "Wahl") == [] and backend._languages == ("en", "ru")
        live = [r for node in backend.shard_nodes() for r in node.query(
            f"SELECT aid FROM news_de WHERE ns={backend.ns} AND died=4294967295")]
        assert live == []
        # An English-only index reads news_en alone, as the single index did.
        write(corpus, json.dumps(records[1]) + "\n")
        backend.update(corpus.parent, max_bytes=10**7)
        assert found(backend, "ministers") == ["en"] and backend._languages == ("en",)
    finally:
        backend.close()


def test_a_story_in_two_languages_counts_once_on_the_cluster(sphinx_cluster, tmp_path):
    """Copies of one story sit on one shard (rows.shard_of) but in their languages'
    indexes: the stories count still takes them once."""
    from search.core.backend import open_backend

    german = {**STEMMED[0], "text": STEMMED[0]["text"] + " " + " ".join(f"Wort{i}" for i in range(30))}
    copies = [german, {**german, "id": "de-copy", "language": "it"}]  # a story needs 30+ words
    write(tmp_path / "corpus" / "articles.jsonl", "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in copies))
    backend = open_backend("sphinxql", tmp_path / "index")
    try:
        backend.update(tmp_path / "corpus", max_bytes=10**7)
        result = backend.search(SearchRequest(q="Bundesländern"))
        assert backend._languages == ("de", "it") and (result.total, result.stories) == (2, 1)
        assert {v.value: v.count for v in result.facets["language"]} == {"de": 1, "it": 1}
    finally:
        backend.close()


def test_a_search_over_every_language_index_of_the_cluster_is_whole(sphinx_cluster, tmp_path):
    """Eight languages present, read through the front's `news` (one agent a shard); with
    an agent a language and searchd's default listen_backlog of 5, some connections timed
    out: partial answers."""
    from search.backends.sphinxql.cluster import CLUSTER_LANGUAGES
    from search.core.backend import open_backend

    records = [{"id": f"{code}{i}", "language": code, "title": f"Report {i}", "text": f"Oil prices {code} {i}."}
               for code in CLUSTER_LANGUAGES for i in range(3)]
    write(tmp_path / "corpus" / "articles.jsonl", "".join(json.dumps(a) + "\n" for a in records))
    backend = open_backend("sphinxql", tmp_path / "index")
    try:
        backend.update(tmp_path / "corpus", max_bytes=10**7)
        for _ in range(3):
            result = backend.search(SearchRequest(q="oil"))
            assert not result.partial and result.total == len(records), result.warnings
        assert backend._languages == tuple(sorted(CLUSTER_LANGUAGES))
    finally:
        backend.close()
