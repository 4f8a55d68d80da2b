"""A local cluster of searchd nodes on 127.0.0.1, for development, tests and CI: N shard
nodes, each with an RT index a stemming language and a distributed `news` over them, and
one front node with a distributed `news` over the shards' `news`, a distributed index a
language over the shards' RT indexes of that language and a template index a language
(`news-search cluster start|status|stop`). Production clusters are configured
by hand (docs/deploy-manticore.md); the index settings below are the ones to copy.

Each node lives in DIR/<name>/ (config, data, binlog, logs, pid file); DIR/cluster.json
records the nodes and their ports. Nodes start with `searchd --config FILE` (they
daemonize and write their pid file) and stop with SIGTERM to the pid in that file, which
flushes their RT index; the binlog replays whatever a killed node had not flushed."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ...ingest.languages import language_code

INDEX = "news"          # distributed: on a shard over its RT indexes, on the front over the shards'
TEMPLATE = "news_tpl"   # news_tpl_<code>: the front's template indexes, for CALL SNIPPETS
DEFAULT_LANGUAGE = "en"
# Sphinx's stemmer for each language an RT index news_<code> can hold (stemming is per
# index in Sphinx, not per document): Snowball's, through the libstemmer Debian's
# sphinxsearch links (2.2.0), for the languages PyStemmer stems in the Whoosh backend
# (analysis.SNOWBALL) except the three that libstemmer lacks (cs, et, pl). An article in a
# language without an index in the cluster, or in none, goes to news_en, as the Whoosh
# backend stems such articles in English.
MORPHOLOGY = {"en": "stem_en", **{code: f"libstemmer_{name}" for code, name in (
    ("ar", "arabic"), ("ca", "catalan"), ("da", "danish"), ("de", "german"), ("el", "greek"),
    ("es", "spanish"), ("eu", "basque"), ("fi", "finnish"), ("fr", "french"), ("ga", "irish"),
    ("hi", "hindi"), ("hu", "hungarian"), ("hy", "armenian"), ("id", "indonesian"), ("it", "italian"),
    ("lt", "lithuanian"), ("ne", "nepali"), ("nl", "dutch"), ("no", "norwegian"), ("pt", "portuguese"),
    ("ro", "romanian"), ("ru", "russian"), ("sr", "serbian"), ("sv", "swedish"), ("ta", "tamil"),
    ("tr", "turkish"), ("yi", "yiddish"))}}
_SAME_STEMMER = {"nb": "no", "nn": "no"}  # Norwegian Bokmål and Nynorsk: Snowball's one Norwegian
# The languages a local cluster has indexes for: English and the main news languages
# Snowball stems (those issue 18 names). Every index a search names costs it time, empty
# or not: over English and 6 more (20 articles each beside 5,000 English, 2 shards) a
# search took p50 23 ms through 8 indexes a shard, 41 ms through 28, against 10 ms over
# English alone (docs/languages.md). Another language is one more entry here (or in a
# production config): the writer uses what the shards have.
CLUSTER_LANGUAGES = ("en", "ar", "de", "es", "fr", "it", "pt", "ru")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0
INSTALL_HINT = ("searchd is not installed: install Sphinx (Debian/Ubuntu: apt-get install sphinxsearch) "
                "or Manticore Search (https://manticoresearch.com/install/)")

# The text columns and the attributes of an article row (see writer.py for their meaning).
RT_SCHEMA = """\
    rt_field = title
    rt_field = body
    rt_field = every
    rt_attr_uint = ns
    rt_attr_uint = born
    rt_attr_uint = died
    rt_attr_bigint = akey
    rt_attr_bigint = story
    rt_attr_bigint = ts
    rt_attr_uint = undated
    rt_attr_bigint = day
    rt_attr_uint = month
    rt_attr_multi = country
    rt_attr_uint = lang
    rt_attr_string = aid
    rt_attr_string = source
    rt_attr_string = title_s
    rt_attr_string = body_s
    rt_attr_string = doc"""


class ClusterError(RuntimeError):
    """A node could not be configured, started, reached or stopped."""


@dataclass(frozen=True)
class Node:
    name: str        # shard0, shard1, ..., front
    api_port: int    # the binary protocol: the front's agents reach shards on it
    sql_port: int    # mysql41: the backend's connections

    @property
    def sql_address(self) -> str:
        return f"127.0.0.1:{self.sql_port}"


def charset_table() -> str:
    """Digits, letters, underscore and accented Latin letters folded to their base letter
    (2.2.11's default table splits "Zürich" into "z" and "rich"; ranges mapped to one
    letter are refused by searchd, so one entry per letter), Greek and Cyrillic folded
    to lower case."""
    entries = ["0..9", "A..Z->a..z", "_", "a..z"]
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)[0].lower()
        if ch.isalpha() and base.isascii() and base.isalpha():
            entries.append(f"U+{code:X}->{base}")
    entries += ["U+391..U+3A1->U+3B1..U+3C1", "U+3A3..U+3A9->U+3C3..U+3C9", "U+3B1..U+3C9",
                "U+410..U+42F->U+430..U+44F", "U+430..U+44F", "U+401->U+435", "U+451->U+435"]
    # Greek with tonos or dialytika as its base letter (they were separators: "Αθήνα" was
    # two words), Arabic, Hebrew and Devanagari letters and signs (they were separators).
    entries += [f"U+{a:X}->U+{b:X}" for a, b in zip(
        (0x386, 0x388, 0x389, 0x38A, 0x38C, 0x38E, 0x38F, 0x3AA, 0x3AB, 0x3AC, 0x3AD, 0x3AE, 0x3AF, 0x3CA,
         0x3CB, 0x3CC, 0x3CD, 0x3CE, 0x390, 0x3B0),
        (0x3B1, 0x3B5, 0x3B7, 0x3B9, 0x3BF, 0x3C5, 0x3C9, 0x3B9, 0x3C5, 0x3B1, 0x3B5, 0x3B7, 0x3B9, 0x3B9,
         0x3C5, 0x3BF, 0x3C5, 0x3C9, 0x3B9, 0x3C5))]
    entries += ["U+621..U+63A", "U+641..U+64A", "U+660..U+669", "U+671..U+6D3", "U+5D0..U+5EA", "U+900..U+97F"]
    return ", ".join(entries)


# Arabic harakat and tatweel, Hebrew points: ignored inside words, as the Whoosh analyzer
# folds them away.
IGNORE_CHARS = "U+640, U+64B..U+65F, U+670, U+591..U+5BD, U+5BF, U+5C1..U+5C2, U+5C4..U+5C5, U+5C7"
# Han, kana, Hangul and Thai: each character a token (Sphinx 2.2 has no bigrams), so
# their words are found as runs of characters.
NGRAM_CHARS = "U+3040..U+30FF, U+3400..U+4DBF, U+4E00..U+9FFF, U+F900..U+FAFF, U+AC00..U+D7A3, U+E01..U+E5B"


def rt_index(code: str) -> str:
    """The RT index of a language's articles on a shard, and the front's distributed index
    over those of every shard."""
    return f"{INDEX}_{code}"


def template_index(code: str) -> str:
    return f"{TEMPLATE}_{code}"


def stemming_code(tag: str | None, languages: Collection[str]) -> str:
    """The language whose index holds an article with this language tag ('de-AT' -> 'de'),
    among the languages a cluster has indexes for; DEFAULT_LANGUAGE when it has none."""
    code = language_code(tag)
    code = _SAME_STEMMER.get(code, code)
    return code if code in languages else DEFAULT_LANGUAGE


def tokenizer_settings(stopwords: Path, code: str) -> str:
    """Identical on a language's RT indexes and its template index but for the stemmer,
    so snippets mark what searches match."""
    return f"""\
    dict = keywords
    morphology = {MORPHOLOGY[code]}
    index_exact_words = 1
    min_word_len = 1
    index_field_lengths = 1
    stopword_step = 0
    html_strip = 0
    stopwords = {stopwords}
    charset_table = {charset_table()}
    ignore_chars = {IGNORE_CHARS}
    ngram_len = 1
    ngram_chars = {NGRAM_CHARS}"""


def _searchd_section(node: Node, folder: Path) -> str:
    return f"""
