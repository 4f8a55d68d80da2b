"""The sphinxql backend on a live cluster (2 shards + front, tests/harness/sphinx_cluster.py):
the `news-search cluster` command, reindexing through the CLI (incremental and --full),
and faults: one shard down gives partial answers (200, "partial", a warning, a notice
on the page) and an index run that exits 1 naming the node; every shard down gives 503
problems; restarted, the answers are complete again and the next run completes.
The conformance suite (tests/conformance/) checks the behaviour itself."""

from __future__ import annotations

import json

import pytest
import requests

from conftest import ARTICLES, Server, run_cli, write

SPHINX = {"NEWS_SEARCH_BACKEND": "sphinxql"}


def env() -> dict:
    return dict(SPHINX)


def corpus_of(folder, articles=ARTICLES):
    write(folder / "stories.jsonl", "".join(json.dumps(a) + "\n" for a in articles))
    return folder


def test_cluster_command_start_status_stop(tmp_path):
    pytest.importorskip("pymysql")
    folder = tmp_path / "one"
    started = run_cli("cluster", "start", "--dir", folder, "--shards", "1")
    if started.returncode and "not installed" in started.stderr:
        pytest.skip(started.stderr.strip())
    try:
        assert started.returncode == 0, started.stderr
        lines = started.stdout.splitlines()
        assert lines[0] == "export NEWS_SEARCH_BACKEND=sphinxql"
        assert lines[1].startswith("export NEWS_SEARCH_SPHINXQL_FRONT=127.0.0.1:")
        assert lines[2].startswith("export NEWS_SEARCH_SPHINXQL_SHARDS=127.0.0.1:")
        status = run_cli("cluster", "status", "--dir", folder)
        assert status.returncode == 0 and status.stdout.count(" ok") == 2, status.stdout
    finally:
        stopped = run_cli("cluster", "stop", "--dir", folder)
    assert stopped.returncode == 0, stopped.stderr
    status = run_cli("cluster", "status", "--dir", folder)
    assert status.returncode == 1 and status.stdout.count("DOWN") == 2
    missing = run_cli("cluster", "status", "--dir", tmp_path / "nothing")
    assert missing.returncode == 1 and "no cluster in" in missing.stderr


def test_full_reindex_switches_at_once(sphinx_cluster, tmp_path):
    corpus, index = corpus_of(tmp_path / "corpus"), tmp_path / "index"
    first = run_cli("index", "--corpus", corpus, "--index", index, env=env())
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"indexed {len(ARTICLES)} new, 0 changed, 0 removed")
    again = run_cli("index", "--corpus", corpus, "--index", index, env=env())
    assert again.stdout.startswith("indexed 0 new, 0 changed, 0 removed"), again.stdout
    full = run_cli("index", "--full", "--corpus", corpus, "--index", index, env=env())
    assert full.returncode == 0, full.stderr
    found = json.loads(run_cli("search", "--index", index, "--json", env=env()).stdout)
    assert found["total"] == len(ARTICLES) and not found["partial"]


@pytest.fixture
def served(sphinx_cluster, tmp_path):
    corpus, index = corpus_of(tmp_path / "corpus"), tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index, env=env()).returncode == 0
    server = Server(index, workers=1, env={**__import__("os").environ, **SPHINX})
    yield sphinx_cluster, server, corpus, index
    server.stop()
    sphinx_cluster.start()  # whatever a check stopped


