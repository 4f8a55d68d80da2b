"""From a corpus folder to finished Articles: walking, reading, sidecars, cleaning,
dates and countries. The indexer and `news-search extract` both go through here."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from .article import Article
from .bylines import clean_authors, clean_source, join_authors
from .clean import clean_line, clean_text, split_title
from .countries import extract_countries
from .dates import date_from_text, parse_date
from .languages import article_language
from .readers import SIDECAR_SUFFIX, Problem, reader_for, split_extension
from .readers.jsonl import apply_metadata


@dataclass
class CorpusFile:
    rel: str  # corpus-relative, '/'-separated
    ext: str
    article_id: str
    size: int
    mtime_ns: int
    sidecar: str | None = None  # corpus-relative path of NAME.meta.json
    sidecar_stat: tuple[int, int] | None = None
    # The folder defaults that apply (DEFAULTS_NAME files from the root down, merged) and
    # the size and mtime of each of those files.
    defaults: dict = field(default_factory=dict)
    defaults_stat: tuple[tuple[int, int], ...] = ()

    @property
    def stat_sig(self) -> str:
        """Cheap change check: size and mtime of the file, of its sidecar and of the folder
        defaults above it (a changed defaults file re-reads every article below it)."""
        sig = f"{self.size}:{self.mtime_ns}"
        if self.sidecar_stat:
            sig += f"+{self.sidecar_stat[0]}:{self.sidecar_stat[1]}"
        for size, mtime in self.defaults_stat:
            sig += f"^{size}:{mtime}"
        return sig


@dataclass
class Scan:
    files: dict[str, CorpusFile] = field(default_factory=dict)
    ignored: Counter = field(default_factory=Counter)  # reason -> count
    problems: list[Problem] = field(default_factory=list)


@dataclass
class FileResult:
    file: CorpusFile
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    content_hash: str = ""
    # MinHash signatures by article id, when computed where the file was read
    # (parallel rebuilds); otherwise the indexer computes them itself.
    signatures: dict = field(default_factory=dict)


# One file of metadata defaults per folder (see read_defaults).
DEFAULTS_NAME = "_defaults.meta.json"
DEFAULT_KEYS = ("published", "source", "language", "author")


def read_defaults(path: Path, rel: str) -> tuple[dict, Problem | None]:
    """The defaults a folder's DEFAULTS_NAME file gives to every article below it that lacks
    its own: a JSON object with any of DEFAULT_KEYS (other keys are ignored), or ({}, the
    reason it is ignored)."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        bad = [k for k in DEFAULT_KEYS if data.get(k) is not None and not isinstance(data[k], (str, int, float))]
        if bad:
            raise ValueError(f"'{bad[0]}' must be a string")
    except (OSError, ValueError) as e:
        return {}, Problem(rel, f"folder defaults ignored: {e}", skipped=False)
    defaults = {k: data[k] for k in DEFAULT_KEYS if data.get(k) not in (None, "")}
    if "published" in defaults:
        try:
            if parse_date(defaults["published"]) is None:
                raise ValueError(f"{defaults['published']!r} is not a full date")
        except ValueError as e:
            del defaults["published"]
            return defaults, Problem(rel, f"folder default date ignored: {e}", skipped=False)
    return defaults, None


def _with_folder_defaults(root: Path, dirpath: str, folder: str, inherited: tuple[dict, tuple],
                          problems: list[Problem]) -> tuple[dict, tuple]:
    """The defaults that apply in one folder: its parent's, overridden by its own DEFAULTS_NAME."""
    defaults, defaults_stat = inherited
    path = os.path.join(dirpath, DEFAULTS_NAME)
    if not os.path.isfile(path):
        return defaults, defaults_stat
    rel = ("" if folder == "." else folder + "/") + DEFAULTS_NAME
    try:
        st = os.stat(path)
        own, problem = read_defaults(Path(path), rel)
        defaults = {**defaults, **own}
        defaults_stat = (*defaults_stat, (st.st_size, st.st_mtime_ns))
        if problem:
            problems.append(problem)
    except OSError as e:
        problems.append(Problem(rel, f"cannot read: {e.strerror}"))
    return defaults, defaults_stat


