"""The folders' rules, read from every import of every module (inside functions too):
ingestion and fetching know no index, the core knows no engine, only the Whoosh backend
imports whoosh, and web/ knows only the core (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    """The absolute names a file imports ("from ..dates import day_label" in search/core
    is search.ingest.dates.day_label)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found |= {f"{module}.{a.name}" for a in node.names}
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def breaks(folder: str, forbidden) -> list[str]:
    return [f"{path.relative_to(ROOT)}: {name}" for path in modules(folder) for name in sorted(imports(path))
            if forbidden(name)]


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("folder", ["search/ingest", "search/fetch"])
def test_ingestion_and_fetching_know_no_index(folder):
    assert breaks(folder, lambda n: under(n, "search.core", "search.backends", "web", "whoosh")) == []


def test_the_core_knows_no_engine_and_no_front_end():
    assert breaks("search/core", lambda n: under(n, "search.backends", "web", "whoosh", "pymysql")) == []


def test_only_the_whoosh_backend_imports_whoosh():
    outside = [p for p in ("search/ingest", "search/fetch", "search/core", "search/backends/sphinxql", "web")]
    assert [b for folder in outside for b in breaks(folder, lambda n: under(n, "whoosh"))] == []
    assert breaks("search/backends/whoosh", lambda n: under(n, "whoosh"))  # the check sees its imports


def test_web_knows_only_the_core():
    assert breaks("web", lambda n: under(n, "search") and not under(n, "search.core", "search.config")) == []


def test_the_check_resolves_relative_imports(tmp_path):
    assert {"search.ingest.countries.country_label", "search.ingest.dates.day_label"} <= imports(
        ROOT / "search" / "core" / "labels.py")