def test_shard_down_partial_then_unavailable_then_whole_again(served):
    cluster, server, corpus, index = served
    whole = requests.get(f"{server.url}/api/search", params={"per_page": 100}, timeout=10).json()
    assert (whole["total"], whole["partial"], whole["warnings"]) == (len(ARTICLES), False, [])

    down = cluster.shards[1]
    cluster.stop_node(down)
    part = requests.get(f"{server.url}/api/search", params={"per_page": 100}, timeout=10)
    assert part.status_code == 200
    body = part.json()
    assert body["partial"] is True and body["warnings"], body
    assert 0 < body["total"] < len(ARTICLES)
    page = requests.get(f"{server.url}/", params={"q": "exports"}, timeout=10)
    assert page.status_code == 200 and "Part of the index did not answer" in page.text
    health = requests.get(f"{server.url}/healthz", timeout=10).json()
    assert health["status"] == "degraded" and health["partial"] is True

    # A reindex while a shard is down: exit 1 naming the node, nothing switched.
    write(corpus / "late.jsonl", json.dumps({"id": "late-giraffes", "title": "Giraffes counted",
                                             "text": "Rangers counted giraffes in Kenya."}) + "\n")
    failed = run_cli("index", "--corpus", corpus, "--index", index, env=env())
    assert failed.returncode == 1 and down.sql_address in failed.stderr, failed.stderr

    cluster.stop_node(cluster.shards[0])
    gone = requests.get(f"{server.url}/api/search", params={"q": "exports"}, timeout=10)
    assert gone.status_code == 503 and gone.headers["Content-Type"] == "application/problem+json"
    assert gone.json()["title"] == "Search unavailable"
    assert requests.get(f"{server.url}/", params={"q": "exports"}, timeout=10).status_code == 503

    cluster.start()  # both shards again: their binlogs and flushed chunks hold everything
    back = requests.get(f"{server.url}/api/search", params={"per_page": 100}, timeout=10).json()
    assert (back["total"], back["partial"]) == (len(ARTICLES), False)
    done = run_cli("index", "--corpus", corpus, "--index", index, env=env())
    assert done.returncode == 0 and done.stdout.startswith("indexed 1 new"), done.stdout
    assert requests.get(f"{server.url}/api/search", params={"q": "giraffes"}, timeout=10).json()["total"] == 1


def test_capabilities_left_out_of_the_page_and_api(served):
    cluster, server, corpus, index = served
    home = requests.get(f"{server.url}/", timeout=10).text
    assert "suggest.js" not in home  # no search-as-you-type without the SUGGEST capability
    assert "/api/suggest" not in requests.get(f"{server.url}/opensearch.xml", timeout=10).text
    assert requests.get(f"{server.url}/articles/havana-trade", timeout=10).status_code == 200
    related = requests.get(f"{server.url}/api/articles/havana-trade/related", timeout=10)
    assert related.status_code == 200 and isinstance(related.json()["related"], list)
    wildcard = requests.get(f"{server.url}/api/search", params={"q": "touri*"}, timeout=10)
    assert wildcard.status_code == 400
    assert wildcard.json()["invalid_params"][0]["name"] == "q"
    hostile = requests.get(f"{server.url}/api/search", params={"q": "cuba') ; DROP \\ @title \x00\""}, timeout=10)
    assert hostile.status_code in (200, 400), hostile.text


HOSTILE = ["'", "\\", "\\'", "cuba')", "cuba'); DROP TABLE news; --", "; SHOW TABLES", "cuba\x00mexico", '"', "@title cuba",
           "@(title,body) cuba", "@@relaxed cuba", "cuba | mexico", "!cuba", "=cuba", "^cuba$", "cuba << mexico",
           "cuba NEAR/3 mexico", '"cuba mexico"/1', '"cuba mexico"~3', "MATCH('x')", "cuba\\", "-", "--cuba",
           "(", ")", "()", "title:'", "text:\\", "été Zürich", "cuba MAYBE mexico", "%", "cuba*)", "a" * 400]


def test_hostile_queries_are_answered_or_refused(sphinx_cluster, tmp_path):
    """Every string reaches searchd escaped: a query gives results or the same 400 as on
    Whoosh (InvalidRequest), never an engine error."""
    from search.core.backend import open_backend
    from search.core.request import InvalidRequest, SearchRequest

    backend = open_backend("sphinxql", tmp_path / "index")
    backend.update(corpus_of(tmp_path / "corpus"), max_bytes=2**20)
    try:
        for q in HOSTILE:
            try:
                request = SearchRequest.from_params({"q": [q]})
                backend.search(request)
            except InvalidRequest:
                pass
            assert "cuba" not in backend.highlight("nothing here", q)
        cuba = backend.search(SearchRequest.from_params({"q": ["cuba"]})).total
        assert cuba > 0 and backend.search(SearchRequest.from_params({"q": ["cuba'; --"]})).total == cuba
    finally:
        backend.close()


def _story_text(n: int) -> str:
    """A text of 30+ distinct words, different for each n: copies of it are one story."""
    words = " ".join(f"w{n}x{i}" for i in range(30))
    return f"Story {n} about harbours and grain. {words}."