def scan_corpus(root: Path, under: Path | None = None) -> Scan:
    """Every article file under root (or only under `under`, a folder or file inside root,
    with the folder defaults of root and of every folder between).  Symlinked folders are
    not followed (no loops); hidden files and unknown extensions are counted, not read.  A
    folder's DEFAULTS_NAME file is read here, once, and given to every article file below it."""
    scan = Scan()
    sidecars: dict[str, tuple[int, int]] = {}
    # folder -> (merged defaults, stats of the defaults files), inherited by subfolders
    inherited: dict[str, tuple[dict, tuple[tuple[int, int], ...]]] = {}
    root = Path(root)
    start, only = root, None
    if under is not None:
        under = Path(under)
        start, only = (under, None) if under.is_dir() else (under.parent, under.name)
        parts = Path(os.path.relpath(start, root)).parts
        if parts and parts[0] == "..":
            raise ValueError(f"{under} is not inside {root}")
        pair: tuple[dict, tuple] = ({}, ())
        for k in range(len(parts)):  # the folders above `start`
            folder = "/".join(parts[:k]) or "."
            pair = inherited[folder] = _with_folder_defaults(root, os.path.join(root, *parts[:k]),
                                                             folder, pair, scan.problems)

    def onerror(err: OSError) -> None:
        scan.problems.append(Problem(_rel(root, err.filename), f"cannot read folder: {err.strerror}"))

    for dirpath, dirnames, filenames in os.walk(start, onerror=onerror):
        hidden = [d for d in dirnames if d.startswith(".")]
        scan.ignored["hidden"] += len(hidden)
        dirnames[:] = [] if only else sorted(d for d in dirnames if not d.startswith("."))
        folder = _rel(root, dirpath)
        prefix = "" if folder == "." else folder + "/"
        parent = "." if folder == "." or "/" not in folder else folder.rsplit("/", 1)[0]
        defaults, defaults_stat = _with_folder_defaults(
            root, dirpath, folder, inherited.get(parent, ({}, ())) if folder != "." else ({}, ()),
            scan.problems)
        inherited[folder] = (defaults, defaults_stat)
        if only:
            filenames = [n for n in filenames if n in (only, split_extension(only)[0] + SIDECAR_SUFFIX)]
        for name in sorted(filenames):
            if name == DEFAULTS_NAME:
                continue
            if name.startswith("."):
                scan.ignored["hidden"] += 1
                continue
            full = os.path.join(dirpath, name)
            rel = prefix + name
            stem, ext = split_extension(rel)
            if not ext:
                scan.ignored["unknown extension"] += 1
                continue
            try:
                st = os.stat(full)
            except OSError as e:
                scan.problems.append(Problem(rel, f"cannot read: {e.strerror}"))
                continue
            if not stat.S_ISREG(st.st_mode):
                scan.ignored["not a regular file"] += 1
                continue
            if ext == SIDECAR_SUFFIX:
                sidecars[stem] = (st.st_size, st.st_mtime_ns)
                continue
            scan.files[rel] = CorpusFile(rel, ext, stem, st.st_size, st.st_mtime_ns,
                                         defaults=defaults, defaults_stat=defaults_stat)
    for cf in scan.files.values():
        stem = cf.article_id
        if stem in sidecars:
            cf.sidecar = stem + SIDECAR_SUFFIX
            cf.sidecar_stat = sidecars.pop(stem)
    scan.ignored["sidecar without article"] += len(sidecars)
    if not scan.ignored["sidecar without article"]:
        del scan.ignored["sidecar without article"]
    return scan


def _rel(root: Path, full: str | None) -> str:
    if not full:
        return "."
    return Path(os.path.relpath(full, root)).as_posix()


