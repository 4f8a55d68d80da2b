"""The reindex's writer on a cluster: rows go to the shard of the article's story (REPLACE in
batches), removals mark rows dead in the new state, and commit() switches every shard's
state row to the new state at once for readers (rows.py explains the states).

An article is never moved in place: a changed one is a new row on its (new) story's shard
and its old row dies in the same new state, on whichever shard holds it (the writer does
not know the old story, so the dead marks go to every shard). No index state shows both
rows or neither: a run killed before the switch leaves rows and marks of a state no
reader asks for (the next run removes them), and once the first state row is switched
the new state is the one readers take, so a failure after that point undoes nothing.

Beside the index location (a local folder on the host that runs the reindex) are the
manifest of corpus files, the lock and the wire-copy store; the manifest records the
state it describes, the shards it was written to and how rows were placed on them, and
any mismatch (a run killed between the switch and the manifest, shards added, an index
placed by article id by an earlier version) makes the next run a full one. A
node that cannot be reached stops the run before anything is switched (NodeError names
it, `news-search index` exits 1) and the next run does what was missed."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ...core.backend import IndexLocked, IndexWriter
from ...ingest.article import Article
from ...ingest.duplicates import StoryFinder
from .cluster import DEFAULT_LANGUAGE, INDEX, MORPHOLOGY, rt_index, stemming_code
from .connection import Node, NodeError
from .escape import integer, integers
from .rows import COLUMNS, DEAD_NEVER, article_key, doc_id, shard_of, state_values, values

BATCH_ROWS = 250          # rows a REPLACE: 3-4k articles/s from one client (field notes)
BATCH_BYTES = 8 * 2**20   # and at most this much SQL (max_packet_size is 64M)
ID_BATCH = 1000           # ids a DELETE or UPDATE
MANIFEST = "sphinxql-manifest.json"
PLACEMENT = "story"       # rows placed by shard_of(story): recorded in the manifest


class SphinxQLWriter(IndexWriter):
    def __init__(self, backend, full: bool) -> None:
        self.backend = backend
        self.full = full
        self.files: dict[str, dict] = {}
        self.folder = backend.location
        self._lock_file = None
        self._pending: list[dict[str, list[str]]] = []   # a shard's rows by language index
        self._pending_bytes: list[int] = []
        self._added: dict[str, tuple[int, int]] = {}   # article id -> (shard, doc id) written this run
        self._dying: set[int] = set()                   # article keys to mark dead, on every shard
        self._marked = False
        self._switched = False                          # a state row holds the new state: committed
        self.finder: StoryFinder | None = None
        # REPLACE batches are sent by one thread per shard while this one prepares the next
        # rows (searchd indexes in its own process; figures in docs/deploy-manticore.md).
        self._senders: list[ThreadPoolExecutor] = []
        self._sent: list[Future | None] = []

    # -- opening -------------------------------------------------------------------

    def __enter__(self) -> SphinxQLWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.folder / "reindex.lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise IndexLocked(f"another reindex of {self.folder} is running") from None
        try:
            self._open()
        except BaseException:
            self._release()
            raise
        return self

    def _open(self) -> None:
        b = self.backend
        shards = b.shard_nodes()
        for node in shards:  # every shard must be there before anything is written
            node.query("SHOW STATUS LIKE 'uptime'")
        self.shards: list[Node] = shards
        self.languages = self._languages()
        self.current = b.read_state(shards=True)
        self.new = (self.current or 0) + 1
        manifest = self._manifest()
        if (manifest is None or self.current is None or manifest.get("state") != self.current
                or manifest.get("shards") != [n.address for n in shards]
                or manifest.get("placement") != PLACEMENT or manifest.get("languages") != self.languages):
            self.full = True
        if not self.full:
            self.files = manifest["files"]
        self._pending = [{} for _ in shards]
        self._pending_bytes = [0 for _ in shards]
        self._senders = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"shard{i}")
                         for i in range(len(shards))]
        self._sent = [None for _ in shards]
        self._clean_leftovers()
        stories = self.folder / ("stories-new.sqlite" if self.full else "stories.sqlite")
        if self.full and stories.exists():
            stories.unlink()
        self.finder = StoryFinder(stories, keep_existing=not self.full)

    def _languages(self) -> list[str]:
        """The languages every shard has an RT index for (news_<code>; the config decides,
        cluster.MORPHOLOGY names the possible ones). A new set is a full run: articles
        change index."""
        found = None
        for node in self.shards:
            tables = {r[0] for r in node.query("SHOW TABLES") if r[1] == "rt"}
            codes = sorted(c for c in MORPHOLOGY if rt_index(c) in tables)
            if DEFAULT_LANGUAGE not in codes or (found is not None and codes != found):
                raise NodeError(node.address, f"its RT indexes are {', '.join(sorted(tables)) or 'none'}: a shard "
                                f"needs {rt_index(DEFAULT_LANGUAGE)} and the same language indexes as the "
                                "others (docs/deploy-manticore.md)", reachable=True)
            found = codes
        return found

    def _manifest(self) -> dict | None:
        try:
            return json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _clean_leftovers(self) -> None:
        """What a killed run left: rows born after the current state, dead marks of a
        state that was never switched to."""
        ns, current = self.backend.ns, self.current or 0
        for node in self.shards:
            self._delete_where(node, f"ns={ns} AND born>{current}")
            node.query(f"UPDATE {INDEX} SET died={DEAD_NEVER} WHERE ns={ns} AND died>{current} "
                       f"AND died<{DEAD_NEVER}")

    @staticmethod
    def _delete_where(node: Node, where: str) -> None:
        """DELETE by a filter (Sphinx 2.2 deletes by id only): find the ids, delete them."""
        while True:
            rows = node.query(f"SELECT id FROM {INDEX} WHERE {where} LIMIT 0,{ID_BATCH} "
                              f"OPTION max_matches={ID_BATCH}")
            if not rows:
                return
            node.query(f"DELETE FROM {INDEX} WHERE id IN ({integers(r[0] for r in rows)})")
            if len(rows) < ID_BATCH:
                return

    # -- writing -------------------------------------------------------------------

    def add(self, article: Article, *, file_sig: str, signature=False) -> None:
        story = self.finder.story(article.id, article.text, signature)
        shard = shard_of(story, len(self.shards))
        row = values(article, ns=self.backend.ns, born=self.new, story=story)
        self._added[article.id] = (shard, doc_id(self.backend.ns, article.id, self.new))
        index = rt_index(stemming_code(article.language, self.languages))
        self._pending[shard].setdefault(index, []).append(row)
        self._pending_bytes[shard] += len(row)
        if sum(map(len, self._pending[shard].values())) >= BATCH_ROWS or self._pending_bytes[shard] >= BATCH_BYTES:
            self._flush(shard)

    def _flush(self, shard: int, wait: bool = False) -> None:
        """Send the shard's pending rows, a REPLACE a language index (after its previous
        batch: one batch in flight a shard); `wait`: until the shard has them. A failed
        batch raises here."""
        pending = self._pending[shard]
        self._wait(shard)
        if pending:
            statements = [f"REPLACE INTO {index} ({', '.join(COLUMNS)}) VALUES {', '.join(rows)}"
                          for index, rows in pending.items()]
            self._sent[shard] = self._senders[shard].submit(self._send, self.shards[shard], statements)
            self._pending[shard], self._pending_bytes[shard] = {}, 0
        if wait:
            self._wait(shard)

    @staticmethod
    def _send(node: Node, statements: list[str]) -> None:
        for sql in statements:  # Sphinx 2.2 takes only SELECT and SHOW in a multi-statement batch
            node.query(sql)

    def _wait(self, shard: int) -> None:
        sent, self._sent[shard] = self._sent[shard], None
        if sent is not None:
            sent.result()

    def delete(self, path: str, article_ids: Iterable[str]) -> None:
        for aid in article_ids:
            written = self._added.pop(aid, None)
            if written is not None:  # added earlier in this run: gone at once
                self._flush(written[0], wait=True)
                self.shards[written[0]].query(f"DELETE FROM {INDEX} WHERE id={integer(written[1])}")
            self._dying.add(article_key(aid))

    def _mark_dead(self) -> None:
        """The removed articles' rows die in the new state (still live in the current one),
        on every shard: a row's shard follows its story, which is not known here."""
        ns, current, new = self.backend.ns, self.current or 0, self.new
        self._marked = True
        keys = sorted(self._dying)
        for node in self.shards:
            for start in range(0, len(keys), ID_BATCH):
                node.query(f"UPDATE {INDEX} SET died={new} WHERE ns={ns} AND died={DEAD_NEVER} AND born<={current} "
                           f"AND akey IN ({integers(keys[start:start + ID_BATCH])})")
            if self.full and self.current is not None:
                node.query(f"UPDATE {INDEX} SET died={new} WHERE ns={ns} AND died={DEAD_NEVER} AND born<={current}")

    def commit(self, files: dict[str, dict]) -> None:
        changed = self.full or self._added or self._dying
        for shard in range(len(self.shards)):
            self._flush(shard, wait=True)
        state = self.new if changed else self.current
        if changed:
            self._mark_dead()
        self.finder.commit()
        manifest = self.folder / MANIFEST
        tmp = manifest.with_name(manifest.name + ".tmp")
        tmp.write_text(json.dumps({"state": state, "shards": [n.address for n in self.shards],
                                   "placement": PLACEMENT, "languages": self.languages, "files": files}),
                       encoding="utf-8")
        if changed:
            # The switch: every shard's state row (a reader takes the highest it sees).
            # The first one switched commits the run (cancel() then undoes nothing); a node
            # failing after it leaves its old state row behind, and readers the new state.
            live = self._live_languages(state)
            for i, node in enumerate(self.shards):
                node.query(f"REPLACE INTO {rt_index(DEFAULT_LANGUAGE)} ({', '.join(COLUMNS)}) "
                           f"VALUES {state_values(self.backend.ns, i, state, live)}")
                self._switched = True
        os.replace(tmp, manifest)
        if self.full:
            self.finder.close()
            self.finder = None
            os.replace(self.folder / "stories-new.sqlite", self.folder / "stories.sqlite")
        self.files = files
        self._added.clear()
        if changed:
            self._purge(state)

    def _live_languages(self, state: int) -> list[str]:
        """The languages whose indexes hold a live row of `state` on some shard (one round
        trip a shard): the indexes a search of that state names."""
        ns = self.backend.ns
        live = set()
        for node in self.shards:
            sets = node.batch("; ".join(
                f"SELECT id FROM {rt_index(code)} WHERE ns={integer(ns)} AND born<={integer(state)} "
                f"AND died>{integer(state)} LIMIT 0,1"
                for code in self.languages))
            live.update(code for code, rows in zip(self.languages, sets) if rows)
        return sorted(live)

    def _purge(self, state: int) -> None:
        """Remove rows that died before the state just replaced: a request still reading
        that one keeps its rows. A node down now is purged by a later run."""
        for node in self.shards:
            try:
                self._delete_where(node, f"ns={self.backend.ns} AND died>0 AND died<{state}")
            except ConnectionError:
                pass

    def cancel(self) -> None:
        """Delete this run's rows and undo its dead marks (best effort: what a dead node
        keeps is cleaned by the next run's _clean_leftovers). Nothing is undone once a
        state row was switched: readers already take the new state, which every shard holds
        whole (a node that failed at the switch has its part in its binlog), and the
        manifest, not written, makes the next run a full one."""
        ns = self.backend.ns
        if self._switched:
            self._added.clear()
            self._pending = [{} for _ in self.shards]
            return
        for shard, node in enumerate(self.shards):
            try:
                self._wait(shard)
            except Exception:  # noqa: BLE001 - the batch that failed is what is being cancelled
                pass
            try:
                ids = [d for s, d in self._added.values() if s == shard]
                for start in range(0, len(ids), ID_BATCH):
                    node.query(f"DELETE FROM {INDEX} WHERE id IN ({integers(ids[start:start + ID_BATCH])})")
                if self._marked:
                    node.query(f"UPDATE {INDEX} SET died={DEAD_NEVER} WHERE ns={ns} AND died={self.new}")
            except ConnectionError:
                pass
        self._added.clear()
        self._pending = [{} for _ in self.shards]
        if self.full and self.finder is not None:
            self.finder.close()
            self.finder = None
            (self.folder / "stories-new.sqlite").unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        if self.finder is not None:
            self.finder.close()
            self.finder = None
        self._release()

    def _release(self) -> None:
        for sender in self._senders:
            sender.shutdown(wait=True)
        self._senders = []
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