def _live_rows(backend) -> list[set[tuple[str, int]]]:
    """(article id, story key) of each shard's live rows, read on the shards themselves."""
    from search.backends.sphinxql.rows import DEAD_NEVER

    return [{(aid, int(story)) for aid, story in node.query(
                f"SELECT aid, story FROM news WHERE ns={backend.ns} AND died={DEAD_NEVER} "
                f"LIMIT 0,1000 OPTION max_matches=1000")}
            for node in backend.shard_nodes()]


def test_a_story_lives_on_one_shard_and_an_article_moves_with_its_story(sphinx_cluster, tmp_path):
    """Rows are placed by story (rows.shard_of), so the shards' distinct-story counts add up
    to the stories count of a search, also across RT disk chunks; an article rewritten as
    another story gets its new row on that story's shard and its old row dies in the same
    state (no state shows both)."""
    from search.backends.sphinxql.rows import article_key, shard_of
    from search.core.backend import open_backend
    from search.core.request import SearchRequest

    records = [{"id": f"s{n}-c{c}", "title": f"Harbour report {n}", "text": _story_text(n)}
               for n in range(12) for c in range(3)]
    records += [{"id": f"brief-{n}", "title": "Brief", "text": f"Harbours and grain brief {n}."} for n in range(6)]
    corpus = corpus_of(tmp_path / "corpus", records)
    backend = open_backend("sphinxql", tmp_path / "index")

    def stories(q: str = "") -> tuple[int, int]:
        result = backend.search(SearchRequest.from_params({"q": [q]} if q else {}))
        assert not result.partial
        return result.total, result.stories

    try:
        backend.update(corpus, max_bytes=2**20)
        shards = _live_rows(backend)
        assert all(shards) and sum(map(len, shards)) == 42
        on = [{s for _, s in rows} for rows in shards]
        assert not on[0] & on[1]  # no story on both shards
        assert stories() == (42, 18) and stories("harbours") == (42, 18) and stories("grain brief") == (6, 6)

        def flush() -> None:  # the rows so far to disk chunks: the next run's go to the RAM chunk
            for node in backend.shard_nodes():
                node.query("FLUSH RAMCHUNK news_en")

        flush()
        # A copy rewritten as a story of its own, on the other shard than its old story's.
        moved = next(r for r in records if r["id"].endswith("-c2")
                     and shard_of(r["id"], 2) != shard_of(r["id"].replace("-c2", "-c0"), 2))
        old_shard = shard_of(moved["id"].replace("-c2", "-c0"), 2)
        moved["text"] = "Rewritten as another story entirely: " + _story_text(99)
        corpus_of(corpus, records)
        backend.update(corpus, max_bytes=2**20)
        flush()
        # A copy of story 0 in a later run: in another chunk than the story's other rows.
        late = {"id": "late-copy", "title": "Harbour report 0 again", "text": _story_text(0)}
        write(corpus / "late.jsonl", json.dumps(late) + "\n")
        backend.update(corpus, max_bytes=2**20)

        shards = _live_rows(backend)
        assert (moved["id"], article_key(moved["id"])) in shards[1 - old_shard]
        assert not any(aid == moved["id"] for aid, _ in shards[old_shard])
        assert ("late-copy", article_key("s0-c0")) in shards[shard_of("s0-c0", 2)]
        assert stories() == (43, 19) and stories("harbours") == (43, 19)
        assert stories("w99x1") == (1, 1) and stories("w0x1") == (4, 1)
    finally:
        backend.close()


def test_an_index_placed_by_id_is_rebuilt_whole(sphinx_cluster, tmp_path):
    """A manifest without the placement (an index written when rows were placed by article
    id) makes the next run a full one: summed distinct-story counts need placement by story."""
    from search.core.backend import open_backend
    from search.core.request import SearchRequest

    corpus = corpus_of(tmp_path / "corpus")
    backend = open_backend("sphinxql", tmp_path / "index")
    try:
        backend.update(corpus, max_bytes=2**20)
        manifest = tmp_path / "index" / "sphinxql-manifest.json"
        written = json.loads(manifest.read_text(encoding="utf-8"))
        assert written.pop("placement") == "story"
        manifest.write_text(json.dumps(written), encoding="utf-8")
        summary = backend.update(corpus, max_bytes=2**20)
        assert summary.full and summary.articles == len(ARTICLES)
        assert backend.search(SearchRequest.from_params({})).total == len(ARTICLES)
        assert not backend.update(corpus, max_bytes=2**20).full
    finally:
        backend.close()