def read_file(root: Path, cf: CorpusFile, max_bytes: int) -> FileResult:
    """The finished articles of one file, or the reasons it was skipped."""
    result = FileResult(cf)
    if cf.size > max_bytes:
        # In the unit NEWS_SEARCH_MAX_FILE_MB counts (2^20 bytes), so the limit reads as set.
        result.problems.append(Problem(cf.rel, f"too large ({cf.size / 2**20:.1f} MB; the limit is "
                                               f"{max_bytes / 2**20:g} MB, NEWS_SEARCH_MAX_FILE_MB)"))
        return result
    try:
        with open(os.path.join(root, cf.rel), "rb") as f:
            data = f.read()
        meta_bytes = b""
        if cf.sidecar:
            with open(os.path.join(root, cf.sidecar), "rb") as f:
                meta_bytes = f.read()
    except OSError as e:
        result.problems.append(Problem(cf.rel, f"cannot read: {e.strerror or e}"))
        return result
    defaults_bytes = json.dumps(cf.defaults, sort_keys=True).encode() if cf.defaults else b""
    result.content_hash = hashlib.blake2b(data + b"\x00" + meta_bytes + b"\x00" + defaults_bytes,
                                         digest_size=16).hexdigest()
    if not data.strip():
        result.problems.append(Problem(cf.rel, "empty file"))
        return result
    sidecar: dict = {}
    if cf.sidecar:
        try:
            sidecar = json.loads(meta_bytes.decode("utf-8-sig"))
            if not isinstance(sidecar, dict):
                raise ValueError("expected a JSON object")
        except ValueError as e:
            result.problems.append(Problem(cf.sidecar, f"sidecar ignored: {e}", skipped=False))
            sidecar = {}
    reader = reader_for(cf.ext)
    try:
        for item in reader(data, cf.article_id, cf.rel):
            if isinstance(item, Problem):
                result.problems.append(item)
                continue
            if sidecar:
                apply_metadata(item, sidecar)
            finished = finish(item, result.problems, cf.defaults)
            if isinstance(finished, Problem):
                result.problems.append(finished)
            else:
                result.articles.append(finished)
    except (RecursionError, MemoryError, ValueError, LookupError, TypeError, AttributeError) as e:
        # A file no reader can digest (markup nested 100,000 deep, a broken encoding
        # declaration...) is skipped with its reason; it never stops the reindex.
        result.articles.clear()
        result.problems.append(Problem(cf.rel, f"could not be read: {type(e).__name__}: {str(e)[:200]}"))
    return result


def finish(article: Article, warnings: list[Problem] | None = None,
           defaults: dict | None = None) -> Article | Problem:
    """Clean the text, derive what the source did not give: title, date, language (a
    declared one kept, search.ingest.languages), countries, source; authors become person
    names only, a source given as a URL its domain.  `defaults` (the folder's, see
    read_defaults) fill what the article lacks: its own metadata and its own dateline or
    "Published" line come first, the folder's date only after them."""
    where = article.path or article.id
    defaults = defaults or {}
    for key in ("source", "language", "author"):
        if not getattr(article, key) and isinstance(defaults.get(key), str):
            setattr(article, key, defaults[key])
    article.text = clean_text(article.text)
    if not article.text:
        return Problem(where, "no text")
    if article.title:
        article.title = clean_line(article.title)
    else:
        title, article.text = split_title(article.text)
        article.title = clean_line(title)
    for key in ("author", "source", "url", "language"):
        value = getattr(article, key)
        if value is not None:
            setattr(article, key, clean_line(value) or None)

    raw = article.published
    if raw is not None and not isinstance(raw, (date, datetime)):
        try:
            article.published = parse_date(raw)
        except ValueError as e:
            article.published, article.date_source = None, None
            if warnings is not None:
                warnings.append(Problem(where, f"{article.id}: published date ignored: {e}", skipped=False))
    if article.published is None:
        article.published, article.date_source = date_from_text(article.title, article.text)
    if article.published is None and defaults.get("published") is not None:
        # Checked when the folder was scanned (read_defaults): a full, valid date.
        article.published, article.date_source = parse_date(defaults["published"]), "folder-defaults"
    elif article.published is not None and article.date_source is None:
        article.date_source = "metadata"

    article.language = article_language(article.language, article.text)
    article.countries = extract_countries(article.title, article.text)
    article.source = clean_source(article.source or (article.url and urlsplit(article.url).hostname))
    article.author = join_authors(clean_authors(article.author, site=article.source))
    return article