searchd
{{
    listen = 127.0.0.1:{node.api_port}
    listen = 127.0.0.1:{node.sql_port}:mysql41
    log = {folder / 'searchd.log'}
    query_log = {folder / 'query.log'}
    pid_file = {folder / 'searchd.pid'}
    binlog_path = {folder / 'binlog'}
    workers = threads
    max_packet_size = 64M
    listen_backlog = 256      # the default, 5, dropped agent connections when a search over 7
                              # languages opened 7 a shard at once (connect() timed out, partial)
    read_timeout = 5
    client_timeout = 300
}}
"""


def rt_mem_limit(code: str) -> str:
    """The RAM chunk's ceiling (not an allocation: an empty index takes about 0.5 MB of the
    node's RSS): English, most of a news archive, keeps the single index's 256M."""
    return "256M" if code == DEFAULT_LANGUAGE else "64M"


def shard_config(node: Node, folder: Path, stopwords: Path, languages: Collection[str]) -> str:
    indexes = "".join(f"""index {rt_index(code)}
{{
    type = rt
    path = {folder / 'data' / rt_index(code)}
    rt_mem_limit = {rt_mem_limit(code)}
{RT_SCHEMA}
{tokenizer_settings(stopwords, code)}
}}

""" for code in languages)
    local = "\n".join(f"    local = {rt_index(code)}" for code in languages)
    return f"""{indexes}index {INDEX}
{{
    type = distributed
{local}
}}
""" + _searchd_section(node, folder)


def front_config(node: Node, folder: Path, shards: list[Node], stopwords: Path,
                 languages: Collection[str]) -> str:
    """A distributed index a language over its RT index on every shard, one over every
    shard's `news` (all its languages: what a search of several languages reads), and a
    template index a language."""
    agents = "\n".join(f"    agent = 127.0.0.1:{s.api_port}:{INDEX}" for s in shards)
    out = [f"""index {INDEX}
{{
    type = distributed
{agents}
    agent_connect_timeout = 300
    agent_query_timeout = 10000
}}
"""]
    for code in languages:
        agents = "\n".join(f"    agent = 127.0.0.1:{s.api_port}:{rt_index(code)}" for s in shards)
        out.append(f"""index {rt_index(code)}
{{
    type = distributed
{agents}
    agent_connect_timeout = 300
    agent_query_timeout = 10000
}}