def test_a_node_failing_during_the_switch_undoes_nothing(sphinx_cluster, tmp_path):
    """Once one shard's state row holds the new state, readers take it: a node failing
    during the rest of the switch must not make the run undo itself on the other shards
    (an article moved from the reachable shard to the failed one would then show twice
    once that node is back). The failure is real: the node is stopped just before its
    state row is written."""
    from search.backends.sphinxql.connection import NodeError
    from search.backends.sphinxql.rows import shard_of, state_id
    from search.core.backend import open_backend
    from search.core.request import SearchRequest

    records = [{"id": f"s{n}-c{c}", "title": f"Harbour report {n}", "text": _story_text(n)}
               for n in range(12) for c in range(3)]
    corpus = corpus_of(tmp_path / "corpus", records)
    backend = open_backend("sphinxql", tmp_path / "index")

    def found(q: str) -> tuple[int, bool]:
        result = backend.search(SearchRequest.from_params({"q": [q]}))
        return result.total, result.partial

    try:
        backend.update(corpus, max_bytes=2**20)
        # A copy whose story sits on shard 0, rewritten as a story of its own on shard 1.
        moved = next(r for r in records if not r["id"].endswith("-c0") and shard_of(r["id"], 2) == 1
                     and shard_of(r["id"].rsplit("-", 1)[0] + "-c0", 2) == 0)
        moved["text"] = _story_text(99)
        corpus_of(corpus, records)
        node = backend.shard_nodes()[1]
        cluster_node = next(n for n in sphinx_cluster.shards if n.sql_address == node.address)
        real_query = node.query
        state_row = f"VALUES ({state_id(backend.ns, 1)}, ''"

        def query(sql: str) -> list:
            if state_row in sql:
                sphinx_cluster.stop_node(cluster_node)
            return real_query(sql)

        node.query = query
        with pytest.raises(NodeError):
            backend.update(corpus, max_bytes=2**20)
        node.query = real_query
        assert found("w99x1") == (0, True)  # its new row is on the stopped shard
        sphinx_cluster.start()
        assert found("w99x1") == (1, False)  # the new state, whole: the article once
        assert found("harbours") == (36, False)
        summary = backend.update(corpus, max_bytes=2**20)  # the manifest was not written
        assert summary.full and found("harbours") == (36, False) and found("w99x1") == (1, False)
    finally:
        sphinx_cluster.start()
        backend.close()


def test_the_language_indexes_a_cluster_has_decide_the_stemming(tmp_path):
    """The writer finds the shards' language indexes (SHOW TABLES): an article whose
    language has none is stemmed in English in news_en; a shard without news_en (a config
    from before the language indexes) stops the run, naming it."""
    from search.backends.sphinxql.backend import SphinxQLBackend
    from search.backends.sphinxql.cluster import ClusterError, LocalCluster, searchd_binary
    from search.backends.sphinxql.connection import NodeError
    from search.core.request import SearchRequest

    try:
        searchd_binary()
    except ClusterError as e:
        pytest.skip(str(e))
    cluster = LocalCluster(tmp_path / "cluster")
    cluster.create(1, languages=("en", "es"))
    config = cluster.folder / "shard0" / "searchd.conf"
    records = [{"id": "de", "language": "de", "title": "Landtagswahlen", "text": "Die Wahlen in Bayern."},
               {"id": "es", "language": "es", "title": "Elecciones", "text": "Las elecciones del domingo."}]
    corpus = corpus_of(tmp_path / "corpus", records)
    backend = SphinxQLBackend(tmp_path / "index", front=cluster.front.sql_address,
                              shards=[s.sql_address for s in cluster.shards])

    def found(q: str) -> list[str]:
        return [h.id for h in backend.search(SearchRequest(q=q)).hits]

    try:
        cluster.start()
        backend.update(corpus, max_bytes=2**20)
        assert found("Wahl") == [] and found("Wahlen") == ["de"] and found("elección") == ["es"]
        assert backend._languages == ("en", "es")
        cluster.stop()
        config.write_text(config.read_text().replace("news_en", "news_old"))
        cluster.start()
        with pytest.raises(NodeError, match="needs news_en"):
            backend.update(corpus, max_bytes=2**20, full=True)
    finally:
        backend.close()
        cluster.stop()
