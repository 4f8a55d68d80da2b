"""Each corpus format, read from real files through the same code the indexer uses."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from conftest import SEED, seed_corpus, write
from search.ingest.extract import read_file, scan_corpus

MAX = 50 * 1024 * 1024


def read_all(root):
    scan = scan_corpus(root)
    results = {rel: read_file(root, cf, MAX) for rel, cf in scan.files.items()}
    return scan, results


def test_seed_text_metadata_and_residue(tmp_path):
    corpus = seed_corpus(tmp_path)
    scan, results = read_all(corpus)
    (result,) = results.values()
    (article,) = result.articles
    assert article.id == "000_d1333627a6b9a447"
    assert "Views: 0" not in article.text
    assert article.text.endswith("network of partners.")
    assert article.url == "https://wuwenjie.xyz/wordpress/?p=100459"
    assert article.published == date(2024, 9, 24) and article.date_source == "metadata"
    assert article.source == "wuwenjie.xyz"
    assert article.title.startswith("In a significant development in bilateral relations")
    assert len(article.title) <= 120
    assert article.countries[:2] in (["KR", "CU"], ["CU", "KR"])
    assert article.word_count > 500 and len(article.content_hash) == 32
    assert not result.problems


def test_seed_without_sidecar_is_undated(tmp_path):
    write(tmp_path / SEED.name, SEED.read_bytes())
    _, results = read_all(tmp_path)
    (article,) = next(iter(results.values())).articles
    assert article.published is None and article.date_source is None
    assert article.url is None


def test_headline_first_line_becomes_title(tmp_path):
    write(tmp_path / "a.txt", "Cuba opens an embassy\n\nHAVANA, Sept 24, 2024 - Cuba opened an embassy in Seoul.\n")
    _, results = read_all(tmp_path)
    (article,) = results["a.txt"].articles
    assert article.title == "Cuba opens an embassy"
    assert article.text.startswith("HAVANA")
    assert article.published == date(2024, 9, 24) and article.date_source == "dateline"


def test_jsonl_bad_lines_are_reported_and_the_rest_read(tmp_path):
    lines = [json.dumps({"id": "a1", "title": "First", "text": "Text one about Cuba.", "published": "2024-01-02",
                         "extra": "ignored"}),
             "{not json",
             json.dumps({"title": "No id", "text": "Text two."}),
             json.dumps({"id": "a3", "title": "Empty"}),
             json.dumps(["not", "an", "object"]),
             json.dumps({"id": "a4", "html": "<html><head><title>From HTML</title></head>"
                                             "<body><script>var x=1;</script><p>Body of four.</p></body></html>"})]
    write(tmp_path / "feed" / "export.jsonl", "\n".join(lines) + "\n")
    _, results = read_all(tmp_path)
    result = results["feed/export.jsonl"]
    assert [a.id for a in result.articles] == ["a1", "feed/export#3", "a4"]
    assert result.articles[0].published == date(2024, 1, 2)
    assert result.articles[2].title == "From HTML" and "var x" not in result.articles[2].text
    reasons = {p.where: p.reason for p in result.problems}
    assert reasons["feed/export.jsonl:2"].startswith("line 2: invalid JSON")
    assert "no 'text' or 'html'" in reasons["feed/export.jsonl:4"]
    assert "expected a JSON object" in reasons["feed/export.jsonl:5"]


def test_json_one_article_and_list(tmp_path):
    write(tmp_path / "one.json", json.dumps({"title": "Single", "text": "Only one.", "url": "https://www.example.com/x"}))
    write(tmp_path / "many.json", json.dumps([{"id": "m1", "text": "First of many."}, {"id": "m2", "text": "Second."}]))
    _, results = read_all(tmp_path)
    (single,) = results["one.json"].articles
    assert single.id == "one" and single.title == "Single" and single.source == "example.com"
    assert [a.id for a in results["many.json"].articles] == ["m1", "m2"]


def test_html_title_text_and_metadata(tmp_path):
    page = """<!doctype html><html lang="en"><head><meta charset="utf-8">
    <title>Seoul and Havana talk | Example News</title>
    <meta property="og:title" content="Seoul and Havana talk">
    <meta property="article:published_time" content="2024-09-25T08:00:00+09:00">
    <meta property="og:site_name" content="Example News">
    <style>p{color:red}</style><script>alert(1)</script></head>
    <body><nav>Home | World</nav><article><h1>Seoul and Havana talk</h1>
    <p>The foreign ministers of <b>South Korea</b> and Cuba met.</p><p>They spoke for an hour.</p></article>
    <footer>Copyright</footer></body></html>"""
    write(tmp_path / "page.html", page)
    write(tmp_path / "zipped.html.gz", gzip.compress(page.encode()))
    _, results = read_all(tmp_path)
    (article,) = results["page.html"].articles
    assert article.title == "Seoul and Havana talk"
    assert "The foreign ministers of South Korea and Cuba met." in article.text
    assert "alert" not in article.text and "color:red" not in article.text and "Home | World" not in article.text
    assert article.published_day == date(2024, 9, 25)  # the page's own day, not UTC
    assert article.source == "Example News" and article.language == "en"
    (zipped,) = results["zipped.html.gz"].articles
    assert zipped.id == "zipped" and zipped.text == article.text


def test_walk_counts_hidden_and_unknown(tmp_path):
    write(tmp_path / "a.txt", "Alpha story.\n\nBody text here.")
    write(tmp_path / "sub" / "deeper" / "b.txt", "Beta story.\n\nBody text here.")
    write(tmp_path / ".hidden.txt", "secret")
    write(tmp_path / ".git" / "x.txt", "secret")
    write(tmp_path / "notes.docx", b"PK\x03\x04")
    write(tmp_path / "image.png", b"\x89PNG")
    scan = scan_corpus(tmp_path)
    assert sorted(scan.files) == ["a.txt", "sub/deeper/b.txt"]
    assert scan.files["sub/deeper/b.txt"].article_id == "sub/deeper/b"
    assert scan.ignored["hidden"] == 2 and scan.ignored["unknown extension"] == 2


def test_bad_files_have_reasons(tmp_path):
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "binary.txt", bytes(range(256)) * 4)
    write(tmp_path / "latin1.txt", "Caf\xe9 society".encode("latin-1"))
    write(tmp_path / "utf16.txt", "Title here\n\nUTF-16 body about Cuba.".encode("utf-16"))
    write(tmp_path / "broken.json", "{\"title\": ")
    _, results = read_all(tmp_path)
    reason = {rel: r.problems[0].reason for rel, r in results.items() if r.problems}
    assert reason["empty.txt"] == "empty file"
    assert reason["binary.txt"] == "binary data, not text"
    assert reason["broken.json"].startswith("invalid JSON")
    assert [a.title for a in results["utf16.txt"].articles] == ["Title here"]
    assert [a.title for a in results["latin1.txt"].articles] == ["Café society"]


@pytest.mark.parametrize("data, title, encoding", [
    ("Café in Zürich\n\nA story.".encode("utf-8"), "Café in Zürich", "utf-8"),
    (b"\xef\xbb\xbf" + "Café in Zürich\n\nA story.".encode("utf-8"), "Café in Zürich", "utf-8"),
    ("Café in Zürich\n\nA story.".encode("utf-16"), "Café in Zürich", "utf-16le"),
    (b"\xfe\xff" + "Café in Zürich\n\nA story.".encode("utf-16-be"), "Café in Zürich", "utf-16be"),
    # Windows-1252 / Latin-1: the smart quotes and the euro sign are cp1252's own bytes
    ("“Café” costs 5 €\n\nA story.".encode("cp1252"), "“Café” costs 5 €", "windows-1252"),
    ("Ação em São Paulo\n\nUma história.".encode("latin-1"), "Ação em São Paulo", "windows-1252"),
])
def test_text_decoding_chain(tmp_path, data, title, encoding):
    write(tmp_path / "a.txt", data)
    _, results = read_all(tmp_path)
    (article,) = results["a.txt"].articles
    assert (article.title, article.encoding) == (title, encoding)
    assert article.to_dict()["encoding"] == encoding


def test_bytes_neither_utf8_nor_cp1252_are_refused(tmp_path):
    write(tmp_path / "a.txt", b"Zanzibar \xc3\x28 cloves \x81\x8d")
    _, results = read_all(tmp_path)
    assert [p.reason for p in results["a.txt"].problems] == [
        "neither UTF-8 nor windows-1252 (byte 0x81 at offset 19)"]


def test_json_stays_utf8(tmp_path):
    write(tmp_path / "a.json", '{"title": "Caf\u00e9", "text": "Caf\u00e9 body"}'.encode("utf-8"))
    write(tmp_path / "b.json", '{"title": "Café", "text": "Café body"}'.encode("cp1252"))
    _, results = read_all(tmp_path)
    assert [a.title for a in results["a.json"].articles] == ["Café"]
    assert results["b.json"].problems[0].reason.startswith("not valid UTF-8 (byte 0xe9")


def test_bad_date_in_metadata_is_a_warning_not_a_loss(tmp_path):
    write(tmp_path / "a.txt", "A story\n\nBody of the story.")
    write(tmp_path / "a.meta.json", json.dumps({"published": "yesterday-ish", "author": "Kim Lee"}))
    _, results = read_all(tmp_path)
    result = results["a.txt"]
    (article,) = result.articles
    assert article.published is None and article.author == "Kim Lee"
    (warning,) = result.problems
    assert not warning.skipped and "published date ignored" in warning.reason


# --- folder defaults (_defaults.meta.json) -----------------------------------------------------

def test_folder_defaults_fill_what_articles_lack(tmp_path):
    write(tmp_path / "wire" / "_defaults.meta.json",
          json.dumps({"published": "2024-09-24", "source": "Wire Archive", "language": "en", "x": 1}))
    write(tmp_path / "wire" / "es" / "_defaults.meta.json", json.dumps({"language": "es", "source": "Archivo"}))
    write(tmp_path / "wire" / "plain.txt", "Plain story\n\nCuba and Peru talk.")
    write(tmp_path / "wire" / "es" / "nota.txt", "Nota\n\nCuba y Perú hablan.")
    write(tmp_path / "wire" / "dated.txt", "Dated\n\nLIMA, Sept 20, 2024 - Peru said.")
    write(tmp_path / "wire" / "own.txt", "Own\n\nText.")
    write(tmp_path / "wire" / "own.meta.json", json.dumps({"published": "2024-01-02", "source": "Mine"}))
    write(tmp_path / "elsewhere.txt", "Elsewhere\n\nText.")
    scan, results = read_all(tmp_path)
    assert "wire/_defaults.meta.json" not in scan.files and not scan.ignored.get("unknown extension")
    got = {rel: r.articles[0] for rel, r in results.items()}
    plain, nota = got["wire/plain.txt"], got["wire/es/nota.txt"]
    assert (plain.published, plain.date_source, plain.source, plain.language) == (
        date(2024, 9, 24), "folder-defaults", "Wire Archive", "en")
    assert (nota.published, nota.source, nota.language) == (date(2024, 9, 24), "Archivo", "es")  # nearest wins
    assert (got["wire/dated.txt"].published, got["wire/dated.txt"].date_source) == (date(2024, 9, 20), "dateline")
    assert (got["wire/own.txt"].published, got["wire/own.txt"].source) == (date(2024, 1, 2), "Mine")
    assert got["elsewhere.txt"].published is None and got["elsewhere.txt"].source is None


@pytest.mark.parametrize("content, reason", [
    ("[1, 2]", "folder defaults ignored: expected a JSON object"),
    ("{broken", "folder defaults ignored: Expecting property name"),
    ('{"source": ["a"]}', "folder defaults ignored: 'source' must be a string"),
    ('{"published": "September 2024", "source": "Kept"}', "folder default date ignored: 'September 2024' is not"),
])
def test_bad_folder_defaults_are_one_warning(tmp_path, content, reason):
    write(tmp_path / "_defaults.meta.json", content)
    write(tmp_path / "a.txt", "A\n\nText one.")
    write(tmp_path / "b.txt", "B\n\nText two.")
    scan, results = read_all(tmp_path)
    assert [(p.where, p.skipped) for p in scan.problems] == [("_defaults.meta.json", False)]
    assert scan.problems[0].reason.startswith(reason)
    assert all(r.articles and r.articles[0].published is None for r in results.values())


def test_extract_prints_what_the_indexer_stores(tmp_path, capsys):
    """`news-search extract FILE` (or a subfolder) inside the corpus takes the same scan as the
    indexer: the folder defaults from the corpus root down, the sidecar, the corpus-relative id."""
    from search import cli

    write(tmp_path / "_defaults.meta.json", json.dumps({"source": "Root Wire", "language": "en"}))
    write(tmp_path / "wire" / "_defaults.meta.json", json.dumps({"published": "2024-09-24"}))
    write(tmp_path / "wire" / "day" / "plain.txt", "Plain story\n\nCuba and Peru talk.")
    write(tmp_path / "wire" / "day" / "own.txt", "Own\n\nText.")
    write(tmp_path / "wire" / "day" / "own.meta.json", json.dumps({"source": "Mine"}))
    _, results = read_all(tmp_path)
    stored = {rel: r.articles[0].to_dict() for rel, r in results.items()}
    for target, rels in ((tmp_path / "wire" / "day" / "plain.txt", ["wire/day/plain.txt"]),
                         (tmp_path / "wire" / "day", ["wire/day/own.txt", "wire/day/plain.txt"])):
        assert cli.main(["extract", "--corpus", str(tmp_path), str(target)]) == 0
        printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert printed == [stored[rel] for rel in rels]
    plain = stored["wire/day/plain.txt"]
    assert (plain["published"], plain["source"], plain["language"]) == ("2024-09-24", "Root Wire", "en")
    # with its own folder as the corpus, no defaults from above that folder
    assert cli.main(["extract", "--corpus", str(tmp_path / "wire" / "day"),
                     str(tmp_path / "wire" / "day" / "plain.txt")]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert alone["source"] is None and alone["published"] is None