index {template_index(code)}
{{
    type = template
{tokenizer_settings(stopwords, code)}
}}
""")
    return "\n".join(out) + _searchd_section(node, folder)


def free_ports(n: int) -> list[int]:
    """n ports the kernel says are free now (bound to port 0, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def searchd_binary() -> str:
    found = shutil.which("searchd") or next((p for p in ("/usr/bin/searchd", "/usr/sbin/searchd")
                                             if os.access(p, os.X_OK)), None)
    if not found:
        raise ClusterError(INSTALL_HINT)
    return found


class LocalCluster:
    """The nodes recorded in DIR/cluster.json."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()

    @property
    def nodes(self) -> list[Node]:
        path = self.folder / "cluster.json"
        if not path.exists():
            raise ClusterError(f"no cluster in {self.folder} (start one with: news-search cluster start "
                               f"--dir {self.folder})")
        return [Node(**n) for n in json.loads(path.read_text())["nodes"]]

    @property
    def shards(self) -> list[Node]:
        return [n for n in self.nodes if n.name != "front"]

    @property
    def front(self) -> Node:
        return next(n for n in self.nodes if n.name == "front")

    def exports(self) -> list[str]:
        return ["export NEWS_SEARCH_BACKEND=sphinxql",
                f"export NEWS_SEARCH_SPHINXQL_FRONT={self.front.sql_address}",
                f"export NEWS_SEARCH_SPHINXQL_SHARDS={','.join(s.sql_address for s in self.shards)}"]

    def create(self, shards: int, base_port: int | None = None,
               languages: Collection[str] = CLUSTER_LANGUAGES) -> None:
        """Write the configs of `shards` shard nodes and a front (ports from base_port up,
        two a node, or free ones), with an index for each of `languages` (English always)."""
        if shards < 1:
            raise ClusterError("a cluster needs at least one shard")
        languages = [DEFAULT_LANGUAGE] + sorted(set(languages) - {DEFAULT_LANGUAGE})
        unknown = [c for c in languages if c not in MORPHOLOGY]
        if unknown:
            raise ClusterError(f"no stemmer for {', '.join(unknown)} (cluster.MORPHOLOGY)")
        if (self.folder / "cluster.json").exists() and self.running():
            raise ClusterError(f"a cluster is already running in {self.folder} (news-search cluster stop "
                               f"--dir {self.folder})")
        n = shards + 1
        ports = list(range(base_port, base_port + 2 * n)) if base_port else free_ports(2 * n)
        nodes = [Node(f"shard{i}", ports[2 * i], ports[2 * i + 1]) for i in range(shards)]
        nodes.append(Node("front", ports[2 * shards], ports[2 * shards + 1]))
        self.folder.mkdir(parents=True, exist_ok=True)
        stopwords = self.folder / "stopwords.txt"
        stopwords.write_text("\n".join(sorted(stop_words())) + "\n", encoding="utf-8")
        for node in nodes:
            folder = self.folder / node.name
            for sub in ("data", "binlog"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            text = (front_config(node, folder, nodes[:-1], stopwords, languages) if node.name == "front"
                    else shard_config(node, folder, stopwords, languages))
            (folder / "searchd.conf").write_text(text, encoding="utf-8")
        (self.folder / "cluster.json").write_text(json.dumps(
            {"nodes": [n.__dict__ for n in nodes]}, indent=1), encoding="utf-8")

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start every node that is not running (shards first), then wait until all answer."""
        binary = searchd_binary()
        for node in self.shards + [self.front]:
            self.start_node(node, binary)
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            self.wait(node, deadline)

    def start_node(self, node: Node, binary: str | None = None) -> None:
        if self.pid(node) is not None:
            return
        folder = self.folder / node.name
        done = subprocess.run([binary or searchd_binary(), "--config", str(folder / "searchd.conf")],
                              cwd=folder, capture_output=True, text=True, timeout=START_TIMEOUT)
        if done.returncode != 0:
            detail = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise ClusterError(f"searchd {node.name} did not start: {' / '.join(detail)}")

    def wait(self, node: Node, deadline: float) -> None:
        from .connection import ping

        while True:
            problem = ping(node.sql_address)
            if problem is None:
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"searchd {node.name} ({node.sql_address}) does not answer: {problem}")
            time.sleep(0.05)

    def pid(self, node: Node) -> int | None:
        """The node's process id when it runs (its pid file names a live process)."""
        try:
            pid = int((self.folder / node.name / "searchd.pid").read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def running(self) -> bool:
        return any(self.pid(n) is not None for n in self.nodes)

    def status(self) -> list[dict]:
        from .connection import ping

        out = []
        for node in self.nodes:
            pid = self.pid(node)
            problem = ping(node.sql_address) if pid is not None else "not running"
            out.append({"node": node.name, "address": node.sql_address, "api_port": node.api_port,
                        "pid": pid, "ok": problem is None, "problem": problem})
        return out

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to every node (front first), then wait until each has exited."""
        for node in [self.front] + self.shards:
            self.stop_node(node, timeout)

    def stop_node(self, node: Node, timeout: float = STOP_TIMEOUT) -> None:
        pid = self.pid(node)
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.05)
        raise ClusterError(f"searchd {node.name} (pid {pid}) did not stop within {timeout:.0f} s")


@functools.cache
def stop_words() -> frozenset[str]:
    """The engine drops the same function words as plain queries do (search.core.query)."""
    from ...core.query import function_words

    return frozenset(w for w in function_words() if w.isalnum())
